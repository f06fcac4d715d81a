/**
 * `spans: 'stream'`: spans as span v2 envelopes (protocol §9), what Sentry SDK 11 sends.
 * Each batch the exporter receives is split by local root: errors go as error envelopes
 * (through the event pipeline, as in every mode), every span is mapped to a span v2 item
 * (`span-v2.ts`) and waits in the per-trace buffer (`span-stream-buffer.ts`), which sends
 * one envelope per trace with the trace's DSC in its header.
 *
 * One DSC per trace: the header is the DSC frozen on the spans' local root (the same object
 * the propagator re-sends downstream). Spans whose root is unknown (a plain
 * `BatchSpanProcessor` split the trace) take the DSC an earlier envelope of their trace
 * used, remembered for the last {@link REMEMBERED_TRACES} traces.
 */
import type { Envelope, ReadableSpanLike } from '@otel-sentry/core';
import type { EventPipeline } from './event-pipeline.js';
import type { Scrubber } from './scrubber.js';
import { bySegment, segmentsOf } from './span-segments.js';
import { SpanStreamBuffer } from './span-stream-buffer.js';
import { segmentDescription, toSpanV2 } from './span-v2.js';

/** Traces whose envelope header is remembered for spans that come without their root. */
export const REMEMBERED_TRACES = 4096;

/** What {@link SpanStreamer} needs. */
export interface SpanStreamerSettings {
  readonly pipeline: EventPipeline;
  readonly scrubber: Scrubber;
  readonly sdk: { readonly name: string; readonly version: string };
  readonly maxBufferedSpans: number;
  readonly submit: (envelope: Envelope) => void;
  /** Told of spans lost to a failure (to count them). */
  readonly onError: (error: unknown, spans: number) => void;
}

/** See the module comment. */
export class SpanStreamer {
  readonly #s: SpanStreamerSettings;
  readonly #buffer: SpanStreamBuffer;
  readonly #headers = new Map<string, unknown>();

  constructor(settings: SpanStreamerSettings) {
    this.#s = settings;
    this.#buffer = new SpanStreamBuffer({
      maxBufferedSpans: settings.maxBufferedSpans,
      sdk: settings.sdk,
      traceHeader: (traceId, segment, first) => this.#traceHeader(traceId, segment, first),
      segmentName: (segment) => settings.scrubber.scrubText(segmentDescription(segment).name),
      submit: settings.submit,
      onError: settings.onError,
    });
  }

  /** Spans waiting in the per-trace buffer. */
  get buffered(): number {
    return this.#buffer.size;
  }

  /** Maps a batch and buffers it; errors leave at once. Returns how many spans were buffered. */
  add(spans: readonly ReadableSpanLike[]): number {
    const s = this.#s;
    const segments = segmentsOf(spans);
    for (const [root, group] of bySegment(spans, segments)) s.pipeline.exportStreamed(root, group);
    let added = 0;
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]!;
      const segment = segments[i];
      const resource = (segment ?? span).resource.attributes;
      const v2 = toSpanV2(span, segment, {
        scrubber: s.scrubber,
        release: s.pipeline.releaseOf(resource),
        environment: s.pipeline.environmentOf(resource),
        sdk: s.sdk,
      });
      this.#buffer.add(span, v2, segment);
      added++;
    }
    return added;
  }

  /** Sends everything buffered. */
  flushAll(): void {
    this.#buffer.flushAll();
  }

  #traceHeader(traceId: string, segment: ReadableSpanLike | undefined, first: ReadableSpanLike): unknown {
    const remembered = this.#headers.get(traceId);
    if (segment === undefined && remembered !== undefined) return remembered;
    const header = this.#s.pipeline.traceHeaderOf(segment ?? first);
    if (remembered === undefined) {
      if (this.#headers.size >= REMEMBERED_TRACES) this.#headers.delete(this.#headers.keys().next().value as string);
      this.#headers.set(traceId, header);
    }
    return header;
  }
}
