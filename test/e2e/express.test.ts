/**
 * A real express 5 app, traced by `@opentelemetry/instrumentation-http` and
 * `@opentelemetry/instrumentation-express`, sending through the three plugins to a loopback
 * "Sentry". What Sentry must get: exactly one transaction per request (also under
 * concurrency), framework spans nested in it, route names, status and response, errors
 * linked to their request and marked handled or not, and no body, cookie or authorization
 * header — with no OpenTelemetry diag error logged.
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiResolvedThrough } from './support/api-copies.js';
import { browserTrace, send, until } from './support/browser.js';
import { type Downstream, startDownstream } from './support/downstream.js';
import { httpGet } from './support/http-get.js';
import { expectOneTransactionPerRequest } from './support/one-transaction-per-request.js';
import {
  errorsOf,
  isSpanOf,
  leakedSecrets,
  type Payload,
  spanNamed,
  strayParents,
  transactionsOf,
} from './support/sentry-events.js';
import { HOST_ID, type ServiceTelemetry, startServiceTelemetry } from './support/service-telemetry.js';

let t: ServiceTelemetry;
let downstream: Downstream;
let server: Http.Server;
let port = 0;

beforeAll(async () => {
  t = await startServiceTelemetry({ serviceName: 'express-shop', instrumentations: [new ExpressInstrumentation()] });
  downstream = await startDownstream(t.http, t.untracedPorts);
  // Loaded after the instrumentation is registered, so the router it uses is patched.
  const express = createRequire(import.meta.url)('express') as typeof import('express');
  const tracer = t.provider.getTracer('express-shop');

  const app = express();
  app.use(express.json());
  app.use(function requestId(_req, res, next) {
    res.setHeader('x-request-id', 'r-1');
    next();
  });
  app.get('/users/:id', async (req, res) => {
    const stock = JSON.parse(await httpGet(t.http, downstream.port, `/inventory/${req.params.id}`, 5_000));
    res.json({ id: req.params.id, stock });
  });
  app.post('/users/:id/orders', (req, res) => {
    res.status(201).json({ user: req.params.id, items: (req.body as { items: unknown[] }).items.length });
  });
  app.get('/boom/:id', () => {
    throw new Error('express handler failed');
  });
  app.get('/async-boom/:id', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    throw new TypeError('async handler failed');
  });
  app.get('/handled/:id', (_req, res) => {
    // The app's own span, its own error: handled, although the answer is a 500.
    const span = tracer.startSpan('charge card');
    try {
      throw new Error('card declined');
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      res.status(500).json({ error: 'card declined' });
    } finally {
      span.end();
    }
  });

  server = t.http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
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

/** The span of the route's request handler (instrumentation-express names it `request handler`, with `http.route`). */
function handlerOf(tx: Payload): Payload | undefined {
  const handlers = (tx.spans as Payload[]).filter((s) => s.op === 'request_handler.express');
  expect(handlers).toHaveLength(1);
  expect(handlers[0]!.data['http.route']).toBe(tx.transaction.slice(tx.transaction.indexOf(' ') + 1));
  return handlers[0];
}

describe('express 5 with @opentelemetry/instrumentation-express', () => {
  it('GET /users/:id through a middleware and a downstream call: one transaction, framework spans nested in it', async () => {
    const { traceId, spanId, status } = await request('/users/42?page=2');
    expect(status).toBe(200);
    const tx = onlyTransaction(traceId);
    expect(tx.transaction).toBe('GET /users/:id');
    expect(tx.transaction_info).toEqual({ source: 'route' });
    expect(tx.contexts.trace).toMatchObject({ op: 'http.server', status: 'ok', parent_span_id: spanId });
    expect(tx.contexts.response).toEqual({ status_code: 200 });
    // The async detector's attribute made it: the resource settled before it was read.
    expect(tx.contexts.otel.resource).toMatchObject({ 'service.name': 'express-shop', 'host.id': HOST_ID });

    expect(strayParents(tx)).toEqual([]);
    const rootId = tx.contexts.trace.span_id;
    const json = spanNamed(tx, 'middleware - jsonParser');
    const mine = spanNamed(tx, 'middleware - requestId');
    const handler = handlerOf(tx);
    expect(json).toMatchObject({ op: 'middleware.express', parent_span_id: rootId });
    expect(mine).toMatchObject({ op: 'middleware.express', parent_span_id: rootId });
    expect(handler).toMatchObject({ op: 'request_handler.express', parent_span_id: rootId, status: 'ok' });
    const call = (tx.spans as Payload[]).find((s) => s.op === 'http.client');
    expect(call).toMatchObject({ parent_span_id: handler!.span_id });
    expect(call!.description).toBe(`GET http://127.0.0.1:${downstream.port}/inventory/42`);
    // The downstream call carried the trace on, from the client span.
    const sent = downstream.requests.at(-1)!;
    expect(sent['sentry-trace']).toBe(`${traceId}-${call!.span_id}-1`);
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
    expect(tx.contexts.trace.status).toBe('ok');
    expect(leakedSecrets(t.receiver, [...secrets, 's3cr3t-cookie', 'tok-9f8e7d'])).toEqual([]);
  });

  it.each([
    ['a synchronous throw', '/boom/1', 'Error', 'express handler failed'],
    ['a rejected async handler', '/async-boom/1', 'TypeError', 'async handler failed'],
  ])(
    '%s escapes to express: 500, internal_error, one unhandled error on the handler span, with the request',
    async (_what, path, type, message) => {
      const { traceId, status } = await request(`${path}?token=abc`);
      expect(status).toBe(500);
      const tx = onlyTransaction(traceId);
      const route = path.replace(/\/1$/, '/:id');
      expect(tx.transaction).toBe(`GET ${route}`);
      expect(tx.contexts.trace.status).toBe('internal_error');
      expect(tx.contexts.response).toEqual({ status_code: 500 });
      const handler = handlerOf(tx);
      expect(handler?.status).toBe('internal_error');

      const errors = await until('the error event', () => {
        const found = errorsOf(t.receiver, traceId);
        return found.length > 0 && found;
      });
      expect(errors).toHaveLength(1);
      const error = errors[0]!;
      expect(error.level).toBe('error');
      expect(error.exception.values[0]).toMatchObject({ type, value: message, mechanism: { handled: false } });
      expect(error.exception.values[0].stacktrace.frames.length).toBeGreaterThan(0);
      expect(error.transaction).toBe(`GET ${route}`);
      expect(error.contexts.trace.span_id).toBe(handler!.span_id);
      expect(isSpanOf(tx, error.contexts.trace.span_id)).toBe(true);
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
    const handler = handlerOf(tx);
    expect(charge).toMatchObject({ parent_span_id: handler!.span_id, status: 'internal_error' });

    const [error, ...more] = await until('the error event', () => {
      const found = errorsOf(t.receiver, traceId);
      return found.length > 0 && found;
    });
    expect(more).toEqual([]);
    expect(error!.exception.values[0]).toMatchObject({ value: 'card declined', mechanism: { handled: true } });
    expect(error!.transaction).toBe('GET /handled/:id');
    expect(error!.contexts.trace.span_id).toBe(charge!.span_id);
    expect(error!.request).toEqual({ method: 'GET', url: `http://127.0.0.1:${port}/handled/3` });
  });

  it('60 requests, 10 in flight: exactly one transaction per request, each whole, errors linked into it', async () => {
    await expectOneTransactionPerRequest(t, port, ['/users/1', '/boom/2', '/handled/3', '/async-boom/4']);
  });

  it('runs on one @opentelemetry/api, whatever each instrumentation brings', () => {
    const copies = new Set([
      ...apiResolvedThrough(import.meta.url, ['@opentelemetry/instrumentation-express']),
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
