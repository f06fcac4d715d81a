/**
 * Groups exported spans into transactions: a thin adapter over core's `TransactionAssembler`,
 * which the span processor uses too, so both apply the same bounds and the same rules.
 *
 * Spans a `SentrySpanProcessor` assembled arrive whole in one `export` call and pass straight
 * through. Behind a plain `BatchSpanProcessor`, batches are cut by size and time and children
 * usually arrive before their root, linked only by `parentSpanContext.spanId`: those wait
 * here, bounded, until their root arrives. Children whose root never comes are not dropped:
 * after `orphanTimeoutMillis` (or at `clear()`) they are returned as transactions of their
 * own, marked `detached: 'orphan'` in the span side table. A child that arrives after its
 * root was returned is returned at once, marked `detached: 'late'`.
 */
import {
  type AssemblerDetachCallback,
  type AssemblerDropCallback,
  TransactionAssembler as CoreAssembler,
  type ReadableSpanLike,
} from '@otel-sentry/core';

/** A complete transaction: a root and the other spans of it. */
export interface SpanGroup {
  readonly root: ReadableSpanLike;
  /** Every span of the transaction but the root. */
  readonly children: ReadableSpanLike[];
}

/** Settings of {@link TransactionAssembler}; the exporter validates the options first. */
export interface AssemblerSettings {
  /** How long (ms) children wait for their root before they are returned as orphans. Default `300000`. */
  readonly orphanTimeoutMillis?: number | undefined;
  /** Most spans held while waiting; more are dropped (`buffer_overflow`). Default `10000`. */
  readonly maxBufferedSpans?: number | undefined;
  /** Most spans per transaction, root included; the earliest started are kept. Default `1000`. */
  readonly maxSpansPerTransaction?: number | undefined;
  /**
   * Told of every span dropped: `(spans, reason, why)`, `reason` being `buffer_overflow`
   * (bound or cap) or `internal_sdk_error`. Count it in the client report.
   */
  readonly onDrop: AssemblerDropCallback;
  /** Told of spans returned without their root: `(spans, 'late' | 'orphan')`. Default: none. */
  readonly onDetach?: AssemblerDetachCallback | undefined;
}

/** See the module comment. Not thread-safe by design: JavaScript runs one export at a time. */
export class TransactionAssembler {
  readonly #core: CoreAssembler;
  #out: SpanGroup[] = [];

  constructor(settings: AssemblerSettings) {
    this.#core = new CoreAssembler({
      orphanTimeoutMillis: settings.orphanTimeoutMillis,
      maxBufferedSpans: settings.maxBufferedSpans,
      maxSpansPerTransaction: settings.maxSpansPerTransaction,
      onDrop: settings.onDrop,
      onDetach: settings.onDetach,
      // A batch does not say which children are still running, and the exporter's clock
      // drives expiry.
      lateChildGraceMillis: 0,
      sweepTimers: false,
      onTransaction: (root, children) => {
        this.#out.push({ root, children });
      },
    });
  }

  /** Spans waiting for their root. */
  get pendingCount(): number {
    return this.#core.size;
  }

  /** When (`Date.now()` scale) {@link TransactionAssembler.expire} next has work, or `undefined`. */
  get nextExpiry(): number | undefined {
    return this.#core.nextDeadline;
  }

  /** Adds a batch; returns the transactions it completes (late children included). */
  add(spans: readonly ReadableSpanLike[], now: number): SpanGroup[] {
    this.#core.add(spans, now);
    return this.#take();
  }

  /** Returns, as orphan transactions, children that waited `orphanTimeoutMillis` or longer. */
  expire(now: number): SpanGroup[] {
    this.#core.sweep(now);
    return this.#take();
  }

  /** Returns every waiting child as orphan transactions (shutdown); nothing is left waiting. */
  clear(): SpanGroup[] {
    this.#core.flushAll();
    return this.#take();
  }

  #take(): SpanGroup[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
