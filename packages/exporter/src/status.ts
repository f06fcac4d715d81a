/**
 * Sentry span status from an OpenTelemetry span: its status, its HTTP status code and its
 * gRPC status code (protocol brief §5), as `@sentry/opentelemetry` maps them. Sentry's
 * failure rate counts every status but `ok`, `cancelled` and `unknown_error`, so a failure
 * this mapping cannot name more precisely is `internal_error`, never `unknown_error`.
 */
import { type Attributes, SpanStatusCode } from '@opentelemetry/api';

const GRPC: readonly string[] = [
  'ok',
  'cancelled',
  'unknown_error',
  'invalid_argument',
  'deadline_exceeded',
  'not_found',
  'already_exists',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal_error',
  'unavailable',
  'data_loss',
  'unauthenticated',
];

// gRPC codes 0..16 map, in order, onto exactly Sentry's span statuses.
const KNOWN: ReadonlySet<string> = new Set(GRPC);

/**
 * The Sentry status of an HTTP status code. A code outside 100–599 is a failure
 * (`internal_error`): the fetch instrumentation records a network error as status `0`.
 * `undefined` for a value that is not an integer.
 */
export function statusFromHttpCode(code: number): string | undefined {
  if (!Number.isInteger(code)) return undefined;
  if (code < 100 || code > 599) return 'internal_error';
  if (code < 400) return 'ok';
  if (code < 500) {
    switch (code) {
      case 401:
        return 'unauthenticated';
      case 403:
        return 'permission_denied';
      case 404:
        return 'not_found';
      case 409:
        return 'already_exists';
      case 413:
        return 'failed_precondition';
      case 429:
        return 'resource_exhausted';
      case 499:
        return 'cancelled';
      default:
        return 'invalid_argument';
    }
  }
  switch (code) {
    case 501:
      return 'unimplemented';
    case 503:
      return 'unavailable';
    case 504:
      return 'deadline_exceeded';
    default:
      return 'internal_error';
  }
}

/** The Sentry status of a gRPC status code (0–16), or `undefined`. */
export function statusFromGrpcCode(code: number): string | undefined {
  return Number.isInteger(code) ? GRPC[code] : undefined;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') {
    const n = Number(value);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

/** The HTTP status code recorded on a span, stable or older conventions. */
export function httpStatusCode(attributes: Attributes): number | undefined {
  return toNumber(attributes['http.response.status_code'] ?? attributes['http.status_code']);
}

/**
 * The Sentry status of a span. An explicit OpenTelemetry `OK` wins; otherwise the HTTP or
 * gRPC code decides; an `ERROR` without a failing code is the status message when it names
 * a Sentry status, else `internal_error` (an `ERROR` never maps to `ok`).
 */
export function spanStatus(
  status: { code: SpanStatusCode; message?: string | undefined },
  attributes: Attributes,
): string {
  if (status.code === SpanStatusCode.OK) return 'ok';
  const http = httpStatusCode(attributes);
  const fromHttp = http === undefined ? undefined : statusFromHttpCode(http);
  const grpc = toNumber(attributes['rpc.grpc.status_code']);
  const fromGrpc = grpc === undefined ? undefined : statusFromGrpcCode(grpc);
  if (status.code === SpanStatusCode.UNSET) return fromHttp ?? fromGrpc ?? 'ok';
  if (fromHttp !== undefined && fromHttp !== 'ok') return fromHttp;
  if (fromGrpc !== undefined && fromGrpc !== 'ok') return fromGrpc;
  const message = status.message;
  return message !== undefined && message !== 'ok' && KNOWN.has(message) ? message : 'internal_error';
}
