/**
 * Assembles transactions: a local root with every span of it, handed on in one piece.
 *
 * One implementation for the two places spans are grouped, fed in two ways:
 * - **Live spans** (the span processor): `spanStarted` / `spanEnded` as spans start and end.
 *   A child is filed under the local root object `onStart` linked it to (core's span side
 *   table), so grouping costs one map lookup per finished child.
 * - **Export batches** (an exporter behind a plain `BatchSpanProcessor`): `add(spans, now)`.
 *   Batches are cut by size and time, and children usually arrive before their root, linked
 *   only by `parentSpanContext.spanId`. A waiting child is filed under the span id it waits
 *   for; spans waiting for a span that itself waits are merged into its group, so a group is
 *   always "everything known below one missing span". Spans a span processor linked to a root
 *   in the same batch (it hands transactions over whole) pass straight through: that is the
 *   hot path, and it never touches the buffer.
 *
 * The same rules hold either way:
 * - **Bounded buffer.** At most `maxBufferedSpans` finished spans are held (waiting children
 *   and roots in their grace, plus what the caller reports through `heldElsewhere`). A span
 *   that would go past it is dropped and reported (`buffer_overflow`); the newest is refused
 *   rather than the oldest evicted, so transactions already waiting stay whole.
 * - **Span cap.** A transaction keeps at most `maxSpansPerTransaction` spans, root included:
 *   the earliest started, as Sentry's SDKs do. The rest are reported (`buffer_overflow`).
 * - **Orphans are sent, not dropped.** Children whose root has not ended (or arrived) within
 *   `orphanTimeoutMillis` of the first of them, or that still wait at `flushAll()`, are handed
 *   on without it: each child whose parent is not among them becomes the root of a
 *   transaction, marked `detached: 'orphan'`, and the others are re-linked to it.
 * - **Late children.** A child that ends after its root was handed on goes out alone, marked
 *   `detached: 'late'`. From export batches this is known only for a child of a root seen in
 *   the last {@link RECENT_ROOTS} transactions assembled from loose spans; a later one (or a
 *   late grandchild) waits and goes out as an orphan.
 * - **Late-child grace** (design decision 11, live spans only: a batch does not say which
 *   children are still running). A root that ends while spans started under it are still
 *   running waits until they have all ended, or `lateChildGraceMillis` passed, whichever comes
 *   first; `flush()` and `flushAll()` cut the wait short. The held root counts against the
 *   bound; with no room it is handed on at once.
 *
 * Time: the live path reads `Date.now()` and, with `sweepTimers` (default), arms two unref'd
 * timers of its own (orphans, grace). The batch path takes `now` from the caller, who drives
 * expiry with `sweep(now)` (see {@link TransactionAssembler.nextDeadline}).
 *
 * Seam for span streaming (design decision 11: in `stream` and `otlp` modes spans are handed
 * on as they end): a span processor talks to this class through {@link SpanAssembly}; a
 * pass-through implementation of it hands each span on from `spanEnded` and holds nothing.
 */
import { InvalidOptionError, MAX_TIMER_MILLIS } from './client.js';
import { type DetachReason, detachSpan } from './detached-transaction.js';
import { coreDiag } from './diag.js';
import { millisOption, numberOption } from './option-checks.js';
import { ensureSpanData, getSpanData, type SpanSentryData } from './span-data.js';
import type { DiscardReason, ReadableSpanLike } from './types.js';

/** Defaults of {@link TransactionAssemblerOptions}, shared by the span processor and the exporter. */
export const TRANSACTION_ASSEMBLER_DEFAULTS = Object.freeze({
  /** Sentry's limit of spans per transaction. */
  maxSpansPerTransaction: 1000,
  maxBufferedSpans: 10_000,
  /** Five minutes: long polls and slow jobs end within it; a leaked root does not. */
  orphanTimeoutMillis: 300_000,
  /** Frameworks end their last spans within a few milliseconds of the server span. */
  lateChildGraceMillis: 100,
});

/**
 * How many root span ids the batch path remembers, to recognise a child that arrives after
 * its root. A `BatchSpanProcessor` batch holds at most 512 spans by default, so this covers
 * several batches back, where a late child lands; ids only, so it costs well under a MB.
 */
export const RECENT_ROOTS = 4096;

/**
 * Receives each assembled transaction: its root and the other spans of it (`children`, root
 * not included). The array is the receiver's to keep or change.
 */
export type TransactionSink = (root: ReadableSpanLike, children: ReadableSpanLike[]) => void;

/** Told of spans the assembler dropped: how many, the client-report reason, and why in words. */
export type AssemblerDropCallback = (quantity: number, reason: DiscardReason, why: string) => void;

/** Told of spans handed on without their local root: how many, and why. */
export type AssemblerDetachCallback = (quantity: number, reason: DetachReason) => void;

/** Options of {@link TransactionAssembler}. */
export interface TransactionAssemblerOptions {
  /** Receives every assembled transaction, late children and orphans included. Required. */
  readonly onTransaction: TransactionSink;
  /**
   * Told of every span dropped: over the bound or over the per-transaction cap
   * (`buffer_overflow`), or lost because `onTransaction` threw (`internal_sdk_error`).
   * Default: none (the drops are then only logged through `diag`).
   */
  readonly onDrop?: AssemblerDropCallback | undefined;
  /** Told of spans handed on without their root (`late`, `orphan`). Default: none. */
  readonly onDetach?: AssemblerDetachCallback | undefined;
  /** Most spans in one transaction, root included; the earliest started are kept. Default `1000`. */
  readonly maxSpansPerTransaction?: number | undefined;
  /**
   * Most finished spans held at once, including `heldElsewhere()`; more are dropped
   * (`buffer_overflow`). Default `10000`.
   */
  readonly maxBufferedSpans?: number | undefined;
  /**
   * Longest time, in milliseconds, children wait for their root, counted from the first of
   * them; then they are handed on as orphans. Default `300000`.
   */
  readonly orphanTimeoutMillis?: number | undefined;
  /**
   * Longest time, in milliseconds, a finished root waits for spans started under it that are
   * still running (live spans only). `0` hands roots on at once. Default `100`.
   */
  readonly lateChildGraceMillis?: number | undefined;
  /**
   * Finished spans the caller holds elsewhere (an export queue) that count against
   * `maxBufferedSpans`. Default: none.
   */
  readonly heldElsewhere?: (() => number) | undefined;
  /**
   * Whether the assembler arms its own (unref'd) timers for orphan and grace deadlines.
   * `false` leaves expiry to the caller's `sweep(now)`. Default `true`.
   */
  readonly sweepTimers?: boolean | undefined;
}

/**
 * What a span processor needs from whatever turns finished spans into exports: the seam
 * between `SentrySpanProcessor` and {@link TransactionAssembler}, so a pass-through (span
 * streaming) can take its place without touching the processor.
 */
export interface SpanAssembly {
  /** Finished spans held now. */
  readonly size: number;
  /** A span started under the local root `root` (never called for a root itself). */
  spanStarted(span: object, root: object): void;
  /** A span ended; `root` is its local root (the span itself for a root). */
  spanEnded(span: ReadableSpanLike, root: object): void;
  /**
   * Applies the span cap again to a transaction (`spans`, root included) that hooks may have
   * lengthened; returns the spans to send, counting the rest.
   */
  capTransaction(root: ReadableSpanLike, spans: ReadableSpanLike[]): ReadableSpanLike[];
  /** Hands on every finished transaction now, cutting late-child grace short (`forceFlush`). */
  flush(): void;
  /** Hands on everything held, waiting children as orphans, and stops timers (`shutdown`). */
  flushAll(): void;
}

/** The children of one missing or unfinished root. */
interface PendingTransaction {
  /** Live spans: the local root object. Batches: the span id the group waits for. */
  key: unknown;
  children: ReadableSpanLike[];
  /** When the first child arrived; the orphan deadline counts from here. */
  readonly since: number;
  /** The finished root, while it waits for late children (live spans only). */
  root: ReadableSpanLike | undefined;
  /** When the root's grace ends. */
  graceEnds: number;
  /** What orphans are cut off from: the root object, when known. */
  formerRoot: object | undefined;
  // Links in the age chain (creation order, which is `since` order) and, while the root
  // waits, in the grace chain (the order roots ended, which is deadline order: the grace is
  // fixed). Chains rather than Sets: adding a fresh object to a Set costs it an identity hash,
  // measured at about 20 ns per span of a 10-span transaction, more than the rest together.
  older: PendingTransaction | undefined;
  newer: PendingTransaction | undefined;
  inAgeChain: boolean;
  graceOlder: PendingTransaction | undefined;
  graceNewer: PendingTransaction | undefined;
  inGraceChain: boolean;
}

type Timer = ReturnType<typeof setTimeout>;

const C = 'otel-sentry';

function startMillis(span: ReadableSpanLike): number {
  return span.startTime[0] * 1e3 + span.startTime[1] / 1e6;
}

function idOf(span: ReadableSpanLike): string {
  return span.spanContext().spanId;
}

/** See the module comment. Not thread-safe by design: JavaScript runs one call at a time. */
export class TransactionAssembler implements SpanAssembly {
  readonly #maxSpans: number;
  readonly #maxBuffered: number;
  readonly #orphanTimeout: number;
  readonly #grace: number;
  readonly #timers: boolean;
  readonly #heldElsewhere: (() => number) | undefined;
  readonly #sink: TransactionSink;
  readonly #onDrop: AssemblerDropCallback | undefined;
  readonly #onDetach: AssemblerDetachCallback | undefined;

  /** Waiting transactions by key. */
  readonly #pending = new Map<unknown, PendingTransaction>();
  // The age chain: its first entry is always the next to time out. Beside the map because
  // merging (batches) re-keys a group without changing its age.
  #oldest: PendingTransaction | undefined;
  #newest: PendingTransaction | undefined;
  // The grace chain: roots waiting for late children, the next to be due first.
  #graceFirst: PendingTransaction | undefined;
  #graceLast: PendingTransaction | undefined;
  /** Batches: the group each waiting span is in, by its span id. */
  readonly #parked = new Map<string, PendingTransaction>();
  /** Batches: roots recently handed on, oldest first. */
  readonly #recentRoots = new Set<string>();
  #held = 0;
  #lastRoot: object | undefined;
  #lastRootData: SpanSentryData | undefined;
  #orphanTimer: Timer | undefined;
  #graceTimer: Timer | undefined;

  /** @throws InvalidOptionError when a setting cannot work. */
  constructor(options: TransactionAssemblerOptions) {
    if (typeof options?.onTransaction !== 'function') {
      throw new InvalidOptionError(`${C}: option "onTransaction" must be a function`);
    }
    const D = TRANSACTION_ASSEMBLER_DEFAULTS;
    const count = { min: 1, max: Number.MAX_SAFE_INTEGER };
    this.#maxSpans = numberOption(
      C,
      'maxSpansPerTransaction',
      options.maxSpansPerTransaction,
      count,
      D.maxSpansPerTransaction,
    );
    this.#maxBuffered = numberOption(C, 'maxBufferedSpans', options.maxBufferedSpans, count, D.maxBufferedSpans);
    this.#orphanTimeout = millisOption(C, 'orphanTimeoutMillis', options.orphanTimeoutMillis, D.orphanTimeoutMillis);
    this.#grace = millisOption(C, 'lateChildGraceMillis', options.lateChildGraceMillis, D.lateChildGraceMillis);
    this.#timers = options.sweepTimers !== false;
    this.#heldElsewhere = options.heldElsewhere;
    this.#sink = options.onTransaction;
    this.#onDrop = options.onDrop;
    this.#onDetach = options.onDetach;
  }

  /** Finished spans held now: waiting children and roots in their grace. */
  get size(): number {
    return this.#held;
  }

  /**
   * The earliest time (`Date.now()` scale) at which {@link TransactionAssembler.sweep} has
   * something to do, or `undefined` when nothing waits.
   */
  get nextDeadline(): number | undefined {
    const oldest = this.#oldest;
    const graceful = this.#graceFirst;
    const orphanAt = oldest === undefined ? undefined : oldest.since + this.#orphanTimeout;
    if (graceful === undefined) return orphanAt;
    return orphanAt === undefined ? graceful.graceEnds : Math.min(orphanAt, graceful.graceEnds);
  }

  // ------------------------------------------------------------------ live spans

  spanStarted(_span: object, root: object): void {
    if (this.#grace === 0) return;
    const data = this.#rootData(root);
    data.openChildren = (data.openChildren ?? 0) + 1;
  }

  // The side-table entry of a root, remembering the last one: spans of one request start and
  // end in runs, and this is paid for every span.
  #rootData(root: object): SpanSentryData {
    if (root === this.#lastRoot) return this.#lastRootData!;
    const data = ensureSpanData(root);
    this.#lastRoot = root;
    this.#lastRootData = data;
    return data;
  }

  spanEnded(span: ReadableSpanLike, root: object): void {
    if (span === root) this.#rootEnded(span);
    else this.#childEnded(span, root);
  }

  #childEnded(span: ReadableSpanLike, root: object): void {
    let open = 0;
    if (this.#grace > 0) {
      const data = this.#rootData(root);
      if (data.openChildren !== undefined && data.openChildren > 0) open = --data.openChildren;
    }
    let pending = this.#pending.get(root);
    if (pending === undefined) {
      if ((root as { ended?: unknown }).ended === true) {
        // The root was handed on already: this child becomes a transaction of its own.
        this.#detachAndEmit(span, root, 'late', []);
        return;
      }
      if (!this.#hasRoom()) {
        this.#dropOverBound();
        return;
      }
      pending = this.#open(root, Date.now(), root);
      this.#addChild(pending, span);
      return;
    }
    // At the cap a child replaces one held, so it needs no room.
    if (pending.children.length < this.#maxSpans - 1 && !this.#hasRoom()) this.#dropOverBound();
    else this.#addChild(pending, span);
    // The last running child of a root in its grace: the transaction is complete.
    if (open === 0 && pending.root !== undefined) this.#complete(pending, pending.root);
  }

  #rootEnded(root: ReadableSpanLike): void {
    const pending = this.#pending.get(root);
    if (this.#grace > 0 && (this.#rootData(root).openChildren ?? 0) > 0 && this.#hasRoom()) {
      // Spans started under it still run: they join if they end within the grace.
      const now = Date.now();
      const held = pending ?? this.#open(root, now, root);
      held.root = root;
      held.graceEnds = now + this.#grace;
      this.#held++;
      this.#linkGrace(held);
      this.#armGraceTimer();
      return;
    }
    if (pending === undefined) this.#emit(root, []);
    else this.#complete(pending, root);
  }

  capTransaction(root: ReadableSpanLike, spans: ReadableSpanLike[]): ReadableSpanLike[] {
    const max = this.#maxSpans;
    if (spans.length <= max) return spans;
    const others = spans.filter((s) => s !== root).sort((a, b) => startMillis(a) - startMillis(b));
    const kept = others.slice(0, max - 1);
    kept.push(root);
    this.#drop(spans.length - kept.length, 'buffer_overflow', `a transaction is capped at ${max} spans`);
    return kept;
  }

  flush(): void {
    for (let pending = this.#graceFirst; pending !== undefined; ) {
      const next = pending.graceNewer;
      this.#complete(pending, pending.root!);
      pending = next;
    }
  }

  flushAll(): void {
    this.flush();
    for (let pending = this.#oldest; pending !== undefined; ) {
      const next = pending.newer;
      this.#orphan(pending);
      pending = next;
    }
    this.#recentRoots.clear();
    this.#lastRoot = undefined;
    this.#lastRootData = undefined;
    this.#stopTimers();
  }

  /**
   * Hands on what is due at `now`: roots whose grace ended, and children that waited
   * `orphanTimeoutMillis` (as orphans). The assembler's own timers call it; with
   * `sweepTimers: false` the caller does.
   */
  sweep(now: number = Date.now()): void {
    for (let pending = this.#graceFirst; pending !== undefined && pending.graceEnds <= now; ) {
      const next = pending.graceNewer;
      this.#complete(pending, pending.root!);
      pending = next;
    }
    const deadline = now - this.#orphanTimeout;
    // Creation order: the first one not due ends the walk.
    for (let pending = this.#oldest; pending !== undefined && pending.since <= deadline; ) {
      const next = pending.newer;
      if (pending.root === undefined) this.#orphan(pending);
      else this.#complete(pending, pending.root);
      pending = next;
    }
  }

  // ------------------------------------------------------------------ export batches

  /**
   * Adds spans an exporter received, in any order and cut anywhere. Hands on, through
   * `onTransaction`, every transaction whose root is in `spans`, with its waiting children,
   * and each child of a recently handed-on root as a late transaction; the other children
   * wait. `now` is the caller's clock (`Date.now()` scale), used for the orphan timeout.
   */
  add(spans: readonly ReadableSpanLike[], now: number): void {
    let roots: ReadableSpanLike[] | undefined;
    // Children a span processor linked to their root, by root. Consecutive children usually
    // share a root (the processor hands transactions over whole), so the last list is cached.
    let linked: Map<object, ReadableSpanLike[]> | undefined;
    let lastRoot: object | undefined;
    let lastList: ReadableSpanLike[] | undefined;
    // Everything else with a local parent, by parent span id.
    let loose: Map<string, ReadableSpanLike[]> | undefined;
    for (const span of spans) {
      const data = getSpanData(span);
      const root = data?.root;
      if (root !== undefined) {
        if (root !== lastRoot || lastList === undefined) {
          linked ??= new Map();
          lastList = linked.get(root);
          if (lastList === undefined) {
            lastList = [];
            linked.set(root, lastList);
          }
          lastRoot = root;
        }
        lastList.push(span);
        continue;
      }
      const parent = span.parentSpanContext;
      if (data?.detached !== undefined || parent === undefined || parent.isRemote === true) {
        roots ??= [];
        roots.push(span);
        continue;
      }
      loose ??= new Map();
      const list = loose.get(parent.spanId);
      if (list === undefined) loose.set(parent.spanId, [span]);
      else list.push(span);
    }

    // Only loose spans, or spans waiting from earlier batches, need the buffer.
    const slow = loose !== undefined || this.#pending.size > 0;
    // Roots are remembered for late children unless a span processor assembled the batch (it
    // detaches late children itself).
    const remember = slow || linked === undefined;
    if (roots !== undefined) {
      for (const root of roots) {
        let children = linked?.get(root);
        if (children === undefined) children = [];
        else linked!.delete(root);
        if (slow) this.#gather(idOf(root), loose, children);
        if (remember) this.#rememberRoot(idOf(root));
        if (children.length >= this.#maxSpans) children = this.#capChildren(children);
        this.#emit(root, children);
      }
    }
    if (linked !== undefined) {
      // Linked to a root not in this batch: a span processor whose spans also reach this
      // exporter through another processor. They wait under their root's span id.
      for (const [root, list] of linked) {
        const rootId = (root as { spanContext?: () => { spanId?: unknown } }).spanContext?.().spanId;
        for (const span of list) {
          const key = typeof rootId === 'string' ? rootId : span.parentSpanContext?.spanId;
          if (key === undefined) this.#emit(span, []);
          else this.#park(span, key, now, root);
        }
      }
    }
    if (loose !== undefined) {
      // Entries deleted during the walk (taken by `#gather`) are skipped by the iteration.
      for (const [parentId, list] of loose) {
        loose.delete(parentId);
        if (this.#recentRoots.has(parentId)) {
          for (const span of list) {
            const children: ReadableSpanLike[] = [];
            this.#gather(idOf(span), loose, children);
            for (const child of children) ensureSpanData(child).root = span;
            this.#detachAndEmit(span, undefined, 'late', children);
          }
        } else {
          for (const span of list) this.#park(span, parentId, now, undefined);
        }
      }
    }
  }

  // Moves into `out` every span below `id`: from this batch's loose spans, and from the groups
  // waiting. Each list is taken once, so the walk ends even if span ids collide.
  #gather(id: string, loose: Map<string, ReadableSpanLike[]> | undefined, out: ReadableSpanLike[]): void {
    const stack = [id];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const here = loose?.get(next);
      if (here !== undefined) {
        loose!.delete(next);
        for (const span of here) {
          out.push(span);
          stack.push(idOf(span));
        }
      }
      const waiting = this.#pending.get(next);
      if (waiting !== undefined) {
        this.#close(waiting);
        // A group holds everything known below the span it waits for, but loose spans of this
        // batch may hang below any of them.
        for (const span of waiting.children) {
          out.push(span);
          stack.push(idOf(span));
        }
      }
    }
  }

  #park(span: ReadableSpanLike, parentId: string, now: number, formerRoot: object | undefined): void {
    const id = idOf(span);
    if (this.#parked.has(id)) return; // exported twice: keep one
    let group = this.#parked.get(parentId) ?? this.#pending.get(parentId);
    if (group === undefined) {
      if (!this.#hasRoom()) {
        this.#dropOverBound();
        return;
      }
      group = this.#open(parentId, now, formerRoot);
    } else if (group.children.length < this.#maxSpans - 1 && !this.#hasRoom()) {
      this.#dropOverBound();
      return;
    }
    group.formerRoot ??= formerRoot;
    if (!this.#addParked(group, span)) return;
    // Spans that waited for this one now wait, with it, for its parent.
    const below = this.#pending.get(id);
    if (below !== undefined && below !== group) this.#merge(below, group);
  }

  // Adds to a batch group, keeping the span id index; false when the cap refused the span.
  #addParked(group: PendingTransaction, span: ReadableSpanLike): boolean {
    const left = this.#addChild(group, span);
    if (left === span) return false;
    this.#parked.set(idOf(span), group);
    if (left !== undefined) this.#parked.delete(idOf(left));
    return true;
  }

  #merge(from: PendingTransaction, into: PendingTransaction): void {
    // The merged group keeps the older one's place in the age order, and the newer one's key.
    let survivor = into;
    let gone = from;
    this.#pending.delete(from.key);
    if (from.since < into.since) {
      survivor = from;
      gone = into;
      survivor.key = into.key;
      this.#pending.set(into.key, survivor);
    }
    survivor.formerRoot ??= gone.formerRoot;
    this.#unlinkAge(gone);
    this.#held -= gone.children.length;
    for (const span of gone.children) {
      if (!this.#addParked(survivor, span)) this.#parked.delete(idOf(span));
    }
  }

  #rememberRoot(id: string): void {
    if (this.#recentRoots.size >= RECENT_ROOTS) {
      const oldest = this.#recentRoots.values().next().value;
      if (oldest !== undefined) this.#recentRoots.delete(oldest);
    }
    this.#recentRoots.add(id);
  }

  // ------------------------------------------------------------------ shared

  #hasRoom(): boolean {
    return this.#held + (this.#heldElsewhere?.() ?? 0) < this.#maxBuffered;
  }

  #open(key: unknown, now: number, formerRoot: object | undefined): PendingTransaction {
    const pending: PendingTransaction = {
      key,
      children: [],
      since: now,
      root: undefined,
      graceEnds: 0,
      formerRoot,
      older: this.#newest,
      newer: undefined,
      inAgeChain: true,
      graceOlder: undefined,
      graceNewer: undefined,
      inGraceChain: false,
    };
    this.#pending.set(key, pending);
    if (this.#newest === undefined) this.#oldest = pending;
    else this.#newest.newer = pending;
    this.#newest = pending;
    this.#armOrphanTimer();
    return pending;
  }

  #unlinkAge(pending: PendingTransaction): void {
    if (!pending.inAgeChain) return;
    pending.inAgeChain = false;
    const { older, newer } = pending;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    pending.older = undefined;
    pending.newer = undefined;
  }

  #linkGrace(pending: PendingTransaction): void {
    pending.inGraceChain = true;
    pending.graceOlder = this.#graceLast;
    pending.graceNewer = undefined;
    if (this.#graceLast === undefined) this.#graceFirst = pending;
    else this.#graceLast.graceNewer = pending;
    this.#graceLast = pending;
  }

  #unlinkGrace(pending: PendingTransaction): void {
    if (!pending.inGraceChain) return;
    pending.inGraceChain = false;
    const { graceOlder, graceNewer } = pending;
    if (graceOlder === undefined) this.#graceFirst = graceNewer;
    else graceOlder.graceNewer = graceNewer;
    if (graceNewer === undefined) this.#graceLast = graceOlder;
    else graceNewer.graceOlder = graceOlder;
  }

  // Removes a group from every index and from the count.
  #close(pending: PendingTransaction): void {
    this.#pending.delete(pending.key);
    this.#unlinkAge(pending);
    if (pending.root !== undefined) {
      this.#unlinkGrace(pending);
      this.#held--;
    }
    this.#held -= pending.children.length;
    if (this.#parked.size > 0) for (const span of pending.children) this.#parked.delete(idOf(span));
  }

  #complete(pending: PendingTransaction, root: ReadableSpanLike): void {
    this.#close(pending);
    this.#emit(root, pending.children);
  }

  /**
   * Adds a child under the cap. Returns the span left out and counted: `span` itself, one it
   * replaced (at the cap the earliest started are kept), or `undefined` when none was.
   */
  #addChild(pending: PendingTransaction, span: ReadableSpanLike): ReadableSpanLike | undefined {
    const children = pending.children;
    // The root takes one of the places.
    if (children.length < this.#maxSpans - 1) {
      children.push(span);
      this.#held++;
      return undefined;
    }
    this.#drop(1, 'buffer_overflow', `a transaction is capped at ${this.#maxSpans} spans`);
    if (children.length === 0) return span;
    let latest = 0;
    let latestStart = startMillis(children[0]!);
    for (let i = 1; i < children.length; i++) {
      const start = startMillis(children[i]!);
      if (start > latestStart) {
        latest = i;
        latestStart = start;
      }
    }
    if (startMillis(span) >= latestStart) return span;
    const replaced = children[latest]!;
    children[latest] = span;
    return replaced;
  }

  // Trims gathered children to the cap (the root takes one place), keeping the earliest started.
  #capChildren(children: ReadableSpanLike[]): ReadableSpanLike[] {
    const keep = this.#maxSpans - 1;
    children.sort((a, b) => startMillis(a) - startMillis(b));
    this.#drop(children.length - keep, 'buffer_overflow', `a transaction is capped at ${this.#maxSpans} spans`);
    children.length = keep;
    return children;
  }

  /**
   * Hands on the children of a root that did not end (or arrive). Each child whose parent is
   * not among them becomes the root of a transaction; the others join their nearest such
   * ancestor.
   */
  #orphan(pending: PendingTransaction): void {
    this.#close(pending);
    const children = pending.children;
    if (children.length === 0) return;
    const byId = new Map<string, ReadableSpanLike>();
    for (const span of children) byId.set(idOf(span), span);
    const topOf = new Map<ReadableSpanLike, ReadableSpanLike>();
    const findTop = (span: ReadableSpanLike): ReadableSpanLike => {
      let top = span;
      const path: ReadableSpanLike[] = [];
      // Walks up within the group; `topOf` makes the whole pass linear.
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
    this.#onDetach?.(children.length, 'orphan');
    for (const [top, group] of groups) {
      detachSpan(top, pending.formerRoot, 'orphan');
      // Re-link the members to their new transaction root.
      for (const span of group) ensureSpanData(span).root = top;
      this.#emit(top, group);
    }
  }

  #detachAndEmit(
    span: ReadableSpanLike,
    formerRoot: object | undefined,
    reason: DetachReason,
    children: ReadableSpanLike[],
  ): void {
    detachSpan(span, formerRoot, reason);
    this.#onDetach?.(children.length + 1, reason);
    this.#emit(span, children);
  }

  // The one way out. A throwing receiver must not break the sweep that called it, nor lose
  // the spans silently.
  #emit(root: ReadableSpanLike, children: ReadableSpanLike[]): void {
    try {
      this.#sink(root, children);
    } catch (error) {
      coreDiag.error('handing on a transaction failed', error);
      this.#drop(children.length + 1, 'internal_sdk_error', 'handing on a transaction failed');
    }
  }

  #dropOverBound(): void {
    this.#drop(1, 'buffer_overflow', `${this.#maxBuffered} finished spans are already buffered (maxBufferedSpans)`);
  }

  #drop(quantity: number, reason: DiscardReason, why: string): void {
    if (!(quantity > 0)) return;
    if (this.#onDrop === undefined) {
      coreDiag.warn(`dropped ${quantity} span(s) (${reason}): ${why}`);
      return;
    }
    try {
      this.#onDrop(quantity, reason, why);
    } catch (error) {
      coreDiag.error('the onDrop callback failed', error);
    }
  }

  // ------------------------------------------------------------------ timers

  #armOrphanTimer(): void {
    if (!this.#timers || this.#orphanTimer !== undefined) return;
    const oldest = this.#oldest;
    if (oldest === undefined) return;
    const wait = Math.min(MAX_TIMER_MILLIS, Math.max(0, oldest.since + this.#orphanTimeout - Date.now()));
    this.#orphanTimer = setTimeout(this.#onOrphanTimer, wait);
    (this.#orphanTimer as { unref?: () => void }).unref?.();
  }

  #armGraceTimer(): void {
    if (!this.#timers || this.#graceTimer !== undefined) return;
    const first = this.#graceFirst;
    if (first === undefined) return;
    this.#graceTimer = setTimeout(this.#onGraceTimer, Math.max(0, first.graceEnds - Date.now()));
    (this.#graceTimer as { unref?: () => void }).unref?.();
  }

  readonly #onOrphanTimer = (): void => {
    this.#orphanTimer = undefined;
    this.#sweepSafely();
    this.#armOrphanTimer();
  };

  readonly #onGraceTimer = (): void => {
    this.#graceTimer = undefined;
    this.#sweepSafely();
    this.#armGraceTimer();
  };

  // A timer callback: whatever happens must not reach the host application.
  #sweepSafely(): void {
    try {
      this.sweep(Date.now());
    } catch (error) {
      coreDiag.error('handing on waiting spans failed', error);
    }
  }

  #stopTimers(): void {
    if (this.#orphanTimer !== undefined) clearTimeout(this.#orphanTimer);
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    this.#orphanTimer = undefined;
    this.#graceTimer = undefined;
  }
}
