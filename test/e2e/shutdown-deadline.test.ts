/**
 * The one shutdown deadline, end to end: a real `BasicTracerProvider` with `SentrySampler`,
 * `SentrySpanProcessor` and `SentryEnvelopeExporter` on one client, sending to a loopback
 * receiver that accepts connections and never answers. `provider.shutdown()` must return
 * within `shutdownTimeoutMillis` (+10 %), no connection may be opened after it, and every
 * transaction must be delivered, stored offline, or counted.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A receiver that reads requests and never answers. */
interface HangingReceiver {
  readonly dsn: string;
  connections: number;
  readonly open: Set<Socket>;
  close(): Promise<void>;
}

async function startHangingReceiver(): Promise<HangingReceiver> {
  const open = new Set<Socket>();
  const receiver = { connections: 0, open } as HangingReceiver & { dsn: string; close(): Promise<void> };
  const server: Server = createServer((req) => {
    req.resume(); // read the body, answer nothing
  });
  server.on('connection', (socket) => {
    receiver.connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.dsn = `http://public@127.0.0.1:${(server.address() as AddressInfo).port}/1`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    });
  return receiver;
}

let receiver: HangingReceiver;
beforeAll(async () => {
  receiver = await startHangingReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const TIMEOUT = 1000;
const TRANSACTIONS = 40;
const CHILDREN = 2;

function pipeline(extra: ConstructorParameters<typeof SentryEnvelopeExporter>[0] = {}) {
  const client = createClient({ dsn: receiver.dsn, env: false, release: 'r@1', shutdownTimeoutMillis: TIMEOUT });
  const exporter = new SentryEnvelopeExporter({ client, ...extra });
  const processor = new SentrySpanProcessor({ client, exporter, scheduledDelayMillis: 10 });
  const provider = new BasicTracerProvider({ sampler: new SentrySampler({ client }), spanProcessors: [processor] });
  const tracer = provider.getTracer('shutdown-test');
  for (let i = 0; i < TRANSACTIONS; i++) {
    const root = tracer.startSpan('GET /x', { kind: SpanKind.SERVER });
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 0; c < CHILDREN; c++) tracer.startSpan(`child ${c}`, {}, ctx).end();
    root.end();
  }
  return { provider, exporter };
}

describe('provider.shutdown() against a receiver that never answers', () => {
  it('returns within the deadline, counts every transaction, and opens no connection afterwards', async () => {
    const { provider, exporter } = pipeline();
    // Let the batch go out and the requests hang.
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.connections).toBeGreaterThan(0);
    const started = performance.now();
    await provider.shutdown();
    const took = performance.now() - started;
    expect(took).toBeLessThanOrEqual(TIMEOUT * 1.1);

    const lost = new Map(exporter.pendingDiscards().map((d) => [`${d.reason}:${d.category}`, d.quantity]));
    // Nothing was delivered (the receiver never answered): every transaction is counted.
    expect(exporter.stats.envelopesSent).toBe(0);
    expect(lost.get('network_error:transaction')).toBe(TRANSACTIONS);
    expect(lost.get('network_error:span')).toBe(TRANSACTIONS * (CHILDREN + 1));

    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.open.size).toBe(0);
    const connections = receiver.connections;
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.connections).toBe(connections);
  });

  it('with the offline queue on, the cut-off transactions are on disk after shutdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-sentry-e2e-offline-'));
    try {
      const { provider, exporter } = pipeline({ offline: { dir, maxEnvelopes: 1000 }, sessionMode: false });
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      await provider.shutdown();
      expect(performance.now() - started).toBeLessThanOrEqual(TIMEOUT * 1.1);
      const files = readdirSync(dir).filter((f) => f.endsWith('.envelope'));
      expect(files).toHaveLength(TRANSACTIONS);
      const lost = exporter.pendingDiscards().filter((d) => d.category === 'transaction');
      expect(lost).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
