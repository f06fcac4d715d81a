/**
 * `spans: 'otlp'` from an express 5 service traced by OpenTelemetry with the three plugins:
 * spans of many traces share OTLP/HTTP requests to Sentry's OTLP endpoint of the DSN (exact
 * path, exact `x-sentry-auth`); errors still arrive as envelopes linked to the replay; and
 * with the endpoint failing for a while, every span produced is either delivered or
 * reported in a client report.
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTrace, runConcurrently, send } from './support/browser.js';
import type { ReceivedOtlp } from './support/sentry-receiver.js';
import { type ServiceTelemetry, startServiceTelemetry } from './support/service-telemetry.js';

const REPLAY_ID = '6a2b1f0c9d8e4f7a8b3c2d1e0f9a8b7c';

let t: ServiceTelemetry;
let server: Http.Server;
let port = 0;
/** Sampled spans that ended in the service. */
let produced = 0;

beforeAll(async () => {
  t = await startServiceTelemetry({
    serviceName: 'ours-otlp',
    instrumentations: [new ExpressInstrumentation()],
    exporter: { spans: 'otlp', maxRetries: 1, retryInitialDelayMillis: 10, retryMaxDelayMillis: 20 },
  });
  t.client.on('spanEnd', (span) => {
    if ((span.spanContext().traceFlags & 1) === 1) produced++;
  });
  const express = createRequire(import.meta.url)('express') as typeof import('express');
  const app = express();
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.get('/boom/:id', () => {
    throw new Error('express handler failed');
  });
  server = t.http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.shutdown();
});

function spansIn(requests: readonly ReceivedOtlp[]): Array<Record<string, unknown>> {
  return requests.flatMap((r) =>
    (r.body.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])),
  );
}

/** Spans the client reports say were dropped. */
function reportedSpans(): number {
  let n = 0;
  for (const report of t.receiver.payloads('client_report')) {
    for (const d of report.discarded_events as Array<{ category: string; quantity: number }>) {
      if (d.category === 'span') n += d.quantity;
    }
  }
  return n;
}

async function flush(): Promise<void> {
  await t.provider.forceFlush();
}

describe("spans: 'otlp' end to end", () => {
  it('sends spans of 25 traces in fewer requests than traces, on the exact path with the exact auth header', async () => {
    expect(t.exporter.spans).toBe('otlp');
    expect(t.processor.spans).toBe('otlp');
    const before = t.receiver.otlp.length;
    const traces = Array.from({ length: 25 }, () => browserTrace());
    await runConcurrently(traces.length, 5, (i) => send(port, `/users/${i}`, { headers: traces[i]!.headers }));
    await flush();
    const posts = t.receiver.otlp.slice(before);
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.length).toBeLessThan(traces.length);
    for (const post of posts) {
      expect(post.path).toBe('/api/42/integration/otlp/v1/traces');
      expect(post.headers['x-sentry-auth']).toBe('sentry sentry_key=publickey');
      expect(post.headers['content-type']).toBe('application/json');
    }
    const traceIds = new Set(spansIn(posts).map((s) => s.traceId));
    for (const trace of traces) expect(traceIds.has(trace.traceId)).toBe(true);
    // The server span of each request says its segment, release and environment.
    const server = spansIn(posts).find((s) => s.kind === 2)!;
    const attributes = Object.fromEntries(
      (server.attributes as Array<{ key: string; value: { stringValue?: string } }>).map((a) => [
        a.key,
        a.value.stringValue,
      ]),
    );
    expect(attributes).toMatchObject({
      'sentry.segment.id': server.spanId,
      'sentry.segment.name': 'GET /users/:id',
      'sentry.segment.name.source': 'route',
      'sentry.release': 'ours-otlp@1.0.0',
      'sentry.environment': 'e2e',
    });
  });

  it('sends errors as envelopes with the trace header and linked to the replay', async () => {
    const browser = browserTrace();
    const headers = { ...browser.headers, baggage: `${browser.headers.baggage},sentry-replay_id=${REPLAY_ID}` };
    expect((await send(port, '/boom/1', { headers })).status).toBe(500);
    await flush();
    const envelope = t.receiver.envelopes.find((e) =>
      e.items.some(
        (i) =>
          i.type === 'event' &&
          (i.payload.contexts as { trace?: { trace_id?: string } }).trace?.trace_id === browser.traceId,
      ),
    );
    expect(envelope).toBeDefined();
    expect(envelope!.headers.trace).toMatchObject({
      trace_id: browser.traceId,
      public_key: 'frontendkey',
      replay_id: REPLAY_ID,
    });
    const event = envelope!.items.find((i) => i.type === 'event')!.payload;
    expect(event.contexts).toMatchObject({ replay: { replay_id: REPLAY_ID } });
    expect(event.exception).toMatchObject({
      values: [{ value: 'express handler failed', mechanism: { handled: false } }],
    });
    // Its spans went over OTLP, the replay id beside them.
    const spans = spansIn(t.receiver.otlp).filter((s) => s.traceId === browser.traceId);
    expect(spans.length).toBeGreaterThan(0);
    const replay = (spans[0]!.attributes as Array<{ key: string; value: { stringValue?: string } }>).find(
      (a) => a.key === 'sentry.replay_id',
    );
    expect(replay?.value.stringValue).toBe(REPLAY_ID);
  });

  it('with the endpoint failing for a while, delivered + reported = produced', async () => {
    await flush();
    await t.exporter.forceFlush();
    const producedBefore = produced;
    const deliveredBefore = spansIn(t.receiver.otlp.filter((r) => r.status === 200)).length;
    const reportedBefore = reportedSpans();
    const failUntil = t.receiver.otlp.length + 6;
    t.receiver.otlpStatus = (n) => (n < failUntil ? 503 : 200);
    for (let round = 0; round < 4; round++) {
      await runConcurrently(10, 5, (i) => send(port, `/users/${round}-${i}`, { headers: browserTrace().headers }));
      await flush();
    }
    t.receiver.otlpStatus = () => 200;
    await t.exporter.forceFlush();
    const delivered = spansIn(t.receiver.otlp.filter((r) => r.status === 200)).length - deliveredBefore;
    const reported = reportedSpans() - reportedBefore;
    const madeHere = produced - producedBefore;
    expect(t.receiver.otlp.some((r) => r.status === 503)).toBe(true);
    expect(reported).toBeGreaterThan(0);
    expect(delivered + reported).toBe(madeHere);
  });
});
