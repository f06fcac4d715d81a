/**
 * Against the real Spotlight sidecar (`spotlight server`), started on a free port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { SentryEvent } from '@otel-sentry/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SentryEnvelopeExporter } from '../src/index.js';
import { provider, serverTransaction } from './helpers/otel.js';
import { itemsOf, type Sink, startSink } from './helpers/sink.js';

const BIN = fileURLToPath(new URL('../node_modules/.bin/spotlight', import.meta.url));

type SpotlightEnvelope = [Record<string, unknown>, Array<[{ type: string }, Record<string, unknown>]>];

let child: ChildProcess;
let port: number;
let url: string;
let sink: Sink;
const received: SpotlightEnvelope[] = [];
const stream = new AbortController();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });
}

async function waitReady(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('Spotlight did not start within 10 s');
}

/** Reads the sidecar's event stream into `received`. */
async function subscribe(): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/stream`, {
    headers: { Accept: 'text/event-stream' },
    signal: stream.signal,
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffered += decoder.decode(value, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          for (const line of block.split('\n')) {
            if (line.startsWith('data: ')) received.push(JSON.parse(line.slice(6)) as SpotlightEnvelope);
          }
          end = buffered.indexOf('\n\n');
        }
      }
    } catch {
      // aborted in afterAll
    }
  })();
}

function eventsOf(type: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const [, items] of received) for (const [h, p] of items) if (h.type === type) out.push(p);
  return out;
}

beforeAll(async () => {
  port = await freePort();
  url = `http://127.0.0.1:${port}/stream`;
  child = spawn(BIN, ['server', '-p', String(port)], {
    env: { ...process.env, SENTRY_DSN: '' },
    stdio: 'ignore',
  });
  await waitReady();
  await subscribe();
  sink = await startSink();
}, 20_000);

afterAll(async () => {
  stream.abort();
  if (child.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  await sink?.close();
});

describe('Spotlight', () => {
  it('with no DSN, transactions and errors go to the sidecar', async () => {
    const exporter = new SentryEnvelopeExporter({ spotlight: url, env: false, release: 'spot@1', sessionMode: false });
    const { provider: p, tracer } = provider(exporter);
    const root = serverTransaction(tracer, 2, { route: '/spot/:id', childError: new RangeError('spotted') });
    await p.forceFlush();
    await exporter.forceFlush();
    const traceId = root.spanContext().traceId;
    await vi.waitFor(
      () => {
        const tx = eventsOf('transaction').find(
          (e) => (e.contexts as { trace: { trace_id: string } }).trace.trace_id === traceId,
        );
        expect(tx).toMatchObject({ transaction: 'GET /spot/:id', release: 'spot@1' });
        const err = eventsOf('event').find(
          (e) => (e.contexts as { trace: { trace_id: string } }).trace.trace_id === traceId,
        );
        expect((err as SentryEvent).exception!.values[0]).toMatchObject({ type: 'RangeError', value: 'spotted' });
      },
      { timeout: 5000, interval: 50 },
    );
    const check = await exporter.checkConnection();
    expect(check).toMatchObject({ ok: true, status: 200, destination: 'spotlight', rateLimited: false });
    await exporter.shutdown();
  });

  it('with a DSN and SENTRY_SPOTLIGHT, every envelope goes to both', async () => {
    const exporter = new SentryEnvelopeExporter({
      dsn: sink.dsn,
      env: { SENTRY_SPOTLIGHT: url },
      release: 'both@1',
      sessionMode: 'application',
    });
    const { provider: p, tracer } = provider(exporter);
    const root = serverTransaction(tracer, 1);
    await p.forceFlush();
    await exporter.forceFlush();
    const traceId = root.spanContext().traceId;
    expect(itemsOf(sink.requests, 'transaction')).toHaveLength(1);
    await vi.waitFor(
      () => {
        expect(
          eventsOf('transaction').some(
            (e) => (e.contexts as { trace: { trace_id: string } }).trace.trace_id === traceId,
          ),
        ).toBe(true);
        expect(eventsOf('session').some((s) => (s.attrs as { release: string }).release === 'both@1')).toBe(true);
      },
      { timeout: 5000, interval: 50 },
    );
    await exporter.shutdown();
  });
});
