/**
 * The `request` an error event carries (Sentry's Request interface): the method and URL of
 * the server request it happened in, read from the server span's attributes (stable or
 * older HTTP conventions). Only `method`, `url` and `query_string`: no headers, cookies or
 * body ever leave this way. The URL loses credentials and its query string; the query
 * string goes apart, with secret-named parameters and card numbers scrubbed unless
 * `sendDefaultPii` is set.
 */
import { type Attributes, SpanKind } from '@opentelemetry/api';
import type { ReadableSpanLike } from '@otel-sentry/core';
import { sanitizeUrl } from './op-inference.js';
import type { Scrubber } from './scrubber.js';

/** Sentry's `request` interface, the members this exporter fills. */
export interface RequestData {
  method?: string;
  url?: string;
  query_string?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function port(value: unknown): string {
  return typeof value === 'number' || (typeof value === 'string' && value !== '') ? `:${value}` : '';
}

/** The full URL of a server request, with its query string, from whichever attributes the instrumentation wrote. */
function fullUrl(a: Attributes): string | undefined {
  const full = str(a['url.full']) ?? str(a['http.url']);
  if (full !== undefined) return full;
  const path = str(a['url.path']) ?? str(a['http.target']);
  if (path === undefined) return undefined;
  // `url.query` comes without its `?` (the HTTP instrumentation's form), but may have one.
  const rawQuery = str(a['url.query']);
  const query = rawQuery?.startsWith('?') ? str(rawQuery.slice(1)) : rawQuery;
  const target = query === undefined || path.includes('?') ? path : `${path}?${query}`;
  const scheme = str(a['url.scheme']) ?? str(a['http.scheme']) ?? 'http';
  const host =
    str(a['http.host']) ??
    (str(a['server.address']) !== undefined ? `${a['server.address']}${port(a['server.port'])}` : undefined) ??
    (str(a['net.host.name']) !== undefined ? `${a['net.host.name']}${port(a['net.host.port'])}` : undefined);
  return host === undefined ? target : `${scheme}://${host}${target}`;
}

/** The request of a server span, or `undefined` when the span is not one or says nothing of it. */
export function requestData(span: ReadableSpanLike, scrubber: Scrubber): RequestData | undefined {
  if (span.kind !== SpanKind.SERVER) return undefined;
  const a = span.attributes;
  let method = str(a['http.request.method']) ?? str(a['http.method']);
  if (method === '_OTHER') method = str(a['http.request.method_original']) ?? method;
  const raw = fullUrl(a);
  if (method === undefined && raw === undefined) return undefined;
  const out: RequestData = {};
  if (method !== undefined) out.method = method;
  if (raw !== undefined) {
    const scrubbed = scrubber.scrubValue('url.full', raw) as string;
    out.url = sanitizeUrl(scrubbed);
    const q = scrubbed.indexOf('?');
    if (q !== -1) {
      const hash = scrubbed.indexOf('#', q);
      const query = scrubbed.slice(q + 1, hash === -1 ? undefined : hash);
      if (query !== '') out.query_string = query;
    }
  }
  return out;
}
