/**
 * What a span is, in Sentry's words: its `op`, its name and the quality of that name
 * (`transaction_info.source`), inferred from OpenTelemetry semantic conventions.
 * `sentry.op`, `sentry.source` and `sentry.name` attributes win over inference.
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

const SOURCES = new Set<string>(['custom', 'url', 'route', 'view', 'component', 'task']);

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// Query strings and fragments hold ids and secrets, and make names unbounded in number.
function stripQuery(url: string): string {
  let end = url.length;
  const q = url.indexOf('?');
  if (q !== -1) end = q;
  const h = url.indexOf('#');
  if (h !== -1 && h < end) end = h;
  return end === url.length ? url : url.slice(0, end);
}

function describeHttp(name: string, kind: SpanKind, a: Attributes, method: string): SpanDescription {
  const op = kind === SpanKind.SERVER ? 'http.server' : kind === SpanKind.CLIENT ? 'http.client' : 'http';
  const route = str(a['http.route']);
  if (route !== undefined) return { op, name: `${method} ${route}`, source: 'route' };
  const target =
    kind === SpanKind.CLIENT
      ? (str(a['url.full']) ?? str(a['http.url']))
      : (str(a['url.path']) ?? str(a['http.target']) ?? str(a['url.full']) ?? str(a['http.url']));
  if (target !== undefined) return { op, name: `${method} ${stripQuery(target)}`, source: 'url' };
  return { op, name, source: 'custom' };
}

/** Infers `op`, name and source of a span from its kind, name and attributes. */
export function inferSpanDescription(name: string, kind: SpanKind, a: Attributes): SpanDescription {
  const inferred = infer(name, kind, a);
  const op = str(a['sentry.op']);
  const source = str(a['sentry.source']);
  const explicitName = str(a['sentry.name']);
  if (op === undefined && source === undefined && explicitName === undefined) return inferred;
  return {
    op: op ?? inferred.op,
    name: explicitName ?? inferred.name,
    source: source !== undefined && SOURCES.has(source) ? (source as TransactionSource) : inferred.source,
  };
}

function infer(name: string, kind: SpanKind, a: Attributes): SpanDescription {
  const method = str(a['http.request.method']) ?? str(a['http.method']);
  if (method !== undefined) return describeHttp(name, kind, a, method === '_OTHER' ? 'HTTP' : method);
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
  return { op: 'default', name, source: 'custom' };
}
