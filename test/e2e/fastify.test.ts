/**
 * A real fastify 5 app, traced by `@opentelemetry/instrumentation-http` and `@fastify/otel`
 * (registered as a plugin, as its README says), sending through the three plugins to a
 * loopback "Sentry". The same contract as the express test: exactly one transaction per
 * request (also under concurrency), fastify's spans nested in it, route names, status and
 * response, errors linked to their request and marked handled or not — and one error event
 * per error, although `@fastify/otel` records it on the handler span and on the request
 * span — no body, cookie or authorization header, and no OpenTelemetry diag error.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiResolvedThrough } from './support/api-copies.js';
import { browserTrace, send, until } from './support/browser.js';
import { type Downstream, startDownstream } from './support/downstream.js';
import { httpGet } from './support/http-get.js';
import { expectOneTransactionPerRequest } from './support/one-transaction-per-request.js';
import {
  errorsOf,
  leakedSecrets,
  type Payload,
  spanNamed,
  strayParents,
  transactionsOf,
} from './support/sentry-events.js';
import { HOST_ID, type ServiceTelemetry, startServiceTelemetry } from './support/service-telemetry.js';

let t: ServiceTelemetry;
let downstream: Downstream;
let app: FastifyInstance;
let port = 0;

beforeAll(async () => {
  const fastifyOtel = new FastifyOtelInstrumentation();
  t = await startServiceTelemetry({
    serviceName: 'fastify-shop',
    // @fastify/otel brings its own @opentelemetry/instrumentation; the contract is the same.
    instrumentations: [fastifyOtel as unknown as Instrumentation],
  });
  downstream = await startDownstream(t.http, t.untracedPorts);
  // Loaded after the HTTP instrumentation is registered: fastify's server is traced.
  const fastify = createRequire(import.meta.url)('fastify') as typeof import('fastify').default;
  const tracer = t.provider.getTracer('fastify-shop');

  app = fastify();
  await app.register(fastifyOtel.plugin());
  app.addHook('onRequest', async function requestId(_request, reply) {
    reply.header('x-request-id', 'r-1');
  });
  app.get<{ Params: { id: string } }>('/users/:id', async function getUser(request) {
    const stock = JSON.parse(await httpGet(t.http, downstream.port, `/inventory/${request.params.id}`, 5_000));
    return { id: request.params.id, stock };
  });
  app.post<{ Params: { id: string }; Body: { items: unknown[] } }>(
    '/users/:id/orders',
    async function placeOrder(request, reply) {
      reply.code(201);
      return { user: request.params.id, items: request.body.items.length };
    },
  );
  app.get('/boom/:id', async function boom() {
    throw new Error('fastify handler failed');
  });
  app.get('/sync-boom/:id', function syncBoom() {
    throw new TypeError('sync handler failed');
  });
  app.get('/handled/:id', async function handled(_request, reply) {
    // The app's own span, its own error: handled, although the answer is a 500.
    const span = tracer.startSpan('charge card');
    try {
      throw new Error('card declined');
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      reply.code(500);
      return { error: 'card declined' };
    } finally {
      span.end();
    }
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app?.close();
  await downstream?.close();
  await t?.shutdown();
});

/** Sends one browser request and returns its trace id, once its transaction has ended and been flushed. */
async function request(
  path: string,
  init: Parameters<typeof send>[2] = {},
): Promise<{ traceId: string; spanId: string; status: number }> {
  const browser = browserTrace();
  const answer = await send(port, path, { ...init, headers: { ...browser.headers, ...init.headers } });
  await until('the server transaction to end', () => t.serverTransactionEnds.includes(browser.traceId));
  await t.provider.forceFlush();
  await until('its transaction at the receiver', () => transactionsOf(t.receiver, browser.traceId).length > 0);
  return { traceId: browser.traceId, spanId: browser.spanId, status: answer.status };
}

/** The one transaction of a trace (fails when there are more). */
function onlyTransaction(traceId: string): Payload {
  const transactions = transactionsOf(t.receiver, traceId);
  expect(transactions.map((tx) => tx.transaction)).toHaveLength(1);
  return transactions[0]!;
}

/** @fastify/otel's request span: INTERNAL under the HTTP server span. */
function requestSpanOf(tx: Payload): Payload {
  const spans = (tx.spans as Payload[]).filter((s) => s.op === 'request_handler.fastify');
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

async function errorEvents(traceId: string): Promise<Payload[]> {
  return until('the error event', () => {
    const found = errorsOf(t.receiver, traceId);
    return found.length > 0 && found;
  });
}

describe('fastify 5 with @fastify/otel', () => {
  it('GET /users/:id through a hook and a downstream call: one transaction, fastify spans nested in it', async () => {
    const { traceId, spanId, status } = await request('/users/42?page=2');
    expect(status).toBe(200);
    const tx = onlyTransaction(traceId);
    expect(tx.transaction).toBe('GET /users/:id');
    expect(tx.transaction_info).toEqual({ source: 'route' });
    expect(tx.contexts.trace).toMatchObject({ op: 'http.server', status: 'ok', parent_span_id: spanId });
    expect(tx.contexts.response).toEqual({ status_code: 200 });
    expect(tx.contexts.otel.resource).toMatchObject({ 'service.name': 'fastify-shop', 'host.id': HOST_ID });

    expect(strayParents(tx)).toEqual([]);
    const requestSpan = requestSpanOf(tx);
    expect(requestSpan).toMatchObject({
      description: 'GET /users/:id',
      parent_span_id: tx.contexts.trace.span_id,
      status: 'ok',
    });
    const hook = spanNamed(tx, 'onRequest - requestId');
    const handler = spanNamed(tx, 'handler - getUser');
    expect(hook).toMatchObject({ op: 'hook.fastify', parent_span_id: requestSpan.span_id });
    expect(handler).toMatchObject({ op: 'request-handler.fastify', parent_span_id: requestSpan.span_id });
    const call = (tx.spans as Payload[]).find((s) => s.op === 'http.client');
    expect(call).toMatchObject({ parent_span_id: handler!.span_id });
    expect(call!.description).toBe(`GET http://127.0.0.1:${downstream.port}/inventory/42`);
    expect(downstream.requests.at(-1)!['sentry-trace']).toBe(`${traceId}-${call!.span_id}-1`);
    expect(errorsOf(t.receiver, traceId)).toEqual([]);
  });

  it('POST with a JSON body, a cookie and an authorization header: 201, and none of them leaves', async () => {
    const secrets = ['card-4111-secret-note', 'session=s3cr3t-cookie', 'Bearer tok-9f8e7d'];
    const { traceId, status } = await request('/users/7/orders', {
      method: 'POST',
      json: { items: [{ sku: 'A1' }], note: secrets[0] },
      headers: { cookie: secrets[1]!, authorization: secrets[2]! },
    });
    expect(status).toBe(201);
    const tx = onlyTransaction(traceId);
    expect(tx.transaction).toBe('POST /users/:id/orders');
    expect(tx.contexts.response).toEqual({ status_code: 201 });
    expect(leakedSecrets(t.receiver, [...secrets, 's3cr3t-cookie', 'tok-9f8e7d'])).toEqual([]);
  });

  it.each([
    ['a rejected async handler', '/boom/1', 'boom', 'Error', 'fastify handler failed'],
    ['a synchronous throw', '/sync-boom/1', 'syncBoom', 'TypeError', 'sync handler failed'],
  ])(
    '%s escapes to fastify: 500, one unhandled error (not two) on the handler span, with the request',
    async (_what, path, fn, type, message) => {
      const { traceId, status } = await request(`${path}?token=abc`);
      expect(status).toBe(500);
      const tx = onlyTransaction(traceId);
      const route = path.replace(/\/1$/, '/:id');
      expect(tx.transaction).toBe(`GET ${route}`);
      expect(tx.contexts.trace.status).toBe('internal_error');
      expect(tx.contexts.response).toEqual({ status_code: 500 });
      const handler = spanNamed(tx, `handler - ${fn}`);
      expect(handler?.status).toBe('internal_error');
      expect(requestSpanOf(tx).status).toBe('internal_error');

      const errors = await errorEvents(traceId);
      // Recorded twice by @fastify/otel (handler span and request span): one event.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(errorsOf(t.receiver, traceId)).toHaveLength(1);
      const error = errors[0]!;
      expect(error.exception.values[0]).toMatchObject({ type, value: message, mechanism: { handled: false } });
      expect(error.transaction).toBe(`GET ${route}`);
      expect(error.contexts.trace.span_id).toBe(handler!.span_id);
      expect(error.request).toEqual({
        method: 'GET',
        url: `http://127.0.0.1:${port}${path}`,
        query_string: 'token=%5BFiltered%5D',
      });
    },
  );

  it("an error the app records on its own span stays handled, although it answers 500, and links to the request's transaction", async () => {
    const { traceId, status } = await request('/handled/3');
    expect(status).toBe(500);
    const tx = onlyTransaction(traceId);
    expect(tx.transaction).toBe('GET /handled/:id');
    expect(tx.contexts.trace.status).toBe('internal_error');
    const charge = spanNamed(tx, 'charge card');
    const handler = spanNamed(tx, 'handler - handled');
    expect(charge).toMatchObject({ parent_span_id: handler!.span_id, status: 'internal_error' });

    const [error, ...more] = await errorEvents(traceId);
    expect(more).toEqual([]);
    expect(error!.exception.values[0]).toMatchObject({ value: 'card declined', mechanism: { handled: true } });
    expect(error!.transaction).toBe('GET /handled/:id');
    expect(error!.contexts.trace.span_id).toBe(charge!.span_id);
    expect(error!.request).toEqual({ method: 'GET', url: `http://127.0.0.1:${port}/handled/3` });
  });

  it('60 requests, 10 in flight: exactly one transaction per request, each whole, errors linked into it', async () => {
    await expectOneTransactionPerRequest(t, port, ['/users/1', '/boom/2', '/handled/3', '/sync-boom/4']);
  });

  it('runs on one @opentelemetry/api, whatever each instrumentation brings', () => {
    const copies = new Set([
      ...apiResolvedThrough(import.meta.url, ['@fastify/otel']),
      ...apiResolvedThrough(import.meta.url, ['@fastify/otel', '@opentelemetry/instrumentation']),
      ...apiResolvedThrough(import.meta.url, ['@opentelemetry/instrumentation-http']),
    ]);
    expect(copies.size).toBe(1);
  });

  it('logged no OpenTelemetry diag error, dropped nothing, and every envelope parsed', async () => {
    await t.provider.forceFlush();
    expect(t.diag.errors).toEqual([]);
    expect(t.receiver.errors).toEqual([]);
    expect(t.processor.takeDiscards()).toEqual([]);
    expect(t.exporter.pendingDiscards()).toEqual([]);
    expect(t.receiver.payloads('client_report')).toEqual([]);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
