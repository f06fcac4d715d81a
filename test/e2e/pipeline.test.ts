/**
 * The three plugins wired together as a user would, through real OpenTelemetry SDK objects
 * and real loopback HTTP:
 *
 *   "browser" (fetch, Sentry SDK headers) ──▶ service ──▶ downstream
 *                                               │
 *                                               └─ SentrySpanProcessor ─ SentryEnvelopeExporter ──▶ "Sentry" sink
 *
 * The service is a `BasicTracerProvider` with `SentrySampler` and `SentrySpanProcessor`, an
 * `AsyncLocalStorageContextManager`, `SentryPropagator` beside `W3CTraceContextPropagator`,
 * and `@opentelemetry/instrumentation-http` creating its SERVER and CLIENT spans. The sink is
 * a plain HTTP server that records every envelope the exporter sends and parses it with the
 * real Sentry SDK's parser. The downstream service and the sink stand for other processes:
 * the instrumentation leaves their incoming requests untraced.
 */

import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { type Client, createClient, type Envelope } from '@otel-sentry/core';
import { SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { SentryPropagator } from '@otel-sentry/propagator';
import { getDetachReason, SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';
import {
  baggageHeaderToDynamicSamplingContext,
  dynamicSamplingContextToSentryBaggageHeader,
  generateSentryTraceHeader,
  parseEnvelope,
  uuid4,
} from '@sentry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet } from './support/http-get.js';

const WAIT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 5_000;
const ROUTE = '/checkout/:cartId';
const TRANSACTION = `GET ${ROUTE}`;

// ---------------------------------------------------------------- the "Sentry" sink

interface ReceivedEnvelope {
  readonly path: string;
  readonly auth: string;
  readonly gzip: boolean;
  readonly headers: Record<string, unknown>;
  readonly items: Array<{ readonly type: string; readonly payload: Record<string, unknown> }>;
}

const decoder = new TextDecoder();

/** Parses a request body with @sentry/core's parser; JSON payloads (given as bytes) are parsed too. */
function parseBody(body: Buffer): Pick<ReceivedEnvelope, 'headers' | 'items'> {
  const [headers, items] = parseEnvelope(new Uint8Array(body));
  return {
    headers: headers as Record<string, unknown>,
    items: items.map(([itemHeaders, payload]) => ({
      type: String((itemHeaders as { type: unknown }).type),
      payload: (payload instanceof Uint8Array ? JSON.parse(decoder.decode(payload)) : payload) as Record<
        string,
        unknown
      >,
    })),
  };
}

// ---------------------------------------------------------------- the pipeline

let http: typeof Http;
const servers: Http.Server[] = [];
/** Ports of the processes that are not traced here: the sink and the downstream service. */
const untracedPorts = new Set<number>();
const envelopes: ReceivedEnvelope[] = [];
const sinkErrors: unknown[] = [];
/** Headers of every request the downstream service received. */
const downstreamRequests: Http.IncomingHttpHeaders[] = [];

let sinkPort = 0;
let downstreamPort = 0;
let servicePort = 0;
let client: Client;
let propagator: SentryPropagator;
let sampler: SentrySampler;
let exporter: SentryEnvelopeExporter;
let processor: SentrySpanProcessor;
let provider: BasicTracerProvider;

const instrumentation = new HttpInstrumentation({
  ignoreIncomingRequestHook: (req) => untracedPorts.has(req.socket.localPort ?? -1),
});

interface HookCall {
  readonly name: string;
  readonly traceId: string | undefined;
  readonly spanId?: string | undefined;
  readonly kind?: SpanKind | undefined;
}
const hookCalls: HookCall[] = [];
const discarded: unknown[][] = [];
/** Spans the `/late` route started and left running, by trace id. */
const lateChildren = new Map<string, Span>();

function spanCall(name: string, span: { spanContext(): { traceId: string; spanId: string } }): HookCall {
  const { traceId, spanId } = span.spanContext();
  return { name, traceId, spanId, kind: (span as { kind?: SpanKind }).kind };
}

function envelopeCall(name: string, envelope: Envelope): HookCall {
  return { name, traceId: envelope.headers.trace?.trace_id };
}

async function listen(server: Http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** A GET through the instrumented `http` module, in the active context. */
function get(port: number, path: string): Promise<string> {
  return httpGet(http, port, path, REQUEST_TIMEOUT_MS);
}

/** The service's request handler, running in the context of its SERVER span. */
async function handle(req: Http.IncomingMessage, res: Http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://service');
  const span = trace.getActiveSpan();
  if (url.pathname.startsWith('/checkout/')) {
    // What a router does once it matched the request.
    span?.setAttribute('http.route', ROUTE);
    const calls = Number(url.searchParams.get('calls') ?? '1');
    for (let i = 0; i < calls; i++) await get(downstreamPort, '/inventory');
    const error = new Error('payment declined');
    span?.recordException(error);
    span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    res.statusCode = 500;
    res.end('payment declined');
    return;
  }
  if (url.pathname === '/late') {
    // Work that outlives the response: it ends after its root.
    const child = provider.getTracer('checkout-service').startSpan('send receipt');
    lateChildren.set(child.spanContext().traceId, child);
    res.end('accepted');
    return;
  }
  res.statusCode = 404;
  res.end();
}

beforeAll(async () => {
  registerInstrumentations({ instrumentations: [instrumentation] });
  // Loaded after the instrumentation is registered, so the module it hands out is patched.
  http = createRequire(import.meta.url)('http') as typeof Http;

  const sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const gzip = req.headers['content-encoding'] === 'gzip';
        const raw = Buffer.concat(chunks);
        envelopes.push({
          path: new URL(req.url ?? '/', 'http://sink').pathname,
          auth: String(req.headers['x-sentry-auth'] ?? ''),
          gzip,
          ...parseBody(gzip ? gunzipSync(raw) : raw),
        });
        res.end('{}');
      } catch (error) {
        sinkErrors.push(error);
        res.statusCode = 400;
        res.end();
      }
    });
  });
  sinkPort = await listen(sink);
  untracedPorts.add(sinkPort);

  const downstream = http.createServer((req, res) => {
    downstreamRequests.push(req.headers);
    res.end('in stock');
  });
  downstreamPort = await listen(downstream);
  untracedPorts.add(downstreamPort);

  const dsn = `http://publickey@127.0.0.1:${sinkPort}/42`;
  client = createClient({ dsn, release: 'checkout-api@2.0.0', environment: 'e2e', env: false });
  client.on('spanStart', (span) => hookCalls.push(spanCall('spanStart', span)));
  client.on('transactionStart', (span) => hookCalls.push(spanCall('transactionStart', span)));
  client.on('spanEnd', (span) => hookCalls.push(spanCall('spanEnd', span)));
  client.on('transactionEnd', (root) => hookCalls.push(spanCall('transactionEnd', root)));
  client.on('beforeEnvelope', (envelope) => hookCalls.push(envelopeCall('beforeEnvelope', envelope)));
  client.on('afterSendEnvelope', (envelope) => hookCalls.push(envelopeCall('afterSendEnvelope', envelope)));
  client.on('discardedEvent', (...args: unknown[]) => discarded.push(args));

  exporter = new SentryEnvelopeExporter({ dsn, client, compressionThreshold: 1024, env: false });
  processor = new SentrySpanProcessor({ exporter, client });
  sampler = new SentrySampler({ client });
  provider = new BasicTracerProvider({ sampler, spanProcessors: [processor] });
  propagator = new SentryPropagator({ client });

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), propagator] }),
  );
  instrumentation.setTracerProvider(provider);

  const service = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.statusCode = 599;
      res.end(String(error));
    });
  });
  servicePort = await listen(service);
});

afterAll(async () => {
  // Shut the pipeline down first: its last session and client report still go to the sink.
  await provider?.shutdown();
  instrumentation.disable();
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  propagation.disable();
  trace.disable();
  context.disable();
});

// ---------------------------------------------------------------- helpers

/** Polls `probe` until it returns something truthy, or fails after a deadline. */
async function until<T>(what: string, probe: () => T | undefined | null | false): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}

/** What a browser running a Sentry SDK sends: `sentry-trace` and the DSC (replay id included) in `baggage`. */
function browserHeaders(replayId: string): {
  traceId: string;
  spanId: string;
  headers: Record<string, string>;
  sentryBaggage: string;
} {
  const traceId = uuid4();
  const spanId = uuid4().slice(16);
  const sentryBaggage = dynamicSamplingContextToSentryBaggageHeader({
    trace_id: traceId,
    environment: 'production',
    release: 'shop-frontend@3.1.0',
    public_key: 'frontendkey',
    transaction: '/checkout/:cartId',
    replay_id: replayId,
    sample_rate: '1',
    sampled: 'true',
    sample_rand: '0.421337',
  })!;
  return {
    traceId,
    spanId,
    sentryBaggage,
    headers: {
      'sentry-trace': generateSentryTraceHeader(traceId, spanId, true),
      // A foreign member first: only the Sentry members are Sentry's to propagate.
      baggage: `other-vendor=abc,${sentryBaggage}`,
    },
  };
}

/** A request from the "browser" (fetch: not instrumented, as in a browser without OpenTelemetry). */
async function browserRequest(path: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${servicePort}${path}`, {
    headers,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The `sentry-` members of a baggage value, in order, without `sentry-replay_id`. */
function sentryMembers(baggage: unknown): string {
  return String(baggage ?? '')
    .split(',')
    .filter((m) => m.startsWith('sentry-') && !m.startsWith('sentry-replay_id='))
    .join(',');
}

function replayMember(baggage: unknown): string | undefined {
  return String(baggage ?? '')
    .split(',')
    .find((m) => m.startsWith('sentry-replay_id='));
}

function envelopesOf(traceId: string, type: string): ReceivedEnvelope[] {
  return envelopes.filter(
    (e) => (e.headers.trace as { trace_id?: string } | undefined)?.trace_id === traceId && e.items[0]?.type === type,
  );
}

function hooksOf(traceId: string): HookCall[] {
  return hookCalls.filter((c) => c.traceId === traceId);
}

/** Waits until the service's transaction of `traceId` ended, then flushes the pipeline. */
async function flushTrace(traceId: string, transactions = 1): Promise<void> {
  await until('the server transaction to end', () =>
    hooksOf(traceId).some((c) => c.name === 'transactionEnd' && c.kind === SpanKind.SERVER),
  );
  await provider.forceFlush();
  await until(
    `${transactions} transaction envelope(s)`,
    () => envelopesOf(traceId, 'transaction').length >= transactions,
  );
}

function payloadOf(envelope: ReceivedEnvelope | undefined): Record<string, unknown> {
  return envelope?.items[0]?.payload ?? {};
}

function contextOf(event: Record<string, unknown>, name: string): Record<string, unknown> {
  return ((event.contexts as Record<string, Record<string, unknown>> | undefined)?.[name] ?? {}) as Record<
    string,
    unknown
  >;
}

function expectNothingDropped(): void {
  expect(discarded).toEqual([]);
  expect(processor.takeDiscards()).toEqual([]);
  expect(sampler.takeDiscards()).toEqual([]);
  expect(exporter.pendingDiscards()).toEqual([]);
  expect(envelopes.filter((e) => e.items.some((i) => i.type === 'client_report'))).toEqual([]);
  expect(sinkErrors).toEqual([]);
}

// ---------------------------------------------------------------- tests

describe('SentryPropagator + SentrySpanProcessor + SentryEnvelopeExporter over real HTTP', () => {
  it('continues a browser trace with a replay id: transaction, error, trace header, downstream headers, hooks', async () => {
    expect(processor.client).toBe(client);
    expect(exporter.client).toBe(client);
    expect(propagator.client).toBe(client);

    const replayId = uuid4();
    const browser = browserHeaders(replayId);
    downstreamRequests.length = 0;
    expect(await browserRequest('/checkout/42', browser.headers)).toBe(500);
    await flushTrace(browser.traceId);
    const errorEnvelopes = await until('the error envelope', () => {
      const found = envelopesOf(browser.traceId, 'event');
      return found.length > 0 && found;
    });

    // One transaction: the SERVER span of instrumentation-http, its CLIENT span inside.
    const transactions = envelopesOf(browser.traceId, 'transaction');
    expect(transactions).toHaveLength(1);
    const txEnvelope = transactions[0]!;
    expect(txEnvelope.path).toBe('/api/42/envelope/');
    expect(txEnvelope.auth).toContain('sentry_key=publickey');
    const tx = payloadOf(txEnvelope);
    expect(tx.type).toBe('transaction');
    expect(tx.transaction).toBe(TRANSACTION);
    expect(tx.transaction_info).toEqual({ source: 'route' });
    expect(tx.release).toBe('checkout-api@2.0.0');
    expect(tx.environment).toBe('e2e');
    const txTrace = contextOf(tx, 'trace');
    expect(txTrace).toMatchObject({
      op: 'http.server',
      trace_id: browser.traceId,
      parent_span_id: browser.spanId,
      status: 'internal_error',
    });
    expect(contextOf(tx, 'replay')).toEqual({ replay_id: replayId });
    const serverSpanId = txTrace.span_id as string;
    expect(serverSpanId).toMatch(/^[0-9a-f]{16}$/);

    // The downstream request carried the trace on, from the CLIENT span, with the DSC bytes as they came.
    expect(downstreamRequests).toHaveLength(1);
    const sent = downstreamRequests[0]!;
    const sentTrace = String(sent['sentry-trace']);
    expect(sentTrace).toMatch(new RegExp(`^${browser.traceId}-[0-9a-f]{16}-1$`));
    const clientSpanId = sentTrace.slice(33, 49);
    expect(sentryMembers(sent.baggage)).toBe(sentryMembers(browser.headers.baggage));
    expect(sentryMembers(sent.baggage)).toBe(sentryMembers(browser.sentryBaggage));
    expect(replayMember(sent.baggage)).toBe(`sentry-replay_id=${replayId}`);
    expect(String(sent.baggage)).not.toContain('other-vendor');

    const spans = tx.spans as Array<Record<string, unknown>>;
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      op: 'http.client',
      span_id: clientSpanId,
      parent_span_id: serverSpanId,
      trace_id: browser.traceId,
    });
    expect(String(spans[0]!.description)).toContain(`127.0.0.1:${downstreamPort}/inventory`);

    // The envelope trace header: the frozen DSC that arrived, plus the replay id.
    const incomingDsc = baggageHeaderToDynamicSamplingContext(browser.headers.baggage);
    expect(incomingDsc?.replay_id).toBe(replayId);
    expect(txEnvelope.headers.trace).toEqual(incomingDsc);

    // The error: linked to the SERVER span, its transaction and the replay.
    expect(errorEnvelopes).toHaveLength(1);
    const errorEnvelope = errorEnvelopes[0]!;
    expect(errorEnvelope.headers.trace).toEqual(incomingDsc);
    const error = payloadOf(errorEnvelope);
    expect(errorEnvelope.headers.event_id).toBe(error.event_id);
    expect(error.level).toBe('error');
    expect(error.transaction).toBe(TRANSACTION);
    expect(contextOf(error, 'trace')).toMatchObject({ trace_id: browser.traceId, span_id: serverSpanId });
    expect(contextOf(error, 'replay')).toEqual({ replay_id: replayId });
    const exception = (error.exception as { values: Array<Record<string, unknown>> }).values[0]!;
    expect(exception).toMatchObject({ type: 'Error', value: 'payment declined' });
    expect((exception.stacktrace as { frames: unknown[] }).frames.length).toBeGreaterThan(0);

    // Hooks, in order, on the one client: both spans, then both envelopes.
    await until('both envelopes to be answered', () =>
      hooksOf(browser.traceId).filter((c) => c.name === 'afterSendEnvelope').length >= 2 ? true : undefined,
    );
    const calls = hooksOf(browser.traceId);
    expect(calls.map((c) => c.name)).toEqual([
      'spanStart',
      'transactionStart',
      'spanStart',
      'spanEnd',
      'spanEnd',
      'transactionEnd',
      'beforeEnvelope',
      'beforeEnvelope',
      'afterSendEnvelope',
      'afterSendEnvelope',
    ]);
    expect(calls.slice(0, 6).map((c) => [c.spanId, c.kind])).toEqual([
      [serverSpanId, SpanKind.SERVER],
      [serverSpanId, SpanKind.SERVER],
      [clientSpanId, SpanKind.CLIENT],
      [clientSpanId, SpanKind.CLIENT],
      [serverSpanId, SpanKind.SERVER],
      [serverSpanId, SpanKind.SERVER],
    ]);
    expectNothingDropped();
  });

  it('heads a new trace: the DSC frozen at the first outgoing request is the envelope trace header', async () => {
    downstreamRequests.length = 0;
    expect(await browserRequest('/checkout/7?calls=2')).toBe(500);
    expect(downstreamRequests).toHaveLength(2);
    const sent = downstreamRequests[0]!;
    const traceId = String(sent['sentry-trace']).slice(0, 32);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // Frozen at the first request: the second sends the same bytes.
    expect(String(downstreamRequests[1]!['sentry-trace']).slice(0, 32)).toBe(traceId);
    expect(downstreamRequests[1]!.baggage).toBe(sent.baggage);
    await flushTrace(traceId);

    const frozen = baggageHeaderToDynamicSamplingContext(sent.baggage);
    expect(frozen).toMatchObject({
      trace_id: traceId,
      public_key: 'publickey',
      release: 'checkout-api@2.0.0',
      environment: 'e2e',
      transaction: TRANSACTION,
      sampled: 'true',
      sample_rate: '1',
    });
    expect(frozen?.sample_rand).toMatch(/^0\.\d{6}$/);
    expect(replayMember(sent.baggage)).toBeUndefined();

    const transactions = envelopesOf(traceId, 'transaction');
    expect(transactions).toHaveLength(1);
    const txEnvelope = transactions[0]!;
    expect(txEnvelope.headers.trace).toEqual(frozen);
    const tx = payloadOf(txEnvelope);
    expect(tx.transaction).toBe(TRANSACTION);
    expect(contextOf(tx, 'trace')).toMatchObject({ op: 'http.server', trace_id: traceId });
    expect(contextOf(tx, 'trace').parent_span_id).toBeUndefined();
    expect((tx.spans as unknown[]).length).toBe(2);
    expect(contextOf(payloadOf(txEnvelope), 'replay')).toEqual({});
    const errorEnvelope = await until('the error envelope', () => envelopesOf(traceId, 'event')[0]);
    expect(errorEnvelope.headers.trace).toEqual(frozen);
    expectNothingDropped();
  });

  it('sends a child that ends after its root as a transaction of its own, dropping nothing', async () => {
    const replayId = uuid4();
    const browser = browserHeaders(replayId);
    expect(await browserRequest('/late', browser.headers)).toBe(200);
    await flushTrace(browser.traceId);
    const child = lateChildren.get(browser.traceId);
    expect(child).toBeDefined();
    const [rootEnvelope] = envelopesOf(browser.traceId, 'transaction');
    const root = payloadOf(rootEnvelope);
    expect(root.spans).toEqual([]);

    child!.end();
    expect(getDetachReason(child!)).toBe('late');
    await provider.forceFlush();
    await until('the late child as a transaction', () => envelopesOf(browser.traceId, 'transaction').length >= 2);

    const transactions = envelopesOf(browser.traceId, 'transaction');
    expect(transactions).toHaveLength(2);
    const late = payloadOf(transactions[1]);
    expect(late.transaction).toBe('send receipt');
    expect(late.spans).toEqual([]);
    expect(contextOf(late, 'trace')).toMatchObject({
      trace_id: browser.traceId,
      span_id: child!.spanContext().spanId,
      parent_span_id: contextOf(root, 'trace').span_id,
    });
    expect(contextOf(late, 'replay')).toEqual({ replay_id: replayId });
    // The same trace, the same DSC: both envelopes carry one trace header.
    expect(transactions[1]!.headers.trace).toEqual(baggageHeaderToDynamicSamplingContext(browser.headers.baggage));
    expect(transactions[1]!.headers.trace).toEqual(rootEnvelope!.headers.trace);
    expect(hooksOf(browser.traceId).filter((c) => c.name === 'transactionEnd')).toHaveLength(2);
    expectNothingDropped();
  });

  it('received every envelope intact, gzip-encoded above the threshold', () => {
    expect(sinkErrors).toEqual([]);
    expect(envelopes.length).toBeGreaterThan(0);
    for (const e of envelopes) expect(e.path).toBe('/api/42/envelope/');
    expect(envelopes.some((e) => e.gzip)).toBe(true);
  });
});
