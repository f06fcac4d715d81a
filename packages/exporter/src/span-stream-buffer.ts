/**
 * The per-trace buffer of span streaming (`spans: 'stream'`), as `@sentry/core` 11's
 * `SpanBuffer` works: spans wait in one bucket per trace, and a bucket leaves as span v2
 * envelopes
 * - when its timer fires ({@link SPAN_FLUSH_INTERVAL_MILLIS} after its first span),
 * - shortly after its segment (local root) arrives ({@link SEGMENT_END_FLUSH_MILLIS}: the
 *   spans a framework ends just after the server span still join),
 * - at once when it holds {@link MAX_SPANS_PER_ENVELOPE} spans or about
 *   {@link MAX_ENVELOPE_BYTES} bytes,
 * - and at `flushAll()` (forceFlush, shutdown).
 * Spans of different traces never share an envelope (the header holds one trace's DSC); an
 * envelope holds one `span` item with `item_count` and at most 1000 spans and 5 MB.
 *
 * Memory is bounded without dropping: past `maxBufferedSpans` spans held in all, the oldest
 * bucket leaves early. Segment names are read again when a bucket leaves, as SDK 11 does,
 * so children that ended before their root carry the root's final name (a route matched
 * late, a name set at the end).
 */
import { createEnvelope, type Envelope, type ReadableSpanLike } from '@otel-sentry/core';
import { estimateSpanV2Bytes, SEGMENT_NAME, type SpanV2 } from './span-v2.js';
import { unref } from './timers.js';

/** Relay's limit of spans in one span v2 envelope. */
export const MAX_SPANS_PER_ENVELOPE = 1000;
/** Relay's limit of bytes in one span v2 envelope (5 MB). */
export const MAX_ENVELOPE_BYTES = 5_000_000;
/** How long a trace's first span waits at most (the reference buffer's interval). */
export const SPAN_FLUSH_INTERVAL_MILLIS = 5000;
/** How long a trace's spans wait after its segment arrives (the reference's `flushOnSegmentEnd`). */
export const SEGMENT_END_FLUSH_MILLIS = 500;

/** The span v2 item content type. */
export const SPAN_V2_CONTENT_TYPE = 'application/vnd.sentry.items.span.v2+json';

/** One buffered span and the local root it belongs to, if known. */
interface Entry {
  readonly span: SpanV2;
  readonly segment: ReadableSpanLike | undefined;
}

interface Bucket {
  readonly traceId: string;
  readonly entries: Entry[];
  bytes: number;
  /** A span whose segment is known, for the trace header. */
  segment: ReadableSpanLike | undefined;
  /** Any span of the trace, for the trace header when no segment is known. */
  readonly first: ReadableSpanLike;
  due: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What {@link SpanStreamBuffer} needs. */
export interface SpanStreamBufferSettings {
  /** Most spans held in all buckets before the oldest leaves early. */
  readonly maxBufferedSpans: number;
  readonly sdk: { readonly name: string; readonly version: string };
  /** The envelope `trace` header for spans of a trace (`segment`: a span whose local root is known). */
  readonly traceHeader: (traceId: string, segment: ReadableSpanLike | undefined, first: ReadableSpanLike) => unknown;
  /** The current name of a segment, as its `sentry.segment.name` says it (scrubbed). */
  readonly segmentName: (segment: ReadableSpanLike) => string;
  /** Puts an envelope on its way. */
  readonly submit: (envelope: Envelope) => void;
  /** Told of a failure that lost spans (counted by the caller). */
  readonly onError: (error: unknown, spans: number) => void;
  /** Clock and timers, replaceable in tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** See the module comment. */
export class SpanStreamBuffer {
  readonly #s: SpanStreamBufferSettings;
  readonly #now: () => number;
  // Insertion order is age order: the first bucket is the oldest.
  readonly #buckets = new Map<string, Bucket>();
  #held = 0;

  constructor(settings: SpanStreamBufferSettings) {
    this.#s = settings;
    this.#now = settings.now ?? Date.now;
  }

  /** Spans held now. */
  get size(): number {
    return this.#held;
  }

  /** Traces with spans held now. */
  get traces(): number {
    return this.#buckets.size;
  }

  /**
   * Adds a mapped span of `source`'s trace. `segment` is its local root when known;
   * `isSegment` says the span is that root (its trace leaves soon after).
   */
  add(source: ReadableSpanLike, span: SpanV2, segment: ReadableSpanLike | undefined): void {
    const traceId = span.trace_id;
    const now = this.#now();
    let bucket = this.#buckets.get(traceId);
    if (bucket === undefined) {
      bucket = {
        traceId,
        entries: [],
        bytes: 0,
        segment,
        first: source,
        due: Number.POSITIVE_INFINITY,
        timer: undefined,
      };
      this.#buckets.set(traceId, bucket);
      this.#schedule(bucket, now + SPAN_FLUSH_INTERVAL_MILLIS);
    }
    bucket.segment ??= segment;
    bucket.entries.push({ span, segment });
    bucket.bytes += estimateSpanV2Bytes(span);
    this.#held++;
    if (bucket.entries.length >= MAX_SPANS_PER_ENVELOPE || bucket.bytes >= MAX_ENVELOPE_BYTES) {
      this.flush(traceId);
    } else if (span.is_segment) {
      this.#schedule(bucket, now + SEGMENT_END_FLUSH_MILLIS);
    }
    // Bounded: the oldest traces leave early rather than anything being dropped.
    while (this.#held > this.#s.maxBufferedSpans && this.#buckets.size > 0) {
      this.flush(this.#buckets.keys().next().value as string);
    }
  }

  /** Sends the spans held for `traceId`. */
  flush(traceId: string): void {
    const bucket = this.#buckets.get(traceId);
    if (bucket === undefined) return;
    this.#buckets.delete(traceId);
    if (bucket.timer !== undefined) clearTimeout(bucket.timer);
    this.#held -= bucket.entries.length;
    try {
      this.#send(bucket);
    } catch (error) {
      this.#s.onError(error, bucket.entries.length);
    }
  }

  /** Sends everything held (forceFlush, shutdown). */
  flushAll(): void {
    for (const traceId of [...this.#buckets.keys()]) this.flush(traceId);
  }

  #schedule(bucket: Bucket, due: number): void {
    if (due >= bucket.due) return;
    bucket.due = due;
    if (bucket.timer !== undefined) clearTimeout(bucket.timer);
    bucket.timer = setTimeout(() => this.flush(bucket.traceId), Math.max(0, due - this.#now()));
    unref(bucket.timer);
  }

  #send(bucket: Bucket): void {
    // The current name of each segment, read once per segment.
    const names = new Map<ReadableSpanLike, string>();
    const spans: SpanV2[] = new Array(bucket.entries.length);
    for (let i = 0; i < bucket.entries.length; i++) {
      const { span, segment } = bucket.entries[i]!;
      if (segment !== undefined && span.attributes[SEGMENT_NAME] !== undefined) {
        let name = names.get(segment);
        if (name === undefined) {
          name = this.#s.segmentName(segment);
          names.set(segment, name);
        }
        const current = span.attributes[SEGMENT_NAME];
        if (current.value !== name && !span.is_segment) span.attributes[SEGMENT_NAME] = { type: 'string', value: name };
      }
      spans[i] = span;
    }
    const trace = this.#s.traceHeader(bucket.traceId, bucket.segment, bucket.first);
    this.#sendSpans(spans, trace);
  }

  /** One envelope, or halves of it while the serialized size is over the limit. */
  #sendSpans(spans: SpanV2[], trace: unknown): void {
    if (spans.length === 0) return;
    const sdk = { name: this.#s.sdk.name, version: this.#s.sdk.version };
    const payload = { version: 2, items: spans };
    if (spans.length > 1) {
      // The estimate is generous; the exact size is checked only when it comes near the limit.
      let estimate = 0;
      for (const span of spans) estimate += estimateSpanV2Bytes(span);
      if (estimate >= MAX_ENVELOPE_BYTES && byteLength(JSON.stringify(payload)) > MAX_ENVELOPE_BYTES - 1024) {
        const half = spans.length >> 1;
        this.#sendSpans(spans.slice(0, half), trace);
        this.#sendSpans(spans.slice(half), trace);
        return;
      }
    }
    const envelope = createEnvelope({ sdk, trace: trace as Record<string, string> }, [
      {
        headers: { type: 'span', item_count: spans.length, content_type: SPAN_V2_CONTENT_TYPE },
        payload,
      },
    ]);
    this.#s.submit(envelope);
  }
}

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}
