import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { linkToLocalRoot } from '@otel-sentry/core';
import { describe, expect, it } from 'vitest';
import { Scrubber } from '../src/scrubber.js';
import { estimateSpanV2Bytes, streamedStatus, toSpanV2, typedAttribute } from '../src/span-v2.js';
import { provider } from './helpers/otel.js';

const ctx = {
  scrubber: new Scrubber({ sendDefaultPii: false }),
  release: 'app@1.0.0',
  environment: 'staging',
  sdk: { name: 'otel-sentry.javascript', version: '0.1.0' },
};

/** Ends the spans `build` makes and returns them as the SDK hands them to exporters. */
function spans(build: (tracer: ReturnType<typeof provider>['tracer']) => Span[]): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const { tracer } = provider(memory, { resource: { 'service.version': '9' } });
  for (const span of build(tracer)) span.end();
  return memory.getFinishedSpans();
}

function values(attributes: Record<string, { value: unknown }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v.value]));
}

describe('typedAttribute', () => {
  it('types values as Sentry SDK 11 does', () => {
    expect(typedAttribute('a')).toEqual({ type: 'string', value: 'a' });
    expect(typedAttribute(true)).toEqual({ type: 'boolean', value: true });
    expect(typedAttribute(3)).toEqual({ type: 'integer', value: 3 });
    expect(typedAttribute(1.5)).toEqual({ type: 'double', value: 1.5 });
    expect(typedAttribute(['a', 'b'])).toEqual({ type: 'array', value: ['a', 'b'] });
    expect(typedAttribute(Number.POSITIVE_INFINITY)).toEqual({ type: 'string', value: 'Infinity' });
    expect(typedAttribute(undefined)).toBeUndefined();
  });
});

describe('toSpanV2', () => {
  const [child, root] = spans((tracer) => {
    const server = tracer.startSpan('GET', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/users/:id',
        'url.path': '/users/7',
        'http.response.status_code': 200,
        'sentry.source': 'route',
        'http.request.header.authorization': 'Bearer secret',
      },
    });
    const db = tracer.startSpan(
      'query',
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT 1' } },
      trace.setSpan(context.active(), server),
    );
    linkToLocalRoot(db, server);
    return [db, server];
  }) as [ReadableSpan, ReadableSpan];

  it('maps a local root to a segment span with the top-level keys of SDK 11', () => {
    const v2 = toSpanV2(root, root, ctx);
    expect(Object.keys(JSON.parse(JSON.stringify(v2)))).toEqual([
      'name',
      'span_id',
      'trace_id',
      'start_timestamp',
      'end_timestamp',
      'is_segment',
      'status',
      'attributes',
    ]);
    expect(v2).toMatchObject({ name: 'GET /users/:id', is_segment: true, status: 'ok' });
    expect(v2.end_timestamp).toBeGreaterThanOrEqual(v2.start_timestamp);
    const a = values(v2.attributes);
    expect(a).toMatchObject({
      'sentry.op': 'http.server',
      'sentry.origin': 'manual',
      'sentry.kind': 'server',
      'sentry.segment.name': 'GET /users/:id',
      'sentry.segment.id': root.spanContext().spanId,
      'sentry.segment.name.source': 'route',
      'sentry.trace_lifecycle': 'stream',
      'sentry.release': 'app@1.0.0',
      'sentry.environment': 'staging',
      'sentry.sdk.name': 'otel-sentry.javascript',
      'resource.service.name': 'test-service',
      'resource.service.version': '9',
      'http.request.header.authorization': '[Filtered]',
    });
    // The deprecated name source is read, never sent.
    expect(a['sentry.source']).toBeUndefined();
    expect(v2.attributes['http.response.status_code']).toEqual({ type: 'integer', value: 200 });
  });

  it('maps a child with its parent and its segment, without the name source', () => {
    const v2 = toSpanV2(child, root, ctx);
    expect(v2.parent_span_id).toBe(root.spanContext().spanId);
    expect(v2.is_segment).toBe(false);
    expect(v2.name).toBe('SELECT 1');
    const a = values(v2.attributes);
    expect(a).toMatchObject({
      'sentry.op': 'db',
      'sentry.segment.name': 'GET /users/:id',
      'sentry.segment.id': root.spanContext().spanId,
    });
    expect(a['sentry.segment.name.source']).toBeUndefined();
    expect(a['resource.service.name']).toBeUndefined();
  });

  it('leaves sentry.op out of a span nothing describes, and segment attributes out when the segment is unknown', () => {
    const [manual] = spans((tracer) => [
      tracer.startSpan('work', { attributes: { 'sentry.custom_span_name': 'Work' } }),
    ]);
    const v2 = toSpanV2(manual!, undefined, ctx);
    expect(v2.name).toBe('Work');
    const a = values(v2.attributes);
    expect(a['sentry.op']).toBeUndefined();
    expect(a['sentry.custom_span_name']).toBeUndefined();
    expect(a['sentry.segment.id']).toBeUndefined();
    expect(a['sentry.origin']).toBe('manual');
  });

  it('has only ok and error statuses, cancelled counting as ok', () => {
    const [failed, cancelled, server500, unset404] = spans((tracer) => {
      const a = tracer.startSpan('a');
      a.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      const b = tracer.startSpan('b');
      b.setStatus({ code: SpanStatusCode.ERROR, message: 'cancelled' });
      const c = tracer.startSpan('c', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 503 } });
      const d = tracer.startSpan('d', { kind: SpanKind.CLIENT, attributes: { 'http.response.status_code': 404 } });
      return [a, b, c, d];
    }) as ReadableSpan[];
    expect(streamedStatus(failed!)).toBe('error');
    expect(toSpanV2(failed!, failed, ctx).attributes['sentry.status.message']).toEqual({
      type: 'string',
      value: 'card declined',
    });
    expect(streamedStatus(cancelled!)).toBe('ok');
    expect(streamedStatus(server500!)).toBe('error');
    expect(streamedStatus(unset404!)).toBe('ok');
  });

  it('carries links with typed attributes and estimates sizes generously', () => {
    const [linked] = spans((tracer) => [
      tracer.startSpan('linked', {
        links: [{ context: child.spanContext(), attributes: { 'link.kind': 'retry' } }],
      }),
    ]);
    const v2 = toSpanV2(linked!, linked, ctx);
    expect(v2.links).toEqual([
      {
        trace_id: child.spanContext().traceId,
        span_id: child.spanContext().spanId,
        sampled: true,
        attributes: { 'link.kind': { type: 'string', value: 'retry' } },
      },
    ]);
    expect(estimateSpanV2Bytes(v2)).toBeGreaterThan(JSON.stringify(v2).length);
  });
});
