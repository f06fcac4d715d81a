/**
 * A chain of real HTTP services on loopback, traced by the OpenTelemetry SDK with
 * `@opentelemetry/instrumentation-http`, propagating through `SentryPropagator` beside the
 * W3C propagators:
 *
 *   hop 0 ──▶ hop 1 ──▶ hop 2 ──▶ hop 3 ──▶ hop 4
 *
 * Hop 0 starts the trace (a client root span, or a server receiving a request with no trace
 * headers) and freezes the DSC at its first outgoing request. Hop 1 learns a replay id only
 * then, after the DSC froze. Every later hop must see one trace id, the same DSC bytes, and
 * that replay id.
 *
 * `SentrySpanProcessor` (in front of an in-memory exporter) links every span to its local
 * root, which is where the propagator freezes the DSC of a trace started here.
 */

import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { type Context, context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  suppressTracing,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createClient, dscFromBaggage, getReplayId, setReplayId } from '@otel-sentry/core';
import { SentryPropagator } from '@otel-sentry/propagator';
import { SentrySpanProcessor } from '@otel-sentry/span-processor';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpGet } from './support/http-get.js';

const HOPS = 5;
const REPLAY_ID = '6a2b1f0c9d8e4f7a8b3c2d1e0f9a8b7c';
const REQUEST_TIMEOUT_MS = 5_000;

type Received = Http.IncomingHttpHeaders;

const client = createClient({ env: false, dsn: 'https://abc@o1.ingest.sentry.io/1', release: 'shop@1.2.3' });
const exporter = new InMemorySpanExporter();
// Links every span to its local root in core's span side table, so a trace started here
// freezes one DSC on its root; whole transactions go to the in-memory exporter.
const processor = new SentrySpanProcessor({ exporter, client });
const provider = new BasicTracerProvider({ spanProcessors: [processor] });
const instrumentation = new HttpInstrumentation();
// The browser-style replay-id source of hop 1: set while hop 1 makes its call.
let currentReplayId: string | undefined;
let http: typeof Http;
const servers: Http.Server[] = [];
const ports: number[] = [];
const received: Received[][] = Array.from({ length: HOPS }, () => []);

function get(port: number, path: string, ctx: Context = context.active()): Promise<string> {
  return context.with(ctx, () => httpGet(http, port, path, REQUEST_TIMEOUT_MS));
}

async function handle(hop: number, req: Http.IncomingMessage, res: Http.ServerResponse): Promise<void> {
  received[hop]!.push(req.headers);
  const url = new URL(req.url ?? '/', 'http://hop');
  const mode = url.searchParams.get('replay');
  const calls = hop === 0 ? Number(url.searchParams.get('calls') ?? '1') : 1;
  if (hop + 1 < HOPS) {
    for (let i = 0; i < calls; i++) {
      if (hop === 1 && mode === 'context') {
        await get(ports[hop + 1]!, req.url ?? '/', setReplayId(context.active(), REPLAY_ID));
      } else if (hop === 1 && mode === 'source') {
        currentReplayId = REPLAY_ID;
        const pending = get(ports[hop + 1]!, req.url ?? '/');
        currentReplayId = undefined;
        await pending;
      } else {
        await get(ports[hop + 1]!, req.url ?? '/');
      }
    }
  }
  res.end(`hop ${hop} ok`);
}

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
        // Every hop shares this propagator. A replay-id source is the only word on the replay
        // id, so this one answers for the backends too: hop 1's recorder while it calls, else
        // the id in the context (set at hop 1, or arrived from upstream).
        new SentryPropagator({ client, getReplayId: (ctx) => currentReplayId ?? getReplayId(ctx) }),
      ],
    }),
  );
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: provider });
  // Required after the instrumentation is registered, so the module it hands out is patched.
  http = createRequire(import.meta.url)('http') as typeof Http;

  for (let hop = 0; hop < HOPS; hop++) {
    const server = http.createServer((req, res) => {
      handle(hop, req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports.push((server.address() as AddressInfo).port);
  }
});

afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  instrumentation.disable();
  await provider.shutdown();
  propagation.disable();
  trace.disable();
  context.disable();
});

beforeEach(async () => {
  // Whatever an earlier test left in the processor goes out before the reset.
  await provider.forceFlush();
  for (const list of received) list.length = 0;
  exporter.reset();
});

function traceIdOf(headers: Received): string | undefined {
  const value = headers['sentry-trace'];
  return typeof value === 'string' ? value.slice(0, 32) : undefined;
}

/** The `sentry-` members of a received baggage header without the replay id: the frozen DSC bytes. */
function dscBytes(headers: Received): string {
  return String(headers.baggage ?? '')
    .split(',')
    .filter((m) => m.startsWith('sentry-') && !m.startsWith('sentry-replay_id='))
    .join(',');
}

function replayIdOf(headers: Received): string | undefined {
  const member = String(headers.baggage ?? '')
    .split(',')
    .find((m) => m.startsWith('sentry-replay_id='));
  return member?.slice('sentry-replay_id='.length);
}

const EXPORT_WAIT_MS = 5_000;

/**
 * Flushes SentrySpanProcessor until every traced request (each hop's SERVER span) has reached
 * the exporter: a server span ends when its response closes, which may come just after the
 * caller read the response. Bounded by a deadline.
 */
async function flushServerSpans(): Promise<void> {
  const expected = received.flat().length;
  const deadline = Date.now() + EXPORT_WAIT_MS;
  for (;;) {
    await provider.forceFlush();
    const exported = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER).length;
    if (exported >= expected) return;
    if (Date.now() > deadline) throw new Error(`${exported} of ${expected} server spans exported`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}

async function expectOneTraceAcrossHops(traceId: string, fromHop: number): Promise<void> {
  const downstream = received.slice(fromHop).flat();
  expect(downstream.length).toBeGreaterThanOrEqual(HOPS - fromHop);
  for (const headers of downstream) expect(traceIdOf(headers)).toBe(traceId);

  // The DSC froze at hop 0 and went on byte for byte.
  const first = dscBytes(downstream[0]!);
  expect(dscFromBaggage(first)?.trace_id).toBe(traceId);
  for (const headers of downstream) expect(dscBytes(headers)).toBe(first);

  // The replay id appeared at hop 1, after the freeze, and reached the last hop.
  for (const headers of received[1]!) expect(replayIdOf(headers)).toBeUndefined();
  for (const headers of received.slice(2).flat()) expect(replayIdOf(headers)).toBe(REPLAY_ID);

  // instrumentation-http really traced every hop, in the same trace.
  await flushServerSpans();
  const serverSpans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
  expect(serverSpans.length).toBeGreaterThanOrEqual(HOPS - fromHop);
  for (const span of serverSpans) expect(span.spanContext().traceId).toBe(traceId);
}

describe('SentryPropagator across four hops of real HTTP services', () => {
  it.each(['context', 'source'])('a client root at hop 0; hop 1 adds the replay id through the %s', async (mode) => {
    const tracer = trace.getTracer('browser-like hop 0');
    const root = tracer.startSpan('checkout', {}, ROOT_CONTEXT);
    await get(ports[1]!, `/?replay=${mode}`, trace.setSpan(ROOT_CONTEXT, root));
    root.end();
    const traceId = root.spanContext().traceId;
    await expectOneTraceAcrossHops(traceId, 1);
    expect(dscFromBaggage(dscBytes(received[1]![0]!))).toMatchObject({
      transaction: 'checkout',
      release: 'shop@1.2.3',
      public_key: 'abc',
      org_id: '1',
      sampled: 'true',
    });
  });

  it.each(['context', 'source'])(
    'a server that started the trace at hop 0, calling twice; hop 1 adds the replay id through the %s',
    async (mode) => {
      // The test's own request carries no trace headers: hop 0 starts the trace.
      await get(ports[0]!, `/?replay=${mode}&calls=2`, suppressTracing(ROOT_CONTEXT));
      expect(received[0]).toHaveLength(1);
      expect(received[0]![0]!['sentry-trace']).toBeUndefined();
      const traceId = traceIdOf(received[1]![0]!)!;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(received[1]).toHaveLength(2);
      await expectOneTraceAcrossHops(traceId, 1);
      // Hop 0's server span is the local root the DSC froze on: an HTTP span without a
      // route has no good transaction name, so none is sent.
      expect(dscFromBaggage(dscBytes(received[1]![0]!))?.transaction).toBeUndefined();
    },
  );
});
