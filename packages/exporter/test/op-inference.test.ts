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
  it('sentry.op and sentry.source win over inference', () => {
    expect(
      inferSpanDescription('GET', SpanKind.SERVER, {
        'http.request.method': 'GET',
        'url.path': '/x',
        'sentry.op': 'custom.op',
        'sentry.source': 'view',
      }),
    ).toEqual({ op: 'custom.op', name: 'GET /x', source: 'view' });
    expect(inferSpanDescription('a', SpanKind.INTERNAL, { 'sentry.source': 'bogus' })).toEqual({
      op: 'default',
      name: 'a',
      source: 'custom',
    });
  });

  it('sentry.custom_span_name names the span, source custom unless sentry.source says otherwise', () => {
    const server = { 'http.request.method': 'GET', 'http.route': '/users/:id' };
    expect(
      inferSpanDescription('GET /users/:id', SpanKind.SERVER, { ...server, 'sentry.custom_span_name': 'load user' }),
    ).toEqual({ op: 'http.server', name: 'load user', source: 'custom' });
    expect(
      inferSpanDescription('x', SpanKind.SERVER, {
        ...server,
        'sentry.custom_span_name': 'users page',
        'sentry.source': 'view',
      }),
    ).toEqual({ op: 'http.server', name: 'users page', source: 'view' });
    expect(
      inferSpanDescription('select', SpanKind.CLIENT, {
        'db.system': 'pg',
        'db.statement': 'SELECT * FROM users',
        'sentry.custom_span_name': 'load users',
      }),
    ).toEqual({ op: 'db', name: 'load users', source: 'custom' });
  });

  it("sentry.source custom keeps the span's own name instead of the route, URL or statement", () => {
    expect(
      inferSpanDescription('checkout', SpanKind.SERVER, {
        'http.request.method': 'POST',
        'http.route': '/cart/:id',
        'sentry.source': 'custom',
      }),
    ).toEqual({ op: 'http.server', name: 'checkout', source: 'custom' });
    expect(
      inferSpanDescription('load users', SpanKind.CLIENT, {
        'db.system.name': 'postgresql',
        'db.query.text': 'SELECT * FROM users WHERE id = $1',
        'sentry.source': 'custom',
      }),
    ).toEqual({ op: 'db', name: 'load users', source: 'custom' });
  });

  it("the invented sentry.name attribute is not read (Sentry's name is sentry.custom_span_name)", () => {
    expect(inferSpanDescription('a', SpanKind.INTERNAL, { 'sentry.name': 'B' }).name).toBe('a');
  });

  it('a client span with http.target and no URL is named METHOD path', () => {
    expect(
      inferSpanDescription('GET', SpanKind.CLIENT, { 'http.method': 'GET', 'http.target': '/inventory?sku=1' }),
    ).toEqual({ op: 'http.client', name: 'GET /inventory', source: 'url' });
    expect(
      inferSpanDescription('GET', SpanKind.CLIENT, {
        'http.method': 'GET',
        'http.target': '/inventory',
        'http.url': 'http://stock:8080/inventory?sku=1',
      }).name,
    ).toBe('GET http://stock:8080/inventory');
  });

  it('names drop credentials; the root path is a route', () => {
    expect(
      inferSpanDescription('GET', SpanKind.CLIENT, {
        'http.request.method': 'GET',
        'url.full': 'https://user:secret@api.example.com/v1/x?token=abc',
      }).name,
    ).toBe('GET https://api.example.com/v1/x');
    expect(inferSpanDescription('GET', SpanKind.SERVER, { 'http.request.method': 'GET', 'url.path': '/' })).toEqual({
      op: 'http.server',
      name: 'GET /',
      source: 'route',
    });
  });

  it("framework layers get the ops of Sentry's Express and Fastify integrations", () => {
    expect(
      inferSpanDescription('middleware - jsonParser', SpanKind.INTERNAL, {
        'express.type': 'middleware',
        'express.name': 'jsonParser',
        'http.route': '/',
      }),
    ).toEqual({ op: 'middleware.express', name: 'middleware - jsonParser', source: 'custom' });
    expect(
      inferSpanDescription('request handler - /users/:id', SpanKind.INTERNAL, {
        'express.type': 'request_handler',
        'http.route': '/users/:id',
      }).op,
    ).toBe('request_handler.express');
    expect(inferSpanDescription('handler - getUser', SpanKind.INTERNAL, { 'fastify.type': 'request-handler' }).op).toBe(
      'request-handler.fastify',
    );
    expect(
      inferSpanDescription('request', SpanKind.INTERNAL, {
        'fastify.root': '@fastify/otel',
        'http.request.method': 'GET',
        'http.route': '/users/:id',
        'url.path': '/users/42?q=1',
      }),
    ).toEqual({ op: 'request_handler.fastify', name: 'GET /users/:id', source: 'route' });
  });
});
