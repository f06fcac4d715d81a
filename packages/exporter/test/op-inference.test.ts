import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { inferSpanDescription } from '../src/op-inference.js';

describe('inferSpanDescription', () => {
  it('http server with a route: METHOD route, source route', () => {
    expect(
      inferSpanDescription('GET', SpanKind.SERVER, { 'http.request.method': 'GET', 'http.route': '/users/:id' }),
    ).toEqual({
      op: 'http.server',
      name: 'GET /users/:id',
      source: 'route',
    });
  });
  it('http server without a route: METHOD path without query, source url', () => {
    expect(
      inferSpanDescription('GET', SpanKind.SERVER, { 'http.method': 'POST', 'http.target': '/a/b?x=1#f' }),
    ).toEqual({
      op: 'http.server',
      name: 'POST /a/b',
      source: 'url',
    });
  });
  it('http client uses the full URL', () => {
    const d = inferSpanDescription('GET', SpanKind.CLIENT, {
      'http.request.method': 'GET',
      'url.full': 'https://x.io/p?q=1',
    });
    expect(d).toEqual({ op: 'http.client', name: 'GET https://x.io/p', source: 'url' });
  });
  it('db, rpc, messaging, faas, graphql', () => {
    expect(inferSpanDescription('q', SpanKind.CLIENT, { 'db.system': 'mysql', 'db.statement': 'SELECT 1' })).toEqual({
      op: 'db',
      name: 'SELECT 1',
      source: 'task',
    });
    expect(inferSpanDescription('q', SpanKind.CLIENT, { 'db.system.name': 'redis' }).op).toBe('db');
    expect(inferSpanDescription('svc/M', SpanKind.SERVER, { 'rpc.service': 'svc' })).toEqual({
      op: 'rpc',
      name: 'svc/M',
      source: 'route',
    });
    expect(inferSpanDescription('q send', SpanKind.PRODUCER, { 'messaging.system': 'kafka' }).op).toBe('message');
    expect(inferSpanDescription('fn', SpanKind.SERVER, { 'faas.trigger': 'timer' }).op).toBe('timer');
    expect(
      inferSpanDescription('gql', SpanKind.INTERNAL, {
        'graphql.operation.type': 'query',
        'graphql.operation.name': 'Me',
      }),
    ).toEqual({ op: 'graphql.query', name: 'query Me', source: 'route' });
  });
  it('falls back to the span name, source custom', () => {
    expect(inferSpanDescription('work', SpanKind.INTERNAL, {})).toEqual({
      op: 'default',
      name: 'work',
      source: 'custom',
    });
  });
  it('sentry.op, sentry.source and sentry.name win', () => {
    expect(
      inferSpanDescription('GET', SpanKind.SERVER, {
        'http.request.method': 'GET',
        'url.path': '/x',
        'sentry.op': 'custom.op',
        'sentry.source': 'view',
      }),
    ).toEqual({ op: 'custom.op', name: 'GET /x', source: 'view' });
    expect(inferSpanDescription('a', SpanKind.INTERNAL, { 'sentry.source': 'bogus', 'sentry.name': 'B' })).toEqual({
      op: 'default',
      name: 'B',
      source: 'custom',
    });
  });
});
