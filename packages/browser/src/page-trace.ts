/**
 * The trace a server rendered into the page: `<meta name="sentry-trace">` and
 * `<meta name="baggage">` (what `@otel-sentry/node`'s `getTraceMetaTags()` and Sentry's SDKs
 * write), read as a header carrier for `SentryPropagator.extract`.
 */

/** The part of `document` read here: a test or a worker may hand in its own. */
export interface MetaTagSource {
  querySelector(selectors: string): { getAttribute(name: string): string | null } | null;
}

/** The two headers the page's meta tags carry; absent ones are left out. */
export function readPageTraceHeaders(source: MetaTagSource | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (source === undefined) return headers;
  for (const name of ['sentry-trace', 'baggage']) {
    const value = source.querySelector(`meta[name="${name}"]`)?.getAttribute('content');
    if (value) headers[name] = value;
  }
  return headers;
}
