/**
 * @internal
 * Holds finished children until their local root ends, so a whole transaction leaves in one
 * piece.
 *
 * Memory stays bounded:
 * - a buffer exists only for a root with at least one finished child (a root that merely
 *   started costs nothing here), so buffers never outnumber buffered spans;
 * - buffered spans count against the processor's global bound (checked by the caller);
 * - a transaction keeps at most `maxSpansPerTransaction` spans, the earliest started;
 * - a buffer whose root does not end within `orphanTimeoutMillis` is flushed as orphans.
 */
import { ensureSpanData, type ReadableSpanLike } from '@otel-sentry/core';
import { detachSpan } from './detached-transaction.js';
import { processorDiag } from './diag.js';
import type { DiscardCounter } from './discard-counter.js';

/** Children of one local root waiting for it. */
interface PendingTransaction {
  readonly children: ReadableSpanLike[];
  /** When the first child arrived (`Date.now()`); the orphan deadline counts from here. */
  readonly since: number;
}

/** Settings of {@link TransactionAssembler}. */
export interface AssemblerSettings {
  readonly maxSpansPerTransaction: number;
  readonly orphanTimeoutMillis: number;
}

/** Receives assembled transactions: the root and every span of it, root included. */
export type TransactionSink = (root: ReadableSpanLike, spans: ReadableSpanLike[]) => void;

type Timer = ReturnType<typeof setTimeout>;

function startMillis(span: ReadableSpanLike): number {
  return span.startTime[0] * 1e3 + span.startTime[1] / 1e6;
}

export class TransactionAssembler {
  readonly #settings: AssemblerSettings;
  readonly #discards: DiscardCounter;
  readonly #sink: TransactionSink;
  // Insertion order is arrival order of the first child, so the first entry is always the
  // next one to time out.
  readonly #pending = new Map<object, PendingTransaction>();
  #buffered = 0;
  #sweepTimer: Timer | undefined;

  constructor(settings: AssemblerSettings, discards: DiscardCounter, sink: TransactionSink) {
    this.#settings = settings;
    this.#discards = discards;
    this.#sink = sink;
  }

  /** Finished children held, waiting for their roots. */
  get size(): number {
    return this.#buffered;
  }

  /**
   * Takes a finished child of `root`. Returns `false` when it cannot be held because the
   * global bound is reached (`hasRoom` false); the caller counts that drop.
   */
  addChild(root: object, span: ReadableSpanLike, hasRoom: boolean): boolean {
    let pending = this.#pending.get(root);
    if (pending === undefined) {
      if ((root as { ended?: unknown }).ended === true) {
        // The root was already handed on: this child becomes a transaction of its own.
        detachSpan(span, root, 'late');
        this.#sink(span, [span]);
        return true;
      }
      if (!hasRoom) return false;
      pending = { children: [], since: Date.now() };
      this.#pending.set(root, pending);
      this.#scheduleSweep();
    } else if (!hasRoom && pending.children.length < this.#settings.maxSpansPerTransaction - 1) {
      return false;
    }
    // The root takes one of the places.
    if (pending.children.length >= this.#settings.maxSpansPerTransaction - 1) {
      this.#keepEarliest(pending.children, span);
    } else {
      pending.children.push(span);
      this.#buffered++;
    }
    return true;
  }

  /** The root ended: hands on the root with its children. */
  completeRoot(root: ReadableSpanLike): void {
    const pending = this.#pending.get(root);
    let spans: ReadableSpanLike[];
    if (pending === undefined) {
      spans = [root];
    } else {
      this.#pending.delete(root);
      this.#buffered -= pending.children.length;
      spans = pending.children;
      spans.push(root);
    }
    this.#sink(root, spans);
  }

  /** Flushes every waiting buffer as orphans (at shutdown). */
  flushAll(): void {
    for (const [root, pending] of this.#pending) this.#flushOrphans(root, pending);
    this.#stopSweep();
  }

  /**
   * Trims a transaction that hooks made too long: keeps `root` and the earliest started
   * others; counts the rest. Returns the list to send.
   */
  capTransaction(root: ReadableSpanLike, spans: ReadableSpanLike[]): ReadableSpanLike[] {
    const max = this.#settings.maxSpansPerTransaction;
    if (spans.length <= max) return spans;
    const others = spans.filter((s) => s !== root).sort((a, b) => startMillis(a) - startMillis(b));
    const kept = others.slice(0, max - 1);
    kept.push(root);
    this.#discards.record(
      'buffer_overflow',
      'span',
      spans.length - kept.length,
      `a transaction is capped at ${max} spans`,
    );
    return kept;
  }

  // At the cap: keeps the earliest started spans, as Sentry's SDKs do.
  #keepEarliest(children: ReadableSpanLike[], span: ReadableSpanLike): void {
    this.#discards.record(
      'buffer_overflow',
      'span',
      1,
      `a transaction is capped at ${this.#settings.maxSpansPerTransaction} spans`,
    );
    if (children.length === 0) return;
    let latest = 0;
    let latestStart = startMillis(children[0]!);
    for (let i = 1; i < children.length; i++) {
      const start = startMillis(children[i]!);
      if (start > latestStart) {
        latest = i;
        latestStart = start;
      }
    }
    if (startMillis(span) < latestStart) children[latest] = span;
  }

  #scheduleSweep(): void {
    if (this.#sweepTimer !== undefined) return;
    const first = this.#pending.values().next().value;
    if (first === undefined) return;
    const wait = Math.max(0, first.since + this.#settings.orphanTimeoutMillis - Date.now());
    this.#sweepTimer = setTimeout(this.#sweep, wait);
    (this.#sweepTimer as { unref?: () => void }).unref?.();
  }

  #stopSweep(): void {
    if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  readonly #sweep = (): void => {
    this.#sweepTimer = undefined;
    // A timer callback: whatever happens must not reach the host application.
    try {
      const deadline = Date.now() - this.#settings.orphanTimeoutMillis;
      for (const [root, pending] of this.#pending) {
        if (pending.since > deadline) break;
        this.#flushOrphans(root, pending);
      }
    } catch (error) {
      processorDiag.error('flushing orphans failed', error);
    }
    this.#scheduleSweep();
  };

  /**
   * Sends the children of a root that did not end. Each child whose parent is not among
   * them becomes the root of a transaction; the others join their nearest such ancestor.
   */
  #flushOrphans(root: object, pending: PendingTransaction): void {
    this.#pending.delete(root);
    const children = pending.children;
    this.#buffered -= children.length;

    const byId = new Map<string, ReadableSpanLike>();
    for (const span of children) byId.set(span.spanContext().spanId, span);
    const topOf = new Map<ReadableSpanLike, ReadableSpanLike>();
    const findTop = (span: ReadableSpanLike): ReadableSpanLike => {
      let top = span;
      const path: ReadableSpanLike[] = [];
      // Walks up within the buffer; `topOf` makes the whole pass linear.
      for (;;) {
        const known = topOf.get(top);
        if (known !== undefined) {
          top = known;
          break;
        }
        path.push(top);
        const parentId = top.parentSpanContext?.spanId;
        const parent = parentId === undefined ? undefined : byId.get(parentId);
        // The step bound guards against a cycle of colliding span ids.
        if (parent === undefined || path.length > children.length) break;
        top = parent;
      }
      for (const s of path) topOf.set(s, top);
      return top;
    };

    const groups = new Map<ReadableSpanLike, ReadableSpanLike[]>();
    for (const span of children) {
      const top = findTop(span);
      let group = groups.get(top);
      if (group === undefined) {
        group = [];
        groups.set(top, group);
      }
      if (span !== top) group.push(span);
    }
    for (const [top, group] of groups) {
      detachSpan(top, root, 'orphan');
      // Re-link the members to their new transaction root.
      for (const span of group) ensureSpanData(span).root = top;
      group.push(top);
      this.#sink(top, group);
    }
  }
}
