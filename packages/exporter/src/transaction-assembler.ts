/**
 * Groups exported spans into transactions: a local root with all its descendants.
 *
 * Processors hand the exporter arbitrary batches (BatchSpanProcessor cuts by size and time),
 * and children usually end — and arrive — before their root. Children whose root has not
 * arrived wait here, bounded in number and time, and join the root when it comes.
 */
import { getSpanData, type ReadableSpanLike } from '@otel-sentry/core';
import { isLocalRoot } from './span-to-event.js';

/** A complete transaction. */
export interface SpanGroup {
  readonly root: ReadableSpanLike;
  readonly children: ReadableSpanLike[];
}

/** Options of {@link TransactionAssembler}. */
export interface AssemblerOptions {
  /** How long (ms) a child waits for its root. */
  readonly timeoutMs: number;
  /** Most spans waiting. */
  readonly maxPending: number;
  /** Told of spans given up on: `overflow` (buffer full) or `timeout` (root never came). */
  readonly onDrop: (spans: number, why: 'overflow' | 'timeout') => void;
}

interface Pending {
  readonly span: ReadableSpanLike;
  readonly key: string;
  readonly at: number;
}

// The span id a child is filed under: its local root's when the span processor linked it, else its parent's.
function groupKey(span: ReadableSpanLike): string {
  const root = getSpanData(span)?.root as { spanContext?: () => { spanId: string } } | undefined;
  if (root !== undefined && typeof root.spanContext === 'function') return root.spanContext().spanId;
  return span.parentSpanContext?.spanId ?? '';
}

/** See the module comment. Not thread-safe by design: JavaScript runs one export at a time. */
export class TransactionAssembler {
  readonly #options: AssemblerOptions;
  /** Waiting children by span id, in arrival order. */
  readonly #pending = new Map<string, Pending>();
  /** Waiting children by the span id they are filed under. */
  readonly #byKey = new Map<string, ReadableSpanLike[]>();

  constructor(options: AssemblerOptions) {
    this.#options = options;
  }

  /** Spans waiting for their root. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Adds a batch; returns the transactions it completes. */
  add(spans: readonly ReadableSpanLike[], now: number): SpanGroup[] {
    const roots: ReadableSpanLike[] = [];
    // Fast path: a batch of one whole transaction (SimpleSpanProcessor, small batches) never touches the buffer.
    let local: Map<string, ReadableSpanLike[]> | undefined;
    // Spans SentrySpanProcessor linked to their root (it hands a transaction over whole, orphans
    // re-linked to their top-most span even when that is not their parent).
    let linked: Map<object, ReadableSpanLike[]> | undefined;
    let inBatch: Set<object> | undefined;
    for (const span of spans) {
      if (isLocalRoot(span)) {
        roots.push(span);
        continue;
      }
      const root = getSpanData(span)?.root;
      if (root !== undefined) inBatch ??= new Set(spans);
      if (root !== undefined && inBatch!.has(root)) {
        linked ??= new Map();
        const list = linked.get(root);
        if (list === undefined) linked.set(root, [span]);
        else list.push(span);
        continue;
      }
      const key = groupKey(span);
      local ??= new Map();
      const list = local.get(key);
      if (list === undefined) local.set(key, [span]);
      else list.push(span);
    }
    const groups: SpanGroup[] = [];
    for (const root of roots) {
      const children: ReadableSpanLike[] = linked?.get(root) ?? [];
      this.#collect(root.spanContext().spanId, local, children);
      groups.push({ root, children });
    }
    if (local !== undefined) {
      for (const [key, list] of local) for (const span of list) this.#park(span, key, now);
    }
    return groups;
  }

  #collect(rootId: string, local: Map<string, ReadableSpanLike[]> | undefined, out: ReadableSpanLike[]): void {
    const stack = [rootId];
    let guard = 0;
    while (stack.length > 0 && guard++ < 1_000_000) {
      const id = stack.pop()!;
      const here = local?.get(id);
      if (here !== undefined) {
        local!.delete(id);
        for (const span of here) {
          out.push(span);
          stack.push(span.spanContext().spanId);
        }
      }
      const parked = this.#byKey.get(id);
      if (parked !== undefined) {
        this.#byKey.delete(id);
        for (const span of parked) {
          this.#pending.delete(span.spanContext().spanId);
          out.push(span);
          stack.push(span.spanContext().spanId);
        }
      }
    }
  }

  #park(span: ReadableSpanLike, key: string, now: number): void {
    if (this.#pending.size >= this.#options.maxPending) this.#evictOldest();
    const id = span.spanContext().spanId;
    if (this.#pending.has(id)) return; // exported twice: keep one
    this.#pending.set(id, { span, key, at: now });
    const list = this.#byKey.get(key);
    if (list === undefined) this.#byKey.set(key, [span]);
    else list.push(span);
  }

  #remove(entry: Pending): void {
    const id = entry.span.spanContext().spanId;
    this.#pending.delete(id);
    const list = this.#byKey.get(entry.key);
    if (list === undefined) return;
    const i = list.indexOf(entry.span);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.#byKey.delete(entry.key);
  }

  #evictOldest(): void {
    const first = this.#pending.values().next();
    if (first.done) return;
    this.#remove(first.value);
    this.#options.onDrop(1, 'overflow');
  }

  /** Gives up on children that waited longer than the timeout. Returns how many. */
  expire(now: number): number {
    let dropped = 0;
    for (const entry of this.#pending.values()) {
      if (now - entry.at < this.#options.timeoutMs) break; // arrival order: the rest are younger
      this.#remove(entry);
      dropped++;
    }
    if (dropped > 0) this.#options.onDrop(dropped, 'timeout');
    return dropped;
  }

  /** Gives up on every waiting child (shutdown). */
  clear(): number {
    const dropped = this.#pending.size;
    this.#pending.clear();
    this.#byKey.clear();
    if (dropped > 0) this.#options.onDrop(dropped, 'timeout');
    return dropped;
  }
}
