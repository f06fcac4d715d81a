/**
 * Delivery at production load, against real loopback receivers: a burst handed over in one
 * export call fits the byte-bounded queue; a 100 ms round trip does not cap throughput;
 * sockets open gradually; an overloaded transport tells the sampler (backpressure); and
 * shutdown keeps its deadline against a receiver that never answers.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@otel-sentry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SentryEnvelopeExporter } from '../src/index.js';
import { provider, serverTransaction } from './helpers/otel.js';
import { droppedOf, type Sink, startSink, tally } from './helpers/sink.js';

let sink: Sink;
beforeAll(async () => {
  sink = await startSink();
});
afterAll(async () => {
  await sink.close();
});
afterEach(() => {
  sink.reset();
});

const CHILDREN = 3;

function make(extra: ConstructorParameters<typeof SentryEnvelopeExporter>[0] = {}) {
  return new SentryEnvelopeExporter({
    dsn: sink.dsn,
    env: false,
    release: 'r',
    sessionMode: false,
    ...extra,
  });
}

describe('delivery at load', () => {
  it('a burst of 1500 transactions in one export call, receiver at 100 ms: all delivered, none dropped', async () => {
    sink.respond = () => ({ status: 200, delayMs: 100 });
    const exporter = make({ shutdownTimeoutMillis: 10_000 });
    // A BatchSpanProcessor with a large batch hands the whole burst over in one call.
    const { provider: p, tracer } = provider(exporter, {
      batch: { maxExportBatchSize: 10_000, scheduledDelayMillis: 50 },
    });
    const n = 1500;
    for (let i = 0; i < n; i++) serverTransaction(tracer, CHILDREN);
    const started = Date.now();
    await p.forceFlush();
    await exporter.forceFlush();
    const took = Date.now() - started;
    expect(exporter.pendingDiscards()).toEqual([]);
    expect(tally(sink.accepted).transactions).toBe(n);
    // 1500 envelopes at 100 ms each: with 4 in flight this took 37 s; now well under the deadline.
    expect(took).toBeLessThan(5000);
    await exporter.shutdown();
  });

  it("hands the transport each body's exact UTF-8 byte count, non-ASCII names included", async () => {
    const seen: Array<{ body: string | Uint8Array; bytes: number | undefined }> = [];
    const exporter = make({
      transport: {
        send: async (request) => {
          seen.push({ body: request.body, bytes: request.bytes });
          return { statusCode: 200 };
        },
      },
    });
    const { provider: p, tracer } = provider(exporter);
    for (const route of ['/café/:id', '/😀', '/plain']) serverTransaction(tracer, CHILDREN, { route });
    await p.forceFlush();
    await exporter.forceFlush();
    expect(seen.length).toBe(3);
    for (const { body, bytes } of seen) {
      expect(typeof body).toBe('string');
      expect(bytes).toBe(Buffer.byteLength(body as string, 'utf8'));
    }
    expect(seen.filter(({ body }) => (body as string).includes('/café/:id'))).toHaveLength(1);
    await exporter.shutdown();
  });

  it('envelopes share proven keep-alive connections (pipelining): a burst of 200 rides a few sockets, all delivered', async () => {
    sink.respond = () => ({ status: 200 });
    const pipelined = make({ shutdownTimeoutMillis: 10_000 });
    const oneByOne = make({ shutdownTimeoutMillis: 10_000, pipelining: 1 });
    try {
      const connectionsOf = async (exporter: SentryEnvelopeExporter): Promise<number> => {
        const before = sink.connections;
        const { provider: p, tracer } = provider(exporter, {
          batch: { maxExportBatchSize: 10_000, scheduledDelayMillis: 1 },
        });
        // One transaction first, so a connection has answered HTTP/1.1 keep-alive.
        serverTransaction(tracer, 0);
        await p.forceFlush();
        await exporter.forceFlush();
        for (let i = 0; i < 200; i++) serverTransaction(tracer, 0);
        await p.forceFlush();
        await exporter.forceFlush();
        return sink.connections - before;
      };
      const withPipelining = await connectionsOf(pipelined);
      const without = await connectionsOf(oneByOne);
      expect(tally(sink.accepted).transactions).toBe(402);
      expect(pipelined.pendingDiscards()).toEqual([]);
      expect(oneByOne.pendingDiscards()).toEqual([]);
      // One by one, the burst takes a socket per request in flight (the limit grows from 8 by
      // 16 a step); pipelined, up to 16 share one, and new sockets open only while the proven
      // ones are full.
      expect(withPipelining).toBeLessThanOrEqual(8);
      expect(withPipelining * 2).toBeLessThan(without);
    } finally {
      await pipelined.shutdown();
      await oneByOne.shutdown();
    }
  });

  it('opens sockets gradually: a burst starts on a few connections, and more come step by step', async () => {
    sink.respond = () => ({ status: 200, delayMs: 300 });
    const exporter = make({ shutdownTimeoutMillis: 10_000 });
    try {
      const { provider: p, tracer } = provider(exporter, {
        batch: { maxExportBatchSize: 10_000, scheduledDelayMillis: 1 },
      });
      for (let i = 0; i < 400; i++) serverTransaction(tracer, 0);
      await p.forceFlush();
      // Right after the burst: the first step (8, one more step on a slow machine), not 400
      // handshakes at once.
      await new Promise((r) => setTimeout(r, 10));
      expect(sink.connections).toBeLessThanOrEqual(24);
      // Each growth interval (25 ms) adds at most 16.
      await new Promise((r) => setTimeout(r, 90));
      const at100 = sink.connections;
      expect(at100).toBeGreaterThan(16);
      expect(at100).toBeLessThanOrEqual(8 + 16 * 5);
      await exporter.forceFlush();
      expect(sink.connections).toBeLessThanOrEqual(256);
      expect(tally(sink.accepted).transactions).toBe(400);
    } finally {
      await exporter.shutdown();
    }
  });

  it('sheds what does not fit the queue at once, counts it, and lowers the sample rate of new traces', async () => {
    sink.respond = () => 'hang';
    // One deadline for the whole pipeline: the client's.
    const client = createClient({ dsn: sink.dsn, env: false, release: 'r', shutdownTimeoutMillis: 200 });
    const exporter = new SentryEnvelopeExporter({
      client,
      sessionMode: false,
      maxQueueSize: 10,
      maxConcurrentRequests: 2,
      backpressureIntervalMillis: 20,
    });
    const { provider: p, tracer } = provider(exporter);
    for (let i = 0; i < 30; i++) serverTransaction(tracer, CHILDREN);
    await p.forceFlush();
    expect(exporter.pendingDiscards()).toContainEqual({
      reason: 'queue_overflow',
      category: 'transaction',
      quantity: 20,
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(client.backpressure!.factor).toBeLessThan(1);
    await exporter.shutdown();
  });

  it('a receiver that never answers: shutdown keeps its deadline, counts everything, and opens no connection after', async () => {
    sink.respond = () => 'hang';
    const exporter = make({ shutdownTimeoutMillis: 500 });
    const { provider: p, tracer } = provider(exporter);
    const n = 50;
    for (let i = 0; i < n; i++) serverTransaction(tracer, CHILDREN);
    await p.forceFlush();
    const started = Date.now();
    await exporter.shutdown();
    const took = Date.now() - started;
    expect(took).toBeLessThan(550);
    expect(exporter.stats.undeliveredAtShutdown).toBe(n);
    const dropped: Record<string, number> = {};
    for (const d of exporter.pendingDiscards()) dropped[`${d.reason}:${d.category}`] = d.quantity;
    expect(droppedOf(dropped, 'transaction')).toBe(n);
    expect(droppedOf(dropped, 'span')).toBe(n * (CHILDREN + 1));
    // Every socket is closed, and nothing connects afterwards.
    await new Promise((r) => setTimeout(r, 100));
    const connections = sink.connections;
    expect(sink.openConnections).toBe(0);
    exporter.export([], () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.connections).toBe(connections);
  });

  it('forceFlush returns within the deadline against a receiver that never answers', async () => {
    sink.respond = () => 'hang';
    const exporter = make({ shutdownTimeoutMillis: 300 });
    const { provider: p, tracer } = provider(exporter);
    serverTransaction(tracer, CHILDREN);
    await p.forceFlush();
    const started = Date.now();
    await exporter.forceFlush();
    expect(Date.now() - started).toBeLessThan(330);
    await exporter.shutdown();
  });

  it('with the offline queue on, what the deadline cut off is stored, not lost', async () => {
    sink.respond = () => 'hang';
    const dir = mkdtempSync(join(tmpdir(), 'otel-sentry-offline-shutdown-'));
    try {
      const exporter = make({ shutdownTimeoutMillis: 500, offline: { dir, maxEnvelopes: 1000 } });
      const { provider: p, tracer } = provider(exporter);
      const n = 20;
      for (let i = 0; i < n; i++) serverTransaction(tracer, CHILDREN);
      await p.forceFlush();
      const started = Date.now();
      await exporter.shutdown();
      expect(Date.now() - started).toBeLessThan(550);
      const files = readdirSync(dir).filter((f) => f.endsWith('.envelope'));
      expect(files.length).toBe(n);
      expect(
        droppedOf(
          Object.fromEntries(exporter.pendingDiscards().map((d) => [`${d.reason}:${d.category}`, d.quantity])),
          'transaction',
        ),
      ).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
