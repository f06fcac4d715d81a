/**
 * One OpenTelemetry span as a span v2 item (protocol §9), the way Sentry SDK 11 builds it
 * (`@sentry/core` 11 `captureSpan` + `spanToJSON`): top-level `trace_id`, `span_id`,
 * `parent_span_id`, `name`, `status` (`ok` | `error` only), `is_segment`, timestamps in
 * seconds, typed `attributes` and `links`; and, as attributes, what a transaction carried in
 * fields — `sentry.op`, `sentry.origin`, `sentry.release`, `sentry.environment`,
 * `sentry.segment.name` / `.id` on every span, `sentry.segment.name.source` on the segment
 * only (the deprecated `sentry.source` is never sent), `sentry.sdk.*`,
 * `sentry.trace_lifecycle: "stream"`.
 *
 * Where ours differs from SDK 11 on purpose:
 * - `name` is the name a transaction would show (`inferSpanDescription`: `GET /users/:id`,
 *   the query of a db span), so the same span reads the same in every mode; SDK 11 sends the
 *   raw span name of its own instrumentation.
 * - `sentry.op` is left out when nothing says what the span is (op `default`), as SDK 11
 *   leaves it out of a manual span.
 * - The segment span carries the OpenTelemetry resource as `resource.<key>` attributes,
 *   as Sentry's own OTLP ingestion (Relay) names them, where SDK 11 puts its device and
 *   runtime contexts.
 * Attribute values are scrubbed like a transaction's.
 */
import {
  type Attributes,
  type AttributeValue,
  type Link,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
} from '@opentelemetry/api';
import { hrTimeToSeconds, type ReadableSpanLike } from '@otel-sentry/core';
import { inferSpanDescription, SENTRY_CUSTOM_SPAN_NAME, SENTRY_SOURCE, type SpanDescription } from './op-inference.js';
import type { Scrubber } from './scrubber.js';
import { httpStatusCode } from './status.js';

/** Sentry's typed attribute value. */
export interface TypedAttribute {
  readonly type: 'string' | 'boolean' | 'integer' | 'double' | 'array';
  readonly value: unknown;
}

/** A span link of a span v2 item. */
export interface SpanV2Link {
  readonly trace_id: string;
  readonly span_id: string;
  readonly sampled: boolean;
  readonly attributes?: Record<string, TypedAttribute>;
}

/** A span v2 item, as it is serialized. */
export interface SpanV2 {
  name: string;
  span_id: string;
  trace_id: string;
  parent_span_id?: string | undefined;
  start_timestamp: number;
  end_timestamp: number;
  is_segment: boolean;
  status: 'ok' | 'error';
  attributes: Record<string, TypedAttribute>;
  links?: SpanV2Link[];
}

/** What every span of a service carries besides its own data. */
export interface SpanV2Context {
  readonly scrubber: Scrubber;
  readonly release: string | undefined;
  readonly environment: string;
  readonly sdk: { readonly name: string; readonly version: string };
}

/** Attribute names of Sentry's conventions (`@sentry/conventions`) used here. */
export const SEGMENT_NAME = 'sentry.segment.name';
export const SEGMENT_ID = 'sentry.segment.id';
export const SEGMENT_NAME_SOURCE = 'sentry.segment.name.source';
export const STATUS_MESSAGE = 'sentry.status.message';

const KIND_NAMES = ['internal', 'server', 'client', 'producer', 'consumer'];

/** One attribute value, typed as Sentry's SDK 11 types it; `undefined` for none. */
export function typedAttribute(value: AttributeValue | undefined): TypedAttribute | undefined {
  switch (typeof value) {
    case 'string':
      return { type: 'string', value };
    case 'boolean':
      return { type: 'boolean', value };
    case 'number':
      if (Number.isInteger(value)) return { type: 'integer', value };
      // JSON has no NaN or infinity: as text, rather than a `null` Relay would reject.
      return Number.isFinite(value) ? { type: 'double', value } : { type: 'string', value: String(value) };
    default:
      return Array.isArray(value) ? { type: 'array', value } : undefined;
  }
}

/** Attributes as typed values, scrubbed; `skip` names keys left out. */
export function typedAttributes(
  attributes: Attributes,
  scrubber: Scrubber,
  skip?: ReadonlySet<string>,
): Record<string, TypedAttribute> {
  const scrubbed = scrubber.scrubAttributes(attributes) as Attributes;
  const out: Record<string, TypedAttribute> = {};
  for (const key in scrubbed) {
    if (skip?.has(key)) continue;
    const typed = typedAttribute(scrubbed[key]);
    if (typed !== undefined) out[key] = typed;
  }
  return out;
}

// Sentry's naming attributes that are read here and sent under their current names instead.
const CONSUMED = new Set([SENTRY_CUSTOM_SPAN_NAME, SENTRY_SOURCE]);

/**
 * `ok` or `error`, as SDK 11 decides it (`getSimpleStatus`): an OpenTelemetry ERROR is an
 * error unless its message says `cancelled`. A server span left UNSET that answered 5xx is an
 * error too: the HTTP instrumentation sets ERROR then, a hand-made server span may not.
 */
export function streamedStatus(span: ReadableSpanLike): 'ok' | 'error' {
  const status = span.status;
  if (status.code === SpanStatusCode.ERROR) return status.message === 'cancelled' ? 'ok' : 'error';
  if (status.code === SpanStatusCode.UNSET && span.kind === SpanKind.SERVER) {
    const code = httpStatusCode(span.attributes);
    if (code !== undefined && code >= 500 && code <= 599) return 'error';
  }
  return 'ok';
}

function originOf(attributes: Attributes): string {
  const value = attributes['sentry.origin'];
  return typeof value === 'string' && value !== '' ? value : 'manual';
}

function linksOf(links: readonly Link[], scrubber: Scrubber): SpanV2Link[] | undefined {
  if (links.length === 0) return undefined;
  return links.map((link) => {
    const c = link.context;
    const out: { -readonly [K in keyof SpanV2Link]: SpanV2Link[K] } = {
      trace_id: c.traceId,
      span_id: c.spanId,
      sampled: (c.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    };
    if (link.attributes !== undefined) {
      const attributes = typedAttributes(link.attributes, scrubber);
      for (const _ in attributes) {
        out.attributes = attributes;
        break;
      }
    }
    return out;
  });
}

/** The name and name source of a segment (a local root), as its transaction would be named. */
export function segmentDescription(segment: ReadableSpanLike): SpanDescription {
  return inferSpanDescription(segment.name, segment.kind, segment.attributes);
}

/**
 * Maps `span` to a span v2 item. `segment` is its local root (the span itself for a root),
 * or `undefined` when nothing says which it is (then no `sentry.segment.*` attributes).
 */
export function toSpanV2(span: ReadableSpanLike, segment: ReadableSpanLike | undefined, ctx: SpanV2Context): SpanV2 {
  const c = span.spanContext();
  const a = span.attributes;
  const isSegment = segment === span;
  const description = inferSpanDescription(span.name, span.kind, a);
  const attributes = typedAttributes(a, ctx.scrubber, CONSUMED);
  const put = (key: string, value: AttributeValue | undefined): void => {
    // As SDK 11 does: what the span set itself is kept.
    if (value === undefined || key in attributes) return;
    const typed = typedAttribute(value);
    if (typed !== undefined) attributes[key] = typed;
  };
  put('sentry.origin', originOf(a));
  if (description.op !== 'default') put('sentry.op', description.op);
  if (span.kind !== SpanKind.INTERNAL) put('sentry.kind', KIND_NAMES[span.kind]);
  const status = streamedStatus(span);
  if (status === 'error' && span.status.message) put(STATUS_MESSAGE, span.status.message);
  put('sentry.trace_lifecycle', 'stream');
  if (segment !== undefined) {
    const segmentName = isSegment ? description : segmentDescription(segment);
    put(SEGMENT_NAME, ctx.scrubber.scrubText(segmentName.name));
    put(SEGMENT_ID, segment.spanContext().spanId);
    if (isSegment) put(SEGMENT_NAME_SOURCE, description.source);
  }
  put('sentry.sdk.name', ctx.sdk.name);
  put('sentry.sdk.version', ctx.sdk.version);
  put('sentry.release', ctx.release);
  put('sentry.environment', ctx.environment);
  if (isSegment) {
    const resource = ctx.scrubber.scrubAttributes(span.resource.attributes) as Attributes;
    for (const key in resource) put(`resource.${key}`, resource[key]);
  }

  const start = hrTimeToSeconds(span.startTime);
  // In SDK 11's key order; an absent parent is left out by JSON.
  const out: SpanV2 = {
    name: ctx.scrubber.scrubText(description.name),
    span_id: c.spanId,
    trace_id: c.traceId,
    parent_span_id: span.parentSpanContext?.spanId,
    start_timestamp: start,
    end_timestamp: Math.max(start, hrTimeToSeconds(span.endTime)),
    is_segment: isSegment,
    status,
    attributes,
  };
  const links = linksOf(span.links, ctx.scrubber);
  if (links !== undefined) out.links = links;
  return out;
}

/**
 * A cheap upper bound of a span's serialized size, for the 5 MB envelope limit: two bytes a
 * character (what `@sentry/core` 11's estimate assumes), plus the JSON around them.
 */
export function estimateSpanV2Bytes(span: SpanV2): number {
  let bytes = 200 + span.name.length * 2;
  for (const key in span.attributes) {
    const value = span.attributes[key]!.value;
    bytes += 40 + key.length * 2;
    if (typeof value === 'string') bytes += value.length * 2;
    else if (Array.isArray(value)) bytes += 16 * value.length + stringLengths(value) * 2;
    else bytes += 24;
  }
  if (span.links !== undefined) bytes += 150 * span.links.length;
  return bytes;
}

function stringLengths(values: readonly unknown[]): number {
  let n = 0;
  for (const v of values) if (typeof v === 'string') n += v.length;
  return n;
}
