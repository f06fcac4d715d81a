/**
 * OpenTelemetry spans to Sentry events: a local root and its descendants become one
 * `transaction`; every error a transaction reports (see `exception-events.ts`) becomes an
 * error `event` linked to its span and, in a server request, carrying the request.
 */
import { type Attributes, type HrTime, SpanKind } from '@opentelemetry/api';
import { getSpanData, hrTimeToSeconds, type ReadableSpanLike, type SentryEvent, uuid4 } from '@otel-sentry/core';
import type { RecordedException } from './exception-events.js';
import { jsonNumber, jsonString } from './json-text.js';
import { inferSpanDescription, type SpanDescription } from './op-inference.js';
import type { RequestData } from './request-data.js';
import type { Scrubber } from './scrubber.js';
import { spanLinks, spanLinksJsonMember } from './span-links.js';
import { parseStackTrace } from './stack-parser.js';
import { httpStatusCode, spanStatus } from './status.js';

/** What the mapping needs besides the spans. */
export interface MappingContext {
  readonly scrubber: Scrubber;
  readonly release: string | undefined;
  readonly environment: string;
  readonly sdk: { readonly name: string; readonly version: string };
  readonly platform: string;
  /** Most child spans in one transaction. */
  readonly maxSpans: number;
}

/** What the trace a span belongs to carries beside its spans. */
export interface TraceInfo {
  /** The current replay id of the trace (32 hex), if any. */
  readonly replayId: string | undefined;
  /** The transaction name of the local root, for error events. */
  readonly transaction?: string | undefined;
  /** The server request the trace's local root answered, for error events. */
  readonly request?: RequestData | undefined;
}

/** A mapped transaction. */
export interface MappedTransaction {
  /** The event; in `json` mode without `spans` and the root's `data` (they are only in {@link MappedTransaction.json}). */
  readonly event: SentryEvent;
  readonly description: SpanDescription;
  /** Child spans left out by the span cap. */
  readonly droppedSpans: number;
  /** In `json` mode: the whole event, spans included, serialized. */
  readonly json?: string;
}

const KIND_NAMES = ['internal', 'server', 'client', 'producer', 'consumer'];

const MEASUREMENT_UNIT = 'sentry.measurement_unit';
const MEASUREMENT_VALUE = 'sentry.measurement_value';

const resourceCache = new WeakMap<object, Record<string, unknown>>();

function resourceContext(resource: { readonly attributes: Attributes }): Record<string, unknown> {
  let cached = resourceCache.get(resource);
  if (cached === undefined) {
    cached = {};
    const attrs = resource.attributes;
    for (const key in attrs) if (attrs[key] !== undefined) cached[key] = attrs[key];
    resourceCache.set(resource, cached);
  }
  return cached;
}

const resourceJsonCache = new WeakMap<object, string>();

function resourceJson(resource: { readonly attributes: Attributes }): string {
  let cached = resourceJsonCache.get(resource);
  if (cached === undefined) {
    cached = stringifyData(resourceContext(resource));
    resourceJsonCache.set(resource, cached);
  }
  return cached;
}

function seconds(time: HrTime): number {
  return hrTimeToSeconds(time);
}

function origin(attributes: Attributes): string {
  const value = attributes['sentry.origin'];
  return typeof value === 'string' && value !== '' ? value : 'manual';
}

// The root's trace context says its kind; child spans carry only their attributes (their op says the rest).
function rootData(span: ReadableSpanLike, scrubber: Scrubber): Record<string, unknown> {
  const data = { ...scrubber.scrubAttributes(span.attributes) };
  data['otel.kind'] = KIND_NAMES[span.kind] ?? 'internal';
  return data;
}

/** {@link rootData} written straight to JSON. */
function rootDataJson(span: ReadableSpanLike, scrubber: Scrubber): string {
  return scrubber.attributesJson(span.attributes, `"otel.kind":"${KIND_NAMES[span.kind] ?? 'internal'}"`);
}

function parentSpanId(span: ReadableSpanLike): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** The HTTP status a transaction answered with, for `contexts.response` (Sentry shows it from there). */
function responseStatus(root: ReadableSpanLike): number | undefined {
  const code = httpStatusCode(root.attributes);
  return code !== undefined && Number.isInteger(code) ? code : undefined;
}

function measurementsOf(span: ReadableSpanLike): SentryEvent['measurements'] {
  let out: SentryEvent['measurements'];
  for (const event of span.events) {
    const a = event.attributes;
    if (a === undefined) continue;
    const value = a[MEASUREMENT_VALUE];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const unit = a[MEASUREMENT_UNIT];
    out ??= {};
    out[event.name] = typeof unit === 'string' ? { value, unit } : { value };
  }
  return out;
}

/** How child spans are produced: objects (hooks may edit them) or JSON text straight away. */
export type SpanOutput = 'objects' | 'json';

/** A child span as a Sentry span object. */
function childSpanObject(child: ReadableSpanLike, ctx: MappingContext): Record<string, unknown> {
  const c = child.spanContext();
  const d = inferSpanDescription(child.name, child.kind, child.attributes);
  const start = seconds(child.startTime);
  const out: Record<string, unknown> = {
    span_id: c.spanId,
    parent_span_id: parentSpanId(child),
    trace_id: c.traceId,
    op: d.op,
    description: ctx.scrubber.scrubText(d.name),
    start_timestamp: start,
    timestamp: Math.max(start, seconds(child.endTime)),
    status: spanStatus(child.status, child.attributes),
    origin: origin(child.attributes),
    data: ctx.scrubber.scrubAttributes(child.attributes),
  };
  const links = spanLinks(child.links, ctx.scrubber);
  if (links !== undefined) out.links = links;
  return out;
}

/**
 * The same span written straight to JSON, member by member: no intermediate object, and the
 * transaction's size is known span by span. Must stay equal to `JSON.stringify(childSpanObject())`.
 */
function childSpanJson(child: ReadableSpanLike, ctx: MappingContext): string {
  const c = child.spanContext();
  const d = inferSpanDescription(child.name, child.kind, child.attributes);
  const start = seconds(child.startTime);
  const end = Math.max(start, seconds(child.endTime));
  const parent = parentSpanId(child);
  // Span and trace ids of SDK spans are hex (the SDK drops invalid parent contexts): JSON-safe as they are.
  const parentMember = parent === undefined ? '' : `,"parent_span_id":"${parent}"`;
  return `{"span_id":"${c.spanId}"${parentMember},"trace_id":"${c.traceId}","op":${jsonString(d.op)},"description":${jsonString(ctx.scrubber.scrubText(d.name))},"start_timestamp":${jsonNumber(start)},"timestamp":${jsonNumber(end)},"status":${jsonString(spanStatus(child.status, child.attributes))},"origin":${jsonString(origin(child.attributes))},"data":${ctx.scrubber.attributesJson(child.attributes)}${spanLinksJsonMember(child.links, ctx.scrubber)}}`;
}

function stringifyData(data: Readonly<Record<string, unknown>>): string {
  try {
    return JSON.stringify(data) ?? '{}';
  } catch {
    return '{}'; // attribute values are primitives or arrays of them: unreachable in practice
  }
}

/** Maps a local root and its descendants (in any order) to a transaction event. */
export function spansToTransaction(
  root: ReadableSpanLike,
  children: readonly ReadableSpanLike[],
  ctx: MappingContext,
  trace: TraceInfo,
  output: SpanOutput = 'objects',
): MappedTransaction {
  const rootContext = root.spanContext();
  const description = inferSpanDescription(root.name, root.kind, root.attributes);
  const start = seconds(root.startTime);
  const end = Math.max(start, seconds(root.endTime));
  const status = spanStatus(root.status, root.attributes);
  const rootOrigin = origin(root.attributes);
  const json = output === 'json';
  const traceContext: Record<string, unknown> = {
    trace_id: rootContext.traceId,
    span_id: rootContext.spanId,
    op: description.op,
    status,
    origin: rootOrigin,
  };
  if (!json) traceContext.data = rootData(root, ctx.scrubber);
  const parent = parentSpanId(root);
  if (parent !== undefined) traceContext.parent_span_id = parent;
  if (!json) {
    const links = spanLinks(root.links, ctx.scrubber);
    if (links !== undefined) traceContext.links = links;
  }

  const kept = Math.min(children.length, ctx.maxSpans);
  const spans: Array<Record<string, unknown>> = json ? [] : new Array(kept);
  const spanJson: string[] | undefined = json ? new Array(kept) : undefined;
  let measurements = measurementsOf(root);
  for (let i = 0; i < kept; i++) {
    const child = children[i]!;
    if (spanJson !== undefined) spanJson[i] = childSpanJson(child, ctx);
    else spans[i] = childSpanObject(child, ctx);
    if (child.events.length > 0) {
      const m = measurementsOf(child);
      if (m !== undefined) measurements = measurements === undefined ? m : Object.assign(m, measurements);
    }
  }

  const contexts: NonNullable<SentryEvent['contexts']> = {
    trace: traceContext,
    otel: { resource: resourceContext(root.resource) },
  };
  const statusCode = responseStatus(root);
  if (statusCode !== undefined) contexts.response = { status_code: statusCode };
  if (trace.replayId !== undefined) contexts.replay = { replay_id: trace.replayId };

  const id = uuid4();
  const name = ctx.scrubber.scrubText(description.name);
  const event: SentryEvent = {
    type: 'transaction',
    event_id: id,
    platform: ctx.platform,
    transaction: name,
    transaction_info: { source: description.source },
    start_timestamp: start,
    timestamp: end,
    contexts,
    environment: ctx.environment,
    sdk: { name: ctx.sdk.name, version: ctx.sdk.version },
  };
  if (ctx.release !== undefined) event.release = ctx.release;
  if (measurements !== undefined) event.measurements = measurements;
  if (spanJson !== undefined) {
    // Written by hand, equal to JSON.stringify(event) with `spans`: the event is never walked twice.
    const parentMember = parent === undefined ? '' : `,"parent_span_id":${jsonString(parent)}`;
    const traceJson = `{"trace_id":${jsonString(rootContext.traceId)},"span_id":${jsonString(rootContext.spanId)},"op":${jsonString(description.op)},"status":${jsonString(status)},"origin":${jsonString(rootOrigin)},"data":${rootDataJson(root, ctx.scrubber)}${parentMember}${spanLinksJsonMember(root.links, ctx.scrubber)}}`;
    const response = statusCode === undefined ? '' : `,"response":{"status_code":${jsonNumber(statusCode)}}`;
    const replay = trace.replayId === undefined ? '' : `,"replay":{"replay_id":${jsonString(trace.replayId)}}`;
    const release = ctx.release === undefined ? '' : `,"release":${jsonString(ctx.release)}`;
    const measured = measurements === undefined ? '' : `,"measurements":${stringifyData(measurements)}`;
    const json = `{"type":"transaction","event_id":"${id}","platform":${jsonString(ctx.platform)},"transaction":${jsonString(name)},"transaction_info":{"source":${jsonString(description.source)}},"start_timestamp":${jsonNumber(start)},"timestamp":${jsonNumber(end)},"contexts":{"trace":${traceJson},"otel":{"resource":${resourceJson(root.resource)}}${response}${replay}},"environment":${jsonString(ctx.environment)},"sdk":{"name":${jsonString(ctx.sdk.name)},"version":${jsonString(ctx.sdk.version)}}${release}${measured},"spans":[${spanJson.join(',')}]}`;
    return { event, description, droppedSpans: children.length - kept, json };
  }
  event.spans = spans;
  return { event, description, droppedSpans: children.length - kept };
}

/**
 * The error event of one recorded exception, linked to the span that recorded it and to
 * its transaction, with the request it happened in.
 */
export function exceptionToErrorEvent(recorded: RecordedException, ctx: MappingContext, trace: TraceInfo): SentryEvent {
  const { span, handled } = recorded;
  const frames = parseStackTrace(recorded.stacktrace);
  const value: Record<string, unknown> = {
    type: recorded.type,
    value: ctx.scrubber.scrubText(recorded.message),
    mechanism: { type: 'otel', handled },
  };
  if (frames.length > 0) value.stacktrace = { frames };
  const c = span.spanContext();
  const traceContext: Record<string, unknown> = {
    trace_id: c.traceId,
    span_id: c.spanId,
    op: inferSpanDescription(span.name, span.kind, span.attributes).op,
  };
  const parent = parentSpanId(span);
  if (parent !== undefined) traceContext.parent_span_id = parent;
  const contexts: NonNullable<SentryEvent['contexts']> = {
    trace: traceContext,
    otel: { resource: resourceContext(span.resource) },
  };
  if (trace.replayId !== undefined) contexts.replay = { replay_id: trace.replayId };
  const event: SentryEvent = {
    event_id: uuid4(),
    // An error that escaped a request is still `error`, as Sentry's framework handlers send
    // it; `handled: false` is what marks it.
    level: 'error',
    platform: ctx.platform,
    timestamp: seconds(recorded.time),
    exception: { values: [value] },
    contexts,
    environment: ctx.environment,
    sdk: { name: ctx.sdk.name, version: ctx.sdk.version },
  };
  if (trace.transaction !== undefined) event.transaction = ctx.scrubber.scrubText(trace.transaction);
  // A copy each: a `beforeSend` that edits one event's request must not edit its siblings'.
  if (trace.request !== undefined) event.request = { ...trace.request };
  if (ctx.release !== undefined) event.release = ctx.release;
  return event;
}

/** Whether a span is a local root: no parent, or a remote one. */
export function isLocalRoot(span: ReadableSpanLike): boolean {
  // SentrySpanProcessor's side-table entry knows better than the parent link: a late child
  // or an orphan it detached has a local parent but is a transaction of its own.
  const data = getSpanData(span);
  if (data?.root !== undefined) return false;
  if (data?.detached !== undefined) return true;
  const parent = span.parentSpanContext;
  return parent === undefined || parent.isRemote === true;
}

/** Whether a span is a server-side entry (for release-health aggregates). */
export function isServerSpan(span: ReadableSpanLike): boolean {
  return span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER;
}
