/**
 * What every service in sentry-node-hops.test.ts answers, whichever SDK traces it: the trace
 * headers it received, what its tracing made of them, and the answers of the calls it made
 * (`call=<url>` in the query, repeated, in order). Nesting the URLs chains the services:
 * `hopUrl(a, { call: [hopUrl(b, { call: [hopUrl(c)] })] })`.
 */

/** One service's answer. */
export interface HopAnswer {
  /** Which SDK and mode answered. */
  name: string;
  /** `sentry-trace`, `baggage`, `traceparent`, `tracestate` as received (repeated values joined). */
  received: Record<string, string>;
  /** The span the service's tracing made for the request, if any. */
  span: { traceId: string; sampled: boolean } | null;
  /** What a Sentry SDK would propagate from inside the request (`getTraceData()`), if it says. */
  propagates?: Record<string, string | undefined>;
  /** The answers of the calls the service made, in order (a plain server's answer is its headers). */
  calls: unknown[];
}

/** Query parameters of a hop. */
export interface HopQuery {
  /** URLs to call, in order. */
  call?: readonly string[];
  /** Anything else (`error=1`, `forward=<sentry-trace>`, ...). */
  [key: string]: string | readonly string[] | undefined;
}

/** The URL of the `/hop` endpoint at `port`, with `query`. */
export function hopUrl(port: number, query: HopQuery = {}): string {
  const url = new URL(`http://127.0.0.1:${port}/hop`);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of typeof value === 'string' ? [value] : value) url.searchParams.append(key, v);
  }
  return url.toString();
}

/** The `sentry-` members of a baggage value, replay id excepted: the DSC as it travels. */
export function dscMembers(baggage: string | undefined): string {
  return (baggage ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m.startsWith('sentry-') && !m.startsWith('sentry-replay_id='))
    .join(',');
}

/** The value of `sentry-replay_id` in a baggage value, if any. */
export function replayIdIn(baggage: string | undefined): string | undefined {
  const member = (baggage ?? '')
    .split(',')
    .map((m) => m.trim())
    .find((m) => m.startsWith('sentry-replay_id='));
  return member?.slice('sentry-replay_id='.length);
}

/** The sampled field of a `sentry-trace` value: `'1'`, `'0'`, or `''` when deferred. */
export function sampledField(sentryTrace: string | undefined): string | undefined {
  if (sentryTrace === undefined) return undefined;
  const parts = sentryTrace.trim().split('-');
  return parts[2] ?? '';
}
