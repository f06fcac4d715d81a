/**
 * Internal (not exported from the package entry point).
 * The DSC the head of a trace creates the first time the trace leaves the process.
 */
import { type Span, TraceFlags } from '@opentelemetry/api';
import {
  type Client,
  createHeadDsc,
  deriveSampleRand,
  type FrozenDsc,
  getSpanData,
  getUnrecordedRoot,
} from '@otel-sentry/core';

// Transaction sources whose names are low-cardinality and safe to share (never a raw URL).
const GOOD_SOURCES = new Set(['custom', 'route', 'view', 'component', 'task']);

function stringAttribute(attributes: Record<string, unknown>, key: string): string | undefined {
  const value = attributes[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The DSC `transaction` of a local root, or `undefined` when its name is not a good one:
 * a `sentry.source` attribute decides when present; an HTTP span is named by its route
 * (`METHOD /users/:id`) or not at all, since otherwise its name is a method or a raw URL;
 * any other span was named by code (source `custom`).
 */
export function transactionName(root: object): string | undefined {
  const name = (root as { name?: unknown }).name;
  const spanName = typeof name === 'string' && name !== '' ? name : undefined;
  const attributes = (root as { attributes?: Record<string, unknown> }).attributes;
  if (typeof attributes !== 'object' || attributes === null) return spanName;
  const source = stringAttribute(attributes, 'sentry.source');
  if (source !== undefined) return GOOD_SOURCES.has(source) ? spanName : undefined;
  const method = stringAttribute(attributes, 'http.request.method') ?? stringAttribute(attributes, 'http.method');
  const route = stringAttribute(attributes, 'http.route');
  if (route !== undefined) return method !== undefined ? `${method} ${route}` : route;
  return method !== undefined ? undefined : spanName;
}

const TWO_POW_52 = 2 ** 52;

/**
 * A number in [0, 1) read from the trace id's last 13 hex digits (52 bits: exact as a
 * double). W3C random trace ids are random there, and two spans of one trace that freeze a
 * DSC without a span processor linking them still agree on `sample_rand`.
 */
function traceIdRandom(traceId: string): number {
  const value = Number.parseInt(traceId.slice(19), 16);
  return Number.isFinite(value) ? value / TWO_POW_52 : Math.random();
}

function formatSampleRand(value: number): string {
  const micro = Math.min(Math.max(Math.floor(value * 1_000_000), 0), 999_999);
  return (micro / 1_000_000).toFixed(6);
}

/**
 * The head DSC of `span`'s trace, made with core's `createHeadDsc`. `sample_rate` and
 * `sample_rand` come from the root's sampling record when the span processor made one, or
 * from what the sampler said of a root it did not record (`SentrySampler` does), else from
 * the client's rate and the trace id, consistent with the decision.
 */
export function headDscOf(span: Span, root: object, client: Client): FrozenDsc {
  const { traceId, traceFlags } = span.spanContext();
  const options = client.options;
  // The root's entry may exist without a decision (made empty by the caller to hold the DSC).
  const entry = getSpanData(root);
  const record = entry?.sampleRand !== undefined ? entry : (getUnrecordedRoot(traceId) ?? entry);
  const sampled = (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  const rate = record?.sampleRate ?? options.tracesSampleRate;
  const sampleRand =
    record?.sampleRand !== undefined
      ? formatSampleRand(record.sampleRand)
      : deriveSampleRand(sampled, rate, () => traceIdRandom(traceId));
  return createHeadDsc(
    client,
    {
      traceId,
      sampled,
      sampleRate: rate,
      sampleRand,
      publicKey: options.dsn?.publicKey,
      release: options.release,
      environment: options.environment,
      transaction: transactionName(root),
      orgId: options.orgId,
    },
    root as Span,
  );
}
