/**
 * Internal (not exported from the package entry point).
 * The span-streaming side of core's `SpanAssembly` seam (design decision 11: in `stream` and
 * `otlp` modes spans are handed on as they end). It holds nothing: each finished span goes
 * straight to `onSpan`, told whether it is the local root of its transaction, so the
 * processor can emit `transactionEnd` when the root ends. No grace for late children, no
 * orphans, no per-transaction cap: a span that has ended is already on its way, and the
 * exporter groups what belongs together (per trace, for span v2 envelopes; not at all, for
 * OTLP, whose receiver assembles traces itself).
 */
import type { ReadableSpanLike, SpanAssembly } from '@otel-sentry/core';

/** Receives each finished span; `isLocalRoot` is true for the local root of its transaction. */
export type SpanSink = (span: ReadableSpanLike, isLocalRoot: boolean) => void;

/** See the module comment. */
export class SpanPassThrough implements SpanAssembly {
  readonly #sink: SpanSink;

  constructor(sink: SpanSink) {
    this.#sink = sink;
  }

  /** Nothing is ever held. */
  get size(): number {
    return 0;
  }

  spanStarted(_span: object, _root: object): void {
    // Nothing to count: no finished root waits for its children.
  }

  spanEnded(span: ReadableSpanLike, root: object): void {
    this.#sink(span, span === root);
  }

  capTransaction(_root: ReadableSpanLike, spans: ReadableSpanLike[]): ReadableSpanLike[] {
    return spans;
  }

  flush(): void {
    // Nothing held.
  }

  flushAll(): void {
    // Nothing held.
  }
}
