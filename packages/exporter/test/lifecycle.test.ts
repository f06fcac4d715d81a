/**
 * Time-driven behaviour, with fake timers: orphan expiry, periodic client reports, session
 * aggregates, retry backoff; and checkConnection, the file outbox.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { parseEnvelope } from '@sentry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EnvelopeTransport, SentryEnvelopeExporter, type TransportRequest } from '../src/index.js';
import { backoffDelay } from '../src/retry.js';
import { provider, serverTransaction } from './helpers/otel.js';
import { envelopeOf, itemsOf, type Sink, startSink } from './helpers/sink.js';

/** An in-memory transport: records bodies, answers what it is told. */
class MemoryTransport implements EnvelopeTransport {
  bodies: Array<string | Uint8Array> = [];
  answer: (n: number) => Promise<{ statusCode: number }> = async () => ({ statusCode: 200 });
  send(request: TransportRequest) {
    this.bodies.push(request.body);
    return this.answer(this.bodies.length - 1);
  }
  items(type: string): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const body of this.bodies) {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      const [, items] = envelopeOf(bytes);
      for (const [h, p] of items) if ((h as { type: string }).type === type) out.push(p as Record<string, unknown>);
    }
    return out;
  }
}

let sink: Sink;
beforeAll(async () => {
  sink = await startSink();
});
afterAll(async () => {
  await sink.close();
});
afterEach(() => {
  vi.useRealTimers();
  sink.reset();
});

describe('with fake timers', () => {
  it('children from an earlier BatchSpanProcessor batch join their root; stragglers go out as orphans after the timeout', async () => {
    const transport = new MemoryTransport();
    const exporter = new SentryEnvelopeExporter({ transport, env: false, sessionMode: false, orphanTimeoutMillis: 50 });
    const { provider: p, tracer } = provider(exporter, { batch: { maxExportBatchSize: 2, scheduledDelayMillis: 1 } });
    const root = tracer.startSpan('root');
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < 5; i++) tracer.startSpan(`c${i}`, {}, ctx).end();
    await p.forceFlush(); // children exported, root still running
    root.end();
    await p.forceFlush();
    await exporter.forceFlush();
    expect(transport.items('transaction').map((t) => (t.spans as unknown[]).length)).toEqual([5]);

    const orphanRoot = tracer.startSpan('never-ends');
    tracer.startSpan('orphan', {}, trace.setSpan(context.active(), orphanRoot)).end();
    await p.forceFlush();
    expect(transport.items('transaction')).toHaveLength(1); // still waiting for its root
    await new Promise((r) => setTimeout(r, 150));
    await exporter.forceFlush();
    const names = transport.items('transaction').map((t) => t.transaction);
    expect(names).toEqual(['root', 'orphan']);
    expect(exporter.pendingDiscards()).toEqual([]);
    await exporter.shutdown();
  });

  it('sends client reports periodically', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const transport = new MemoryTransport();
    const exporter = new SentryEnvelopeExporter({
      transport,
      env: false,
      sessionMode: false,
      clientReportIntervalMillis: 10_000,
    });
    exporter.recordDroppedEvent('sample_rate', 'transaction', 2);
    vi.advanceTimersByTime(9_999);
    expect(transport.bodies).toHaveLength(0);
    vi.advanceTimersByTime(1);
    await vi.waitFor(() => expect(transport.items('client_report')).toHaveLength(1));
    vi.advanceTimersByTime(10_000); // nothing new: nothing sent
    await exporter.forceFlush();
    expect(transport.items('client_report')).toHaveLength(1);
    vi.useRealTimers();
    await exporter.shutdown();
  });

  it('server mode: a session at start, per-minute aggregates of server roots every 60 s, exited at shutdown', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const transport = new MemoryTransport();
    const exporter = new SentryEnvelopeExporter({ transport, env: false, release: 'srv@1', environment: 'prod' });
    const { provider: p, tracer } = provider(exporter);
    serverTransaction(tracer, 0);
    serverTransaction(tracer, 0);
    serverTransaction(tracer, 0, { error: new Error('x') });
    const failing = tracer.startSpan('GET', { kind: SpanKind.SERVER });
    failing.recordException(new Error('crash'), undefined);
    failing.addEvent('exception', { 'exception.type': 'Fatal', 'exception.escaped': true });
    failing.end();
    tracer.startSpan('internal job').end(); // not a server span
    await p.forceFlush();
    vi.advanceTimersByTime(60_000);
    await exporter.forceFlush();
    const aggregates = transport.items('sessions');
    expect(aggregates).toHaveLength(1);
    const totals = { exited: 0, errored: 0, crashed: 0 };
    for (const a of aggregates[0]!.aggregates as Array<Partial<typeof totals>>) {
      totals.exited += a.exited ?? 0;
      totals.errored += a.errored ?? 0;
      totals.crashed += a.crashed ?? 0;
    }
    expect(totals).toEqual({ exited: 2, errored: 1, crashed: 1 });
    expect(aggregates[0]!.attrs).toEqual({ release: 'srv@1', environment: 'prod' });
    vi.useRealTimers();
    await exporter.shutdown();
    const sessions = transport.items('session');
    expect(sessions.map((s) => [s.init, s.status])).toEqual([
      [true, 'ok'],
      [false, 'exited'],
    ]);
    expect(sessions[1]!.errors).toBe(3);
    expect(sessions[0]!.sid).toBe(sessions[1]!.sid);
  });

  it('backs off 1 s × 1.5 with ±20 % jitter, capped at 5 s', async () => {
    expect(backoffDelay(0, undefined, () => 0.5)).toBe(1000);
    expect(backoffDelay(1, undefined, () => 0.5)).toBe(1500);
    expect(backoffDelay(10, undefined, () => 0.5)).toBe(5000);
    expect(backoffDelay(0, undefined, () => 0)).toBe(800);
    expect(backoffDelay(0, undefined, () => 0.999999)).toBe(1200);

    const transport = new MemoryTransport();
    transport.answer = async (n) => {
      if (n < 2) throw new TypeError('fetch failed');
      return { statusCode: 200 };
    };
    const exporter = new SentryEnvelopeExporter({ transport, env: false, sessionMode: false });
    const { tracer } = provider(exporter);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    serverTransaction(tracer, 0); // SimpleSpanProcessor exports on end
    await vi.advanceTimersByTimeAsync(700);
    expect(transport.bodies).toHaveLength(1); // first retry not before 800 ms
    await vi.advanceTimersByTimeAsync(500);
    expect(transport.bodies).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1800);
    expect(transport.bodies).toHaveLength(3);
    vi.useRealTimers();
    await exporter.shutdown();
    expect(transport.items('transaction')).toHaveLength(3);
  });
});

describe('checkConnection', () => {
  it('reports ok, status and latency', async () => {
    const exporter = new SentryEnvelopeExporter({ dsn: sink.dsn, env: false, release: 'hb@1' });
    const result = await exporter.checkConnection();
    expect(result).toMatchObject({ ok: true, status: 200, rateLimited: false, destination: 'sentry' });
    expect(result.latencyMillis).toBeGreaterThanOrEqual(0);
    const heartbeat = sink.requests.at(-1)!;
    expect(itemsOf([heartbeat], 'session')).toHaveLength(1);
    await exporter.shutdown();
  });

  it('reports rate limits and failures', async () => {
    sink.respond = () => ({ status: 429, headers: { 'Retry-After': '30' } });
    const exporter = new SentryEnvelopeExporter({ dsn: sink.dsn, env: false, sessionMode: false });
    expect(await exporter.checkConnection()).toMatchObject({ ok: false, status: 429, rateLimited: true });
    // With no release, the heartbeat is an empty client report.
    expect(itemsOf([sink.requests[0]!], 'client_report')[0]!.discarded_events).toEqual([]);
    const down = new SentryEnvelopeExporter({ dsn: 'http://k@127.0.0.1:1/1', env: false, sessionMode: false });
    const failed = await down.checkConnection();
    expect(failed.ok).toBe(false);
    expect(failed.error).toBeTruthy();
    await exporter.shutdown();
    await down.shutdown();
  });
});

describe('file outbox', () => {
  it('with no DSN and no Spotlight, envelopes are written to the outbox folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-sentry-outbox-test-'));
    try {
      const exporter = new SentryEnvelopeExporter({ env: false, outboxDir: dir, release: 'o@1', sessionMode: false });
      expect(exporter.outboxDir).toBe(dir);
      const { provider: p, tracer } = provider(exporter);
      serverTransaction(tracer, 1, { error: new Error('boom') });
      await p.forceFlush();
      await exporter.forceFlush();
      const files = readdirSync(dir).sort();
      expect(files).toHaveLength(2);
      const types = files.map((f) => parseEnvelope(new Uint8Array(readFileSync(join(dir, f))))[1][0]![0].type).sort();
      expect(types).toEqual(['event', 'transaction']);
      expect((await exporter.checkConnection()).destination).toBe('outbox');
      await exporter.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
