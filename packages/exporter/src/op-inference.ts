/**
 * What a span is, in Sentry's words: its `op`, its name and the quality of that name
 * (`transaction_info.source`), inferred from OpenTelemetry semantic conventions the way
 * `@sentry/opentelemetry` infers them.
 *
 * Users steer the result with Sentry's own attribute names (`@sentry/core`'s semantic
 * attributes), set on the span:
 * - `sentry.op`: the op, whatever was inferred.
 * - `sentry.custom_span_name`: the name (transaction name of a root, description of a
 *   child), source `custom` unless `sentry.source` says otherwise. What Sentry's
 *   `updateSpanName()` sets, so a name survives instrumentations that rename spans.
 * - `sentry.source`: the source. `custom` also keeps the span's own name instead of an
 *   inferred one (the route, the URL, the DB statement).
 */
import { type Attributes, SpanKind } from '@opentelemetry/api';

/** Sentry's transaction name sources. */
export type TransactionSource = 'custom' | 'url' | 'route' | 'view' | 'component' | 'task';

/** The inferred description of a span. */
export interface SpanDescription {
  readonly op: string;
  /** The transaction name (for a root) or span description (for a child). */
  readonly name: string;
  readonly source: TransactionSource;
}

/** Sentry's attribute names that steer the mapping (`SEMANTIC_ATTRIBUTE_SENTRY_*` in `@sentry/core`). */
export const SENTRY_OP = 'sentry.op';
export const SENTRY_SOURCE = 'sentry.source';
export const SENTRY_CUSTOM_SPAN_NAME = 'sentry.custom_span_name';

const SOURCES = new Set<string>(['custom', 'url', 'route', 'view', 'component', 'task']);

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A URL as a name: no query string or fragment (they hold ids and secrets, and make names
 * unbounded in number) and no `user:password@`.
 */
export function sanitizeUrl(url: string): string {
  let end = url.length;
  const q = url.indexOf('?');
  if (q !== -1) end = q;
  const h = url.indexOf('#');
  if (h !== -1 && h < end) end = h;
  let out = end === url.length ? url : url.slice(0, end);
  const scheme = out.indexOf('://');
  if (scheme !== -1) {
    const hostStart = scheme + 3;
    let hostEnd = out.indexOf('/', hostStart);
    if (hostEnd === -1) hostEnd = out.length;
    const at = out.lastIndexOf('@', hostEnd);
    if (at >= hostStart) out = out.slice(0, hostStart) + out.slice(at + 1);
  }
  return out;
}

/** The path (route, URL or target) an HTTP span is named by, as Sentry picks it. */
function httpPath(kind: SpanKind, a: Attributes): { path: string; route: boolean } | undefined {
  const route = str(a['http.route']);
  if (route !== undefined) return { path: route, route: true };
  // A server knows its own path; a client is better named by the whole URL it called.
  const target = str(a['url.path']) ?? str(a['http.target']);
  if (kind === SpanKind.SERVER && target !== undefined) return { path: sanitizeUrl(target), route: false };
  const url = str(a['url.full']) ?? str(a['http.url']);
  if (url !== undefined) return { path: sanitizeUrl(url), route: false };
  if (target !== undefined) return { path: sanitizeUrl(target), route: false };
  return undefined;
}

function describeHttp(name: string, kind: SpanKind, a: Attributes, method: string, op: string): SpanDescription {
  const found = httpPath(kind, a);
  if (found === undefined) return { op, name, source: 'custom' };
  // `/` is the one path that is also a route.
  const source = found.route || found.path === '/' ? 'route' : 'url';
  return { op, name: `${method} ${found.path}`, source };
}

function httpOp(kind: SpanKind, a: Attributes): string {
  if (kind === SpanKind.SERVER) return 'http.server';
  if (kind === SpanKind.CLIENT) return 'http.client';
  // @fastify/otel's request span: INTERNAL under the HTTP server span (what Sentry's Fastify integration names it).
  if (a['fastify.root'] !== undefined) return 'request_handler.fastify';
  return 'http';
}

/** Infers `op`, name and source of a span from its kind, name and attributes. */
export function inferSpanDescription(name: string, kind: SpanKind, a: Attributes): SpanDescription {
  const inferred = infer(name, kind, a);
  const op = str(a[SENTRY_OP]);
  const sourceValue = str(a[SENTRY_SOURCE]);
  const custom = str(a[SENTRY_CUSTOM_SPAN_NAME]);
  if (op === undefined && sourceValue === undefined && custom === undefined) return inferred;
  const source = sourceValue !== undefined && SOURCES.has(sourceValue) ? (sourceValue as TransactionSource) : undefined;
  if (custom !== undefined) return { op: op ?? inferred.op, name: custom, source: source ?? 'custom' };
  // `custom` says the span's own name was chosen by hand: keep it over an inferred one.
  if (source === 'custom') return { op: op ?? inferred.op, name, source };
  return { op: op ?? inferred.op, name: inferred.name, source: source ?? inferred.source };
}

function infer(name: string, kind: SpanKind, a: Attributes): SpanDescription {
  const method = str(a['http.request.method']) ?? str(a['http.method']);
  if (method !== undefined) {
    return describeHttp(name, kind, a, method === '_OTHER' ? 'HTTP' : method, httpOp(kind, a));
  }
  if (a['db.system.name'] !== undefined || a['db.system'] !== undefined) {
    const statement = str(a['db.query.text']) ?? str(a['db.statement']);
    return { op: 'db', name: statement ?? name, source: 'task' };
  }
  if (a['rpc.service'] !== undefined) return { op: 'rpc', name, source: 'route' };
  if (a['messaging.system'] !== undefined) return { op: 'message', name, source: 'route' };
  const trigger = str(a['faas.trigger']);
  if (trigger !== undefined) return { op: trigger, name, source: 'route' };
  const gql = str(a['graphql.operation.type']);
  if (gql !== undefined) {
    const opName = str(a['graphql.operation.name']);
    return { op: `graphql.${gql}`, name: opName ? `${gql} ${opName}` : name, source: 'route' };
  }
  // Framework layers, with the ops Sentry's Express and Fastify integrations give them:
  // `middleware.express`, `request_handler.express`, `router.express`, `hook.fastify`, ...
  const express = str(a['express.type']);
  if (express !== undefined) return { op: `${express}.express`, name, source: 'custom' };
  const fastify = str(a['fastify.type']);
  if (fastify !== undefined) return { op: `${fastify}.fastify`, name, source: 'custom' };
  return { op: 'default', name, source: 'custom' };
}
