/**
 * From a whole transaction (a local root and its spans) to envelopes: the transaction
 * event, one error event per recorded exception, the trace header with the frozen DSC and
 * replay id, the request outcome for release health — through `beforeSendEvent`,
 * `beforeSend`, the size limit and `beforeEnvelope`, counting whatever is dropped.
 */
import { type Attributes, SpanStatusCode } from '@opentelemetry/api';
import {
  type Client,
  createEnvelope,
  type DataCategory,
  type Envelope,
  type EnvelopeItem,
  getSpanData,
  type ReadableSpanLike,
  type SentryEvent,
} from '@otel-sentry/core';
import type { ClientReportRecorder } from './client-reports.js';
import { exporterDiag } from './diag.js';
import { setItemSpanCount } from './envelope-sender.js';
import { fitsIn, serializeWithinLimit } from './event-size.js';
import { streamedExceptions, transactionExceptions } from './exception-events.js';
import type { Heartbeat } from './heartbeat.js';
import { inferSpanDescription } from './op-inference.js';
import type { ResolvedExporterOptions } from './options.js';
import { requestData } from './request-data.js';
import type { Scrubber } from './scrubber.js';
import type { RequestOutcome } from './sessions.js';
import { exceptionToErrorEvent, isServerSpan, type MappingContext, spansToTransaction } from './span-to-event.js';
import { traceDscOf, traceHeader } from './trace-header.js';
import type { ExporterStats } from './types.js';

/** What {@link EventPipeline} needs. */
export interface EventPipelineSettings {
  readonly client: Client;
  readonly options: ResolvedExporterOptions;
  readonly scrubber: Scrubber;
  readonly reports: ClientReportRecorder;
  readonly stats: ExporterStats;
  readonly heartbeat: Heartbeat;
  /** The DSN's public key, for a DSC the exporter creates at the head of a trace. */
  readonly publicKey: string | undefined;
  /** Release and environment fixed by options; otherwise read from each span's resource. */
  readonly release: string | undefined;
  readonly environment: string | undefined;
  readonly platform: string;
  /** Puts an envelope on its way. */
  readonly submit: (envelope: Envelope) => void;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** What a local root's request has shown so far, while its spans are streamed. */
interface StreamedRequest {
  errors: number;
  crashed: boolean;
}

/** See the module comment. */
export class EventPipeline {
  readonly #s: EventPipelineSettings;
  // Streamed spans: the errors seen so far under each local root, for its request outcome.
  // Weak: a root that never ends takes its entry with it.
  readonly #streamed = new WeakMap<object, StreamedRequest>();

  constructor(settings: EventPipelineSettings) {
    this.#s = settings;
  }

  #sdk(): { name: string; version: string } {
    const sdk = this.#s.client.options.sdk;
    return { name: sdk.name, version: sdk.version };
  }

  /** The release of spans from `resource`: the fixed one, else the resource's `service.version`. */
  releaseOf(resource: Attributes): string | undefined {
    return this.#s.release ?? str(resource['service.version']);
  }

  /** The environment of spans from `resource`. */
  environmentOf(resource: Attributes): string {
    return (
      this.#s.environment ??
      str(resource['deployment.environment.name']) ??
      str(resource['deployment.environment']) ??
      'production'
    );
  }

  /** Maps one whole transaction and submits its envelopes. */
  exportGroup(root: ReadableSpanLike, children: ReadableSpanLike[]): void {
    const s = this.#s;
    const resource = root.resource.attributes;
    const release = this.releaseOf(resource);
    const environment = this.environmentOf(resource);
    if (!s.heartbeat.started && release !== undefined) s.heartbeat.start(release, environment);

    const ctx: MappingContext = {
      scrubber: s.scrubber,
      release,
      environment,
      sdk: s.client.options.sdk,
      platform: s.platform,
      maxSpans: s.options.maxSpansPerTransaction,
    };
    const replayId = getSpanData(root)?.replayId;
    // Nobody can edit the event: its spans are written straight to JSON.
    const client = s.client;
    const direct =
      s.options.beforeSend === undefined && !client.hasHooks('beforeSendEvent') && !client.hasHooks('beforeEnvelope');
    const mapped = spansToTransaction(root, children, ctx, { replayId }, direct ? 'json' : 'objects');
    if (mapped.droppedSpans > 0) {
      s.reports.record('buffer_overflow', 'span', mapped.droppedSpans);
      s.stats.trimmedSpans += mapped.droppedSpans;
    }
    const trace = traceHeader(
      traceDscOf(root, () => ({
        client,
        publicKey: s.publicKey,
        release,
        environment,
        transaction: mapped.event.transaction ?? root.name,
        source: mapped.description.source,
      })),
      replayId,
    );

    // Errors first: each goes in its own envelope (events and transactions never share one).
    // One per distinct exception and ancestor chain, handled or not (exception-events.ts).
    const exceptions = transactionExceptions(root, children);
    const errorCount = exceptions.length;
    let crashed = false;
    if (errorCount > 0) {
      const info = {
        replayId,
        transaction: mapped.event.transaction,
        request: requestData(root, s.scrubber),
      };
      for (const recorded of exceptions) {
        // An error that escaped a request crashes it, in release health as in Sentry's SDKs.
        if (!recorded.handled) crashed = true;
        this.#sendEvent(exceptionToErrorEvent(recorded, ctx, info), trace, 0);
      }
      s.heartbeat.addErrors(errorCount);
    }

    if (isServerSpan(root)) {
      const outcome: RequestOutcome = crashed
        ? 'crashed'
        : root.status.code === SpanStatusCode.ERROR || errorCount > 0
          ? 'errored'
          : 'exited';
      if (!s.heartbeat.recordRequest(outcome, root.startTime[0] * 1000)) {
        s.reports.record('buffer_overflow', 'session', 1);
      }
    }

    const json = mapped.json;
    if (json !== undefined) {
      if (fitsIn(json, s.options.maxEventBytes)) {
        s.stats.transactions++;
        this.#enqueueEvent(mapped.event, json, trace, children.length - mapped.droppedSpans);
        return;
      }
      // Too big: the object path trims strings and spans.
      const again = spansToTransaction(root, children, ctx, { replayId }, 'objects');
      this.#sendEvent(again.event, trace, (again.event.spans as unknown[]).length);
      return;
    }
    this.#sendEvent(mapped.event, trace, (mapped.event.spans as unknown[]).length);
  }

  #mappingContext(resource: Attributes): MappingContext {
    const s = this.#s;
    const release = this.releaseOf(resource);
    const environment = this.environmentOf(resource);
    if (!s.heartbeat.started && release !== undefined) s.heartbeat.start(release, environment);
    return {
      scrubber: s.scrubber,
      release,
      environment,
      sdk: s.client.options.sdk,
      platform: s.platform,
      maxSpans: s.options.maxSpansPerTransaction,
    };
  }

  /**
   * The envelope `trace` header of the trace whose local root is `root` (a span still running
   * is fine): its frozen DSC — frozen now, at the head of a trace — and the current replay id.
   */
  traceHeaderOf(root: ReadableSpanLike): Record<string, string | undefined> {
    const s = this.#s;
    const resource = root.resource.attributes;
    return traceHeader(
      traceDscOf(root, () => {
        const description = inferSpanDescription(root.name, root.kind, root.attributes);
        return {
          client: s.client,
          publicKey: s.publicKey,
          release: this.releaseOf(resource),
          environment: this.environmentOf(resource),
          transaction: description.name,
          source: description.source,
        };
      }),
      getSpanData(root)?.replayId,
    );
  }

  /**
   * What streamed spans (`stream` and `otlp` modes) still send as envelopes: one error event
   * per recorded exception, linked to its span, the trace's DSC and the replay; and, when the
   * local root is among `spans`, its request outcome for release health. `spans` are spans of
   * the local root `root` that arrived together, `root` itself included once it has ended.
   */
  exportStreamed(root: ReadableSpanLike, spans: readonly ReadableSpanLike[]): void {
    const s = this.#s;
    const ctx = this.#mappingContext(root.resource.attributes);
    const exceptions = streamedExceptions(root, spans);
    let state = this.#streamed.get(root);
    if (exceptions.length > 0) {
      const replayId = getSpanData(root)?.replayId;
      const trace = this.traceHeaderOf(root);
      const info = {
        replayId,
        transaction: inferSpanDescription(root.name, root.kind, root.attributes).name,
        request: requestData(root, s.scrubber),
      };
      state ??= { errors: 0, crashed: false };
      this.#streamed.set(root, state);
      for (const recorded of exceptions) {
        if (!recorded.handled) state.crashed = true;
        this.#sendEvent(exceptionToErrorEvent(recorded, ctx, info), trace, 0);
      }
      state.errors += exceptions.length;
      s.heartbeat.addErrors(exceptions.length);
    }
    if (!spans.includes(root) || !isServerSpan(root)) return;
    this.#streamed.delete(root);
    const outcome: RequestOutcome = state?.crashed
      ? 'crashed'
      : root.status.code === SpanStatusCode.ERROR || (state?.errors ?? 0) > 0
        ? 'errored'
        : 'exited';
    if (!s.heartbeat.recordRequest(outcome, root.startTime[0] * 1000)) {
      s.reports.record('buffer_overflow', 'session', 1);
    }
  }

  /** Runs the event through the hooks, the size limit and into an envelope. */
  #sendEvent(event: SentryEvent, trace: Record<string, string | undefined>, spanCount: number): void {
    const s = this.#s;
    const isTransaction = event.type === 'transaction';
    const category: DataCategory = isTransaction ? 'transaction' : 'error';
    if (s.client.hasHooks('beforeSendEvent')) s.client.emit('beforeSendEvent', event);
    let final: SentryEvent | null | undefined = event;
    const beforeSend = s.options.beforeSend;
    if (beforeSend !== undefined) {
      try {
        final = beforeSend(event);
      } catch (error) {
        exporterDiag.error('beforeSend threw; the event is sent as it was', error);
      }
      if (final === null || final === undefined) {
        s.reports.record('before_send', category, 1);
        if (isTransaction) s.reports.record('before_send', 'span', spanCount + 1);
        return;
      }
    }
    const spansBefore = Array.isArray(final.spans) ? final.spans.length : 0;
    const sized = serializeWithinLimit(final, s.options.maxEventBytes);
    if (sized === undefined) {
      exporterDiag.warn(`an event over ${s.options.maxEventBytes} bytes could not be trimmed: dropped`);
      s.reports.record('invalid', category, 1);
      if (isTransaction) s.reports.record('invalid', 'span', spansBefore + 1);
      return;
    }
    if (sized.droppedSpans > 0) {
      s.reports.record('buffer_overflow', 'span', sized.droppedSpans);
      s.stats.trimmedSpans += sized.droppedSpans;
    }
    s.stats.truncatedStrings += sized.truncatedStrings;
    if (isTransaction) s.stats.transactions++;
    else s.stats.errors++;

    // Without envelope hooks the payload is the JSON already made for the size check: serialized once.
    const payload = s.client.hasHooks('beforeEnvelope') ? final : sized.json;
    this.#enqueueEvent(final, payload, trace, isTransaction ? spansBefore - sized.droppedSpans : -1);
  }

  /** Puts one event (its JSON, or the object when hooks may edit it) in its own envelope. `spanCount` -1: not a transaction. */
  #enqueueEvent(
    event: SentryEvent,
    payload: unknown,
    trace: Record<string, string | undefined>,
    spanCount: number,
  ): void {
    const item: EnvelopeItem = { headers: { type: spanCount >= 0 ? 'transaction' : 'event' }, payload };
    if (spanCount >= 0) setItemSpanCount(item, spanCount);
    const eventId = typeof event.event_id === 'string' ? event.event_id : undefined;
    const sdk = this.#sdk();
    const envelope = createEnvelope(eventId === undefined ? { sdk, trace } : { event_id: eventId, sdk, trace }, [item]);
    this.#s.submit(envelope);
  }
}
