/**
 * Which errors a transaction reports: the `exception` events recorded on its spans,
 * de-duplicated along ancestor chains, each marked handled or unhandled.
 *
 * **Handled or unhandled** (`mechanism.handled`, Sentry's "unhandled" badge and alerts).
 * An exception is unhandled when
 * 1. its event says `exception.escaped: true` (it left the span's scope), or
 * 2. a web-framework or HTTP-server instrumentation ({@link FRAMEWORK_SCOPES}) recorded it
 *    on one of its spans other than an outgoing (CLIENT) one, in a transaction whose root is
 *    a server span that ended with a 5xx status: the error escaped the application's code
 *    and the framework answered it. Neither express's nor fastify's instrumentation sets
 *    `exception.escaped`, so this is how a thrown handler error is told apart.
 * Anything else is handled: an exception the application recorded on its own span (its own
 * tracer) stays handled even when the application then answers 500. `exception.escaped:
 * false` on the event marks it handled whatever rule 2 says.
 *
 * **De-duplication.** Frameworks record one error on several spans (`@fastify/otel` on the
 * handler span and on the request span; a failed outgoing call on the client span and on
 * the handler span it escaped through). Exceptions with equal `exception.type`,
 * `exception.message` and `exception.stacktrace` on spans of one ancestor chain are one
 * error, reported once on the innermost span, unhandled if any of them is — as Sentry's
 * SDKs report an error once however many scopes it passes. Equal exceptions on unrelated
 * spans (two calls failing alike) stay apart.
 */
import { type Attributes, type HrTime, SpanKind } from '@opentelemetry/api';
import type { ReadableSpanLike } from '@otel-sentry/core';
import { httpStatusCode } from './status.js';

/**
 * Instrumentation scopes of HTTP servers and web frameworks: the code that catches what a
 * request handler throws and answers for it.
 */
export const FRAMEWORK_SCOPES: ReadonlySet<string> = new Set([
  '@opentelemetry/instrumentation-http',
  '@opentelemetry/instrumentation-express',
  '@opentelemetry/instrumentation-fastify',
  '@opentelemetry/instrumentation-koa',
  '@opentelemetry/instrumentation-hapi',
  '@opentelemetry/instrumentation-restify',
  '@opentelemetry/instrumentation-connect',
  '@opentelemetry/instrumentation-router',
  '@opentelemetry/instrumentation-nestjs-core',
  '@fastify/otel',
  '@hono/otel',
]);

/** One error to report. */
export interface RecordedException {
  /** The innermost span that recorded it. */
  readonly span: ReadableSpanLike;
  /** When that span recorded it. */
  readonly time: HrTime;
  readonly type: string;
  readonly message: string;
  readonly stacktrace: string | undefined;
  /** `false`: it escaped to the framework (see the module comment). */
  readonly handled: boolean;
}

interface Found {
  span: ReadableSpanLike;
  time: HrTime;
  type: string;
  message: string;
  stacktrace: string | undefined;
  handled: boolean;
  key: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Whether the transaction of `root` answered a request with a server error. */
function serverFailed(root: ReadableSpanLike): boolean {
  if (root.kind !== SpanKind.SERVER) return false;
  const code = httpStatusCode(root.attributes);
  return code !== undefined && code >= 500 && code <= 599;
}

function isHandled(span: ReadableSpanLike, a: Attributes, failed: boolean): boolean {
  const escaped = a['exception.escaped'];
  if (escaped === true || escaped === 'true') return false;
  if (escaped === false || escaped === 'false') return true;
  return !(failed && span.kind !== SpanKind.CLIENT && FRAMEWORK_SCOPES.has(span.instrumentationScope?.name));
}

function collect(span: ReadableSpanLike, failed: boolean, out: Found[]): void {
  for (const event of span.events) {
    if (event.name !== 'exception') continue;
    const a = event.attributes ?? {};
    const type = str(a['exception.type']) ?? 'Error';
    const message = str(a['exception.message']) ?? '';
    const stacktrace = str(a['exception.stacktrace']);
    out.push({
      span,
      time: event.time,
      type,
      message,
      stacktrace,
      handled: isHandled(span, a, failed),
      // NUL cannot occur in an attribute a recorder wrote on purpose: a safe separator.
      key: `${type}\u0000${message}\u0000${stacktrace ?? ''}`,
    });
  }
}

/** Whether `span` has `exception` events (cheap check before collecting). */
export function hasExceptionEvents(span: ReadableSpanLike): boolean {
  for (const event of span.events) if (event.name === 'exception') return true;
  return false;
}

/**
 * The errors of one transaction (its root and the other spans of it, in any order), in the
 * order they were recorded on spans, one per distinct exception per ancestor chain.
 */
export function transactionExceptions(
  root: ReadableSpanLike,
  children: readonly ReadableSpanLike[],
): RecordedException[] {
  const failed = serverFailed(root);
  const found: Found[] = [];
  if (hasExceptionEvents(root)) collect(root, failed, found);
  for (const child of children) if (hasExceptionEvents(child)) collect(child, failed, found);
  if (found.length < 2) return found;
  return deduplicate(root, children, found);
}

/**
 * The errors of spans streamed without their transaction (`stream` and `otlp` modes): the
 * spans of one local root that one `export` call brought, `root` being that local root
 * (among `spans` or not: it may still be running). Same rules as
 * {@link transactionExceptions}, within what arrived together.
 */
export function streamedExceptions(root: ReadableSpanLike, spans: readonly ReadableSpanLike[]): RecordedException[] {
  const failed = serverFailed(root);
  const found: Found[] = [];
  const others: ReadableSpanLike[] = [];
  for (const span of spans) {
    if (span !== root) others.push(span);
    if (hasExceptionEvents(span)) collect(span, failed, found);
  }
  if (found.length < 2) return found;
  return deduplicate(root, others, found);
}

function deduplicate(root: ReadableSpanLike, children: readonly ReadableSpanLike[], found: Found[]): Found[] {
  const byKey = new Map<string, Found[]>();
  for (const f of found) {
    const list = byKey.get(f.key);
    if (list === undefined) byKey.set(f.key, [f]);
    else list.push(f);
  }
  if (byKey.size === found.length) return found;

  // Parent links within the transaction, by span id: enough to walk any ancestor chain.
  const parentOf = new Map<string, string | undefined>();
  parentOf.set(root.spanContext().spanId, undefined);
  for (const child of children) parentOf.set(child.spanContext().spanId, child.parentSpanContext?.spanId);
  // Both walks are bounded by the span count: colliding span ids cannot loop forever.
  const depthOf = (span: ReadableSpanLike): number => {
    let depth = 0;
    for (let id = parentOf.get(span.spanContext().spanId); id !== undefined && depth <= parentOf.size; depth++) {
      id = parentOf.get(id);
    }
    return depth;
  };
  const isAncestorOrSelf = (ancestor: ReadableSpanLike, of: ReadableSpanLike): boolean => {
    const target = ancestor.spanContext().spanId;
    let id: string | undefined = of.spanContext().spanId;
    for (let steps = 0; id !== undefined && steps <= parentOf.size; steps++) {
      if (id === target) return true;
      id = parentOf.get(id);
    }
    return false;
  };

  const dropped = new Set<Found>();
  for (const list of byKey.values()) {
    if (list.length < 2) continue;
    // Innermost first: each keeps the exceptions recorded on its ancestors.
    const ordered = list.map((f) => ({ f, depth: depthOf(f.span) })).sort((x, y) => y.depth - x.depth);
    const kept: Found[] = [];
    for (const { f } of ordered) {
      const inner = kept.find((k) => isAncestorOrSelf(f.span, k.span));
      if (inner === undefined) {
        kept.push(f);
        continue;
      }
      inner.handled &&= f.handled;
      dropped.add(f);
    }
  }
  return found.filter((f) => !dropped.has(f));
}
