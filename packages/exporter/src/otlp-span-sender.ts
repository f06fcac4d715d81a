/**
 * `spans: 'otlp'`: spans as OTLP/HTTP JSON (protocol §10), batched across traces, to
 * Sentry's OTLP endpoint (derived from the DSN, see `otlp-endpoint.ts`) or to `otlpUrl` (an
 * OpenTelemetry Collector).
 *
 * The request body is OpenTelemetry's own: `JsonTraceSerializer` of
 * `@opentelemetry/otlp-transformer` (an optional peer, loaded with a dynamic import the first
 * time this mode starts, through `#platform-otlp`, so browser and edge bundles never carry it). The delivery is ours:
 * each request is an item of the exporter's `EnvelopeSender` (a `span` item whose
 * `item_count` is the number of spans), so the byte-bounded queue, the many requests in
 * flight, the retries, the `span` rate limit (`X-Sentry-Rate-Limits` on every response),
 * the health signal for backpressure and the one shutdown deadline hold as for envelopes,
 * and every span that does not arrive is counted in client reports, exactly.
 *
 * Batches: at most {@link OTLP_MAX_BATCH_SPANS} spans, sent {@link OTLP_BATCH_DELAY_MILLIS}
 * after the first of them at the latest; a serialized batch over
 * {@link OTLP_MAX_REQUEST_BYTES} is split in halves. Many traces share a request, so the
 * cost per trace stays low at one trace per HTTP request.
 *
 * What Sentry needs to link the spans (from Relay's OTLP ingestion, `otel_to_sentry_v2.rs`,
 * which keeps span attributes as they are and reads `sentry.*` ones): every span gets, unless
 * it set them itself, `sentry.release`, `sentry.environment`, `sentry.segment.id` and
 * `sentry.segment.name` (its local root: OTLP has no transaction, and Relay marks only spans
 * with a remote parent as segments), `sentry.segment.name.source` on the root, `sentry.op`,
 * `sentry.sdk.name` / `.version`, and `sentry.replay_id` when the trace came with a replay id.
 * The frozen DSC cannot ride on OTLP: it travels on the error envelopes, which keep going as
 * envelopes with the trace header and `contexts.replay`. Span events are left out of requests
 * to Sentry (Relay drops them; errors are sent as events instead) and kept, scrubbed, for a
 * Collector.
 */
import type { Attributes, SpanContext } from '@opentelemetry/api';
import { getSpanData, type RateLimits, type ReadableSpanLike } from '@otel-sentry/core';
import { loadOtlpSerializer } from '#platform-otlp';
import type { ClientReportRecorder } from './client-reports.js';
import { exporterDiag } from './diag.js';
import type { EnvelopeSender } from './envelope-sender.js';
import type { EventPipeline } from './event-pipeline.js';
import { inferSpanDescription, SENTRY_OP } from './op-inference.js';
import type { Scrubber } from './scrubber.js';
import { bySegment, segmentsOf } from './span-segments.js';
import { SEGMENT_ID, SEGMENT_NAME, SEGMENT_NAME_SOURCE, segmentDescription } from './span-v2.js';
import { unref } from './timers.js';

/** Most spans in one OTLP request (the OpenTelemetry batch processor's default batch). */
export const OTLP_MAX_BATCH_SPANS = 512;
/** Longest wait (ms) of a span for its batch to fill. */
export const OTLP_BATCH_DELAY_MILLIS = 200;
/** Most bytes of one serialized request; a bigger batch is split. */
export const OTLP_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** OpenTelemetry's OTLP JSON trace serializer (`JsonTraceSerializer`). */
export interface OtlpTraceSerializer {
  serializeRequest(spans: ReadableSpanLike[]): Uint8Array | undefined;
}

/** What {@link OtlpSpanSender} needs. */
export interface OtlpSpanSenderSettings {
  readonly pipeline: EventPipeline;
  readonly scrubber: Scrubber;
  readonly sdk: { readonly name: string; readonly version: string };
  /** The sender of OTLP requests (its transport posts to the OTLP endpoint). */
  readonly sender: EnvelopeSender;
  readonly rateLimits: RateLimits;
  readonly reports: ClientReportRecorder;
  /** Whether requests go to Sentry (span events left out) rather than a Collector. */
  readonly toSentry: boolean;
  /** Most spans held while the serializer loads or a batch fills. */
  readonly maxBufferedSpans: number;
  /** Where the serializer comes from. Default: `#platform-otlp` (`JsonTraceSerializer`, loaded on first use). */
  readonly loadSerializer?: () => Promise<OtlpTraceSerializer>;
}

/** What the spans of one segment share (see `#segmentInfo`). */
interface SegmentInfo {
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly source: string | undefined;
  readonly replayId: string | undefined;
  readonly release: string | undefined;
  readonly environment: string;
  /** The segment's own op. */
  readonly op: string | undefined;
}

/** A span as the serializer reads it (the fields of sdk-trace-base's `ReadableSpan`). */
interface SerializableSpan extends ReadableSpanLike {
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

/** See the module comment. */
export class OtlpSpanSender {
  readonly #s: OtlpSpanSenderSettings;
  #batch: ReadableSpanLike[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #serializer: OtlpTraceSerializer | undefined;
  #failed = false;
  readonly #loading: Promise<void>;
  /** Batches cut while the serializer loads. */
  #waiting: ReadableSpanLike[][] = [];
  #waitingSpans = 0;

  constructor(settings: OtlpSpanSenderSettings) {
    this.#s = settings;
    this.#loading = (settings.loadSerializer ?? loadOtlpSerializer)().then(
      (serializer) => {
        this.#serializer = serializer;
        const waiting = this.#waiting;
        this.#waiting = [];
        this.#waitingSpans = 0;
        for (const batch of waiting) this.#send(batch);
      },
      (error: unknown) => {
        this.#failed = true;
        exporterDiag.error(
          'spans: "otlp" needs the package @opentelemetry/otlp-transformer (an optional peer of @otel-sentry/exporter): install it; spans are dropped until then',
          error,
        );
        for (const batch of this.#waiting) this.#s.reports.record('internal_sdk_error', 'span', batch.length);
        this.#waiting = [];
        this.#waitingSpans = 0;
      },
    );
  }

  /** Spans held now (batch being filled, batches waiting for the serializer). */
  get buffered(): number {
    return this.#batch.length + this.#waitingSpans;
  }

  /** Resolves once the serializer is loaded (or failed to load). */
  ready(): Promise<void> {
    return this.#loading;
  }

  /** Takes a batch: errors leave at once as envelopes, spans join the current OTLP batch. */
  add(spans: readonly ReadableSpanLike[]): void {
    const s = this.#s;
    const segments = segmentsOf(spans);
    for (const [root, group] of bySegment(spans, segments)) s.pipeline.exportStreamed(root, group);
    if (this.#failed) {
      s.reports.record('internal_sdk_error', 'span', spans.length);
      return;
    }
    if (s.rateLimits.isRateLimited('span')) {
      s.reports.record('ratelimit_backoff', 'span', spans.length);
      return;
    }
    const infos = new Map<ReadableSpanLike, SegmentInfo>();
    for (let i = 0; i < spans.length; i++) {
      if (this.buffered >= s.maxBufferedSpans) {
        const left = spans.length - i;
        s.reports.record('queue_overflow', 'span', left);
        exporterDiag.warn(
          `${left} span(s) dropped: ${s.maxBufferedSpans} spans already wait for OTLP (maxBufferedSpans)`,
        );
        return;
      }
      const span = spans[i]!;
      const segment = segments[i];
      const key = segment ?? span;
      let info = infos.get(key);
      if (info === undefined) {
        info = this.#segmentInfo(segment, span);
        infos.set(key, info);
      }
      this.#batch.push(this.#prepare(span, segment, info));
      if (this.#batch.length >= OTLP_MAX_BATCH_SPANS) this.flush();
    }
    if (this.#batch.length > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, OTLP_BATCH_DELAY_MILLIS);
      unref(this.#timer);
    }
  }

  /** Sends the batch being filled now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    if (this.#serializer === undefined) {
      if (this.#failed) this.#s.reports.record('internal_sdk_error', 'span', batch.length);
      else {
        this.#waiting.push(batch);
        this.#waitingSpans += batch.length;
      }
      return;
    }
    this.#send(batch);
  }

  #send(batch: ReadableSpanLike[]): void {
    let body: Uint8Array | undefined;
    try {
      body = this.#serializer!.serializeRequest(batch);
    } catch (error) {
      exporterDiag.error('serializing spans to OTLP failed', error);
    }
    if (body === undefined) {
      this.#s.reports.record('internal_sdk_error', 'span', batch.length);
      return;
    }
    if (body.length > OTLP_MAX_REQUEST_BYTES && batch.length > 1) {
      const half = batch.length >> 1;
      this.#send(batch.slice(0, half));
      this.#send(batch.slice(half));
      return;
    }
    // An envelope only in name: one `span` item saying how many spans the body holds, so the
    // sender rate-limits, retries and counts it like a span envelope. The body is OTLP JSON.
    this.#s.sender.enqueue(
      { headers: {}, items: [{ headers: { type: 'span', item_count: batch.length }, payload: null }] },
      body,
    );
  }

  /**
   * What every span of one segment (local root) gets, worked out once per segment and batch:
   * the root's description is the costly part (URL sanitizing, op inference).
   */
  #segmentInfo(segment: ReadableSpanLike | undefined, span: ReadableSpanLike): SegmentInfo {
    const s = this.#s;
    const resource = (segment ?? span).resource.attributes;
    if (segment === undefined) {
      return {
        id: undefined,
        name: undefined,
        source: undefined,
        op: undefined,
        replayId: undefined,
        release: s.pipeline.releaseOf(resource),
        environment: s.pipeline.environmentOf(resource),
      };
    }
    const description = segmentDescription(segment);
    return {
      id: segment.spanContext().spanId,
      name: s.scrubber.scrubText(description.name),
      source: description.source,
      op: description.op,
      replayId: getSpanData(segment)?.replayId,
      release: s.pipeline.releaseOf(resource),
      environment: s.pipeline.environmentOf(resource),
    };
  }

  /** The span as the serializer will read it: scrubbed, with Sentry's linking attributes. */
  #prepare(span: ReadableSpanLike, segment: ReadableSpanLike | undefined, info: SegmentInfo): ReadableSpanLike {
    const s = this.#s;
    const source = span as SerializableSpan;
    const own = span.attributes;
    const scrubbed = s.scrubber.scrubAttributes(own) as Attributes;
    // Copied key by key into a fresh object, then Sentry's keys the span did not set itself.
    const attributes: Attributes = {};
    for (const key in scrubbed) attributes[key] = scrubbed[key];
    if (info.release !== undefined && own['sentry.release'] === undefined) attributes['sentry.release'] = info.release;
    if (own['sentry.environment'] === undefined) attributes['sentry.environment'] = info.environment;
    if (own[SENTRY_OP] === undefined) {
      const op = segment === span ? info.op : inferSpanDescription(span.name, span.kind, own).op;
      if (op !== undefined && op !== 'default') attributes[SENTRY_OP] = op;
    }
    if (info.id !== undefined) {
      if (own[SEGMENT_ID] === undefined) attributes[SEGMENT_ID] = info.id;
      if (own[SEGMENT_NAME] === undefined) attributes[SEGMENT_NAME] = info.name;
      if (segment === span && own[SEGMENT_NAME_SOURCE] === undefined) attributes[SEGMENT_NAME_SOURCE] = info.source;
      if (info.replayId !== undefined && own['sentry.replay_id'] === undefined) {
        attributes['sentry.replay_id'] = info.replayId;
      }
    }
    if (own['sentry.sdk.name'] === undefined) attributes['sentry.sdk.name'] = s.sdk.name;
    if (own['sentry.sdk.version'] === undefined) attributes['sentry.sdk.version'] = s.sdk.version;
    const context: SpanContext = span.spanContext();
    const prepared: SerializableSpan = {
      name: s.scrubber.scrubText(span.name),
      kind: span.kind,
      spanContext: () => context,
      parentSpanContext: span.parentSpanContext,
      startTime: span.startTime,
      endTime: span.endTime,
      status: span.status,
      attributes,
      links: span.links,
      events: s.toSentry || span.events.length === 0 ? [] : span.events.map((event) => this.#scrubEvent(event)),
      duration: span.duration,
      ended: span.ended,
      resource: span.resource,
      instrumentationScope: span.instrumentationScope,
      droppedAttributesCount: source.droppedAttributesCount ?? 0,
      droppedEventsCount: source.droppedEventsCount ?? 0,
      droppedLinksCount: source.droppedLinksCount ?? 0,
    };
    return prepared;
  }

  #scrubEvent(event: ReadableSpanLike['events'][number]): ReadableSpanLike['events'][number] {
    if (event.attributes === undefined) return event;
    const attributes = this.#s.scrubber.scrubAttributes(event.attributes) as Attributes;
    return attributes === event.attributes ? event : { ...event, attributes };
  }

  /** Stops the batch timer (shutdown). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Counts spans still held as lost (shutdown, past the deadline). */
  dropHeld(reason: 'network_error'): number {
    const held = this.buffered;
    if (held > 0) this.#s.reports.record(reason, 'span', held);
    this.#batch = [];
    this.#waiting = [];
    this.#waitingSpans = 0;
    return held;
  }
}
