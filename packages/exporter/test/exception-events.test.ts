import { context, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { FRAMEWORK_SCOPES, transactionExceptions } from '../src/exception-events.js';
import { provider } from './helpers/otel.js';

const memory = new InMemorySpanExporter();
const { provider: p } = provider(memory);
// Tracers named like the instrumentations whose spans they stand for: the scope name is what the rule reads.
const http = p.getTracer('@opentelemetry/instrumentation-http');
const express = p.getTracer('@opentelemetry/instrumentation-express');
const fastify = p.getTracer('@fastify/otel');
const app = p.getTracer('checkout-api');

afterEach(() => memory.reset());

function under(parent: Span): ReturnType<typeof context.active> {
  return trace.setSpan(context.active(), parent);
}

function serverSpan(status: number): Span {
  return http.startSpan('GET /users/:id', {
    kind: SpanKind.SERVER,
    attributes: { 'http.method': 'GET', 'http.route': '/users/:id', 'http.status_code': status },
  });
}

/** Ends `root` last and returns the transaction as the exporter gets it. */
function finish(root: Span): { root: ReadableSpan; children: ReadableSpan[] } {
  root.end();
  const spans = memory.getFinishedSpans();
  const rootSpan = spans.find((s) => s.spanContext().spanId === root.spanContext().spanId)!;
  return { root: rootSpan, children: spans.filter((s) => s !== rootSpan) };
}

function thrown(message: string): Error {
  return new Error(message);
}

function recordOn(tracer: Tracer, name: string, parent: Span, error: Error, kind = SpanKind.INTERNAL): Span {
  const span = tracer.startSpan(name, { kind }, under(parent));
  span.recordException(error);
  span.end();
  return span;
}

describe('handled or unhandled', () => {
  it('an exception the framework recorded in a request answered 5xx is unhandled', () => {
    const root = serverSpan(500);
    const handler = recordOn(express, 'request handler - /users/:id', root, thrown('boom'));
    const { root: r, children } = finish(root);
    const [error, ...rest] = transactionExceptions(r, children);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ type: 'Error', message: 'boom', handled: false });
    expect(error!.span.spanContext().spanId).toBe(handler.spanContext().spanId);
  });

  it('the same exception in a request answered 4xx is handled: the framework turned it into an answer', () => {
    const root = serverSpan(404);
    recordOn(express, 'request handler - /users/:id', root, thrown('no such user'));
    const { root: r, children } = finish(root);
    expect(transactionExceptions(r, children).map((e) => e.handled)).toEqual([true]);
  });

  it('an exception the app recorded on its own span stays handled, even when it answers 500', () => {
    const root = serverSpan(500);
    recordOn(app, 'charge card', root, thrown('card declined'));
    const { root: r, children } = finish(root);
    expect(transactionExceptions(r, children).map((e) => e.handled)).toEqual([true]);
  });

  it('exception.escaped decides when present, in either direction', () => {
    const root = serverSpan(200);
    const job = app.startSpan('job', {}, under(root));
    job.addEvent('exception', { 'exception.type': 'Fatal', 'exception.message': 'x', 'exception.escaped': true });
    job.end();
    const handler = express.startSpan('request handler', {}, under(root));
    handler.addEvent('exception', { 'exception.type': 'E', 'exception.message': 'y', 'exception.escaped': false });
    handler.end();
    const { root: r, children } = finish(root);
    expect(transactionExceptions(r, children).map((e) => [e.type, e.handled])).toEqual([
      ['Fatal', false],
      ['E', true],
    ]);
  });

  it('an outgoing call the HTTP instrumentation recorded as failed is handled unless it escaped', () => {
    const root = serverSpan(502);
    recordOn(http, 'GET', root, thrown('connect ECONNREFUSED'), SpanKind.CLIENT);
    const { root: r, children } = finish(root);
    expect(transactionExceptions(r, children).map((e) => e.handled)).toEqual([true]);
  });

  it('without a server root, only exception.escaped makes an exception unhandled', () => {
    const root = app.startSpan('nightly job');
    recordOn(express, 'layer', root, thrown('boom'));
    const { root: r, children } = finish(root);
    expect(transactionExceptions(r, children).map((e) => e.handled)).toEqual([true]);
  });

  it('names the web framework and HTTP server scopes it trusts', () => {
    expect(FRAMEWORK_SCOPES.has('@fastify/otel')).toBe(true);
    expect(FRAMEWORK_SCOPES.has('@opentelemetry/instrumentation-express')).toBe(true);
    expect(FRAMEWORK_SCOPES.has('@opentelemetry/instrumentation-pg')).toBe(false);
  });
});

describe('de-duplication along an ancestor chain', () => {
  it("@fastify/otel's two records of one error (handler span and request span) are one, on the handler span", () => {
    const root = serverSpan(500);
    const request = fastify.startSpan('request', {}, under(root));
    const error = thrown('boom');
    const handler = recordOn(fastify, 'handler - getUser', request, error);
    request.recordException(error);
    request.end();
    const { root: r, children } = finish(root);
    const errors = transactionExceptions(r, children);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.span.spanContext().spanId).toBe(handler.spanContext().spanId);
    expect(errors[0]!.handled).toBe(false);
  });

  it('the innermost keeps it, unhandled if any record is: a handled record below an escaping one', () => {
    const root = serverSpan(500);
    const handler = express.startSpan('request handler', {}, under(root));
    const error = thrown('db down');
    const query = recordOn(app, 'load user', handler, error);
    handler.recordException(error);
    handler.end();
    root.recordException(error);
    const { root: r, children } = finish(root);
    const errors = transactionExceptions(r, children);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.span.spanContext().spanId).toBe(query.spanContext().spanId);
    expect(errors[0]!.handled).toBe(false);
  });

  it('equal exceptions on spans of different branches stay apart', () => {
    const root = serverSpan(200);
    const error = thrown('timeout');
    recordOn(app, 'call a', root, error);
    recordOn(app, 'call b', root, error);
    const { root: r, children } = finish(root);
    expect(transactionExceptions(r, children)).toHaveLength(2);
  });

  it('different messages on one chain stay apart', () => {
    const root = serverSpan(500);
    recordOn(express, 'request handler', root, thrown('first'));
    root.recordException(thrown('second'));
    const { root: r, children } = finish(root);
    // The root's first, then its spans'.
    expect(transactionExceptions(r, children).map((e) => e.message)).toEqual(['second', 'first']);
  });
});
