/**
 * Fault tests against a local sink: whatever the sink answers, every span either arrives or
 * is counted in a client report, and the numbers add up exactly.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SentryEnvelopeExporter } from '../src/index.js';
import { provider, serverTransaction } from './helpers/otel.js';
import { droppedOf, hasItem, type Sink, startSink, tally } from './helpers/sink.js';

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

const CHILDREN = 4;

function make(extra: ConstructorParameters<typeof SentryEnvelopeExporter>[0] = {}) {
  return new SentryEnvelopeExporter({
    dsn: sink.dsn,
    env: false,
    release: 'r',
    sessionMode: false,
    maxRetries: 2,
    retryInitialDelayMillis: 5,
    retryMaxDelayMillis: 20,
    ...extra,
  });
}

/** Sends `n` transactions of 1 + CHILDREN spans and flushes. */
async function run(exporter: SentryEnvelopeExporter, n: number): Promise<void> {
  const { provider: p, tracer } = provider(exporter);
  for (let i = 0; i < n; i++) serverTransaction(tracer, CHILDREN);
  await p.forceFlush();
  await exporter.forceFlush();
}

/** The arithmetic: sent + reported = produced, for transactions and spans. */
function expectAllAccountedFor(n: number): ReturnType<typeof tally> {
  const t = tally(sink.accepted);
  expect(t.transactions + droppedOf(t.dropped, 'transaction')).toBe(n);
  expect(t.spans + droppedOf(t.dropped, 'span')).toBe(n * (CHILDREN + 1));
  return t;
}

describe('faults', () => {
  it('429 with X-Sentry-Rate-Limits: the category stops, the rest is counted as ratelimit_backoff', async () => {
    sink.respond = (req, i) =>
      i === 0 && hasItem(req, 'transaction')
        ? { status: 429, headers: { 'X-Sentry-Rate-Limits': '60:transaction:organization' } }
        : { status: 200 };
    const exporter = make({ maxConcurrentRequests: 1 });
    await run(exporter, 10);
    const t = expectAllAccountedFor(10);
    expect(t.transactions).toBe(0);
    expect(t.dropped).toEqual({ 'ratelimit_backoff:transaction': 10, 'ratelimit_backoff:span': 50 });
    // Only the first transaction reached the network: the others were held back locally.
    expect(sink.requests.filter((r) => hasItem(r, 'transaction'))).toHaveLength(1);
    await exporter.shutdown();
  });

  it('limits read from a 200 response apply too', async () => {
    sink.respond = (_req, i) =>
      i === 0 ? { status: 200, headers: { 'X-Sentry-Rate-Limits': '60::organization' } } : { status: 200 };
    const exporter = make({ maxConcurrentRequests: 1 });
    vi.useFakeTimers({ toFake: ['Date'] });
    await run(exporter, 3);
    vi.setSystemTime(Date.now() + 61_000);
    await exporter.forceFlush();
    const t = expectAllAccountedFor(3);
    expect(t.transactions).toBe(1);
    expect(t.dropped['ratelimit_backoff:transaction']).toBe(2);
    await exporter.shutdown();
  });

  it('429 without headers blocks everything for 60 s, client reports included, then reports', async () => {
    sink.respond = (_req, i) => (i === 0 ? { status: 429 } : { status: 200 });
    const exporter = make({ maxConcurrentRequests: 1 });
    vi.useFakeTimers({ toFake: ['Date'] });
    await run(exporter, 5);
    expect(sink.accepted).toHaveLength(0); // the report itself is rate limited
    vi.setSystemTime(Date.now() + 59_000);
    await exporter.forceFlush();
    expect(sink.accepted).toHaveLength(0);
    vi.setSystemTime(Date.now() + 2_000);
    await exporter.forceFlush();
    const t = expectAllAccountedFor(5);
    expect(t.dropped).toEqual({ 'ratelimit_backoff:transaction': 5, 'ratelimit_backoff:span': 25 });
    await exporter.shutdown();
  });

  it('429 with Retry-After blocks for that long', async () => {
    sink.respond = (_req, i) => (i === 0 ? { status: 429, headers: { 'Retry-After': '2' } } : { status: 200 });
    const exporter = make({ maxConcurrentRequests: 1 });
    vi.useFakeTimers({ toFake: ['Date'] });
    await run(exporter, 2);
    vi.setSystemTime(Date.now() + 2_100);
    await run(exporter, 1);
    const t = expectAllAccountedFor(3);
    expect(t.transactions).toBe(1);
    await exporter.shutdown();
  });

  it('500 is retried with backoff, then counted as send_error', async () => {
    sink.respond = (req) => (hasItem(req, 'transaction') ? { status: 500 } : { status: 200 });
    const exporter = make();
    await run(exporter, 4);
    const t = expectAllAccountedFor(4);
    expect(t.dropped).toEqual({ 'send_error:transaction': 4, 'send_error:span': 20 });
    expect(sink.requests.filter((r) => hasItem(r, 'transaction'))).toHaveLength(4 * 3); // 1 + 2 retries each
    await exporter.shutdown();
  });

  it('503 with Retry-After waits as asked, then succeeds', async () => {
    let failed = false;
    sink.respond = (req) => {
      if (hasItem(req, 'transaction') && !failed) {
        failed = true;
        return { status: 503, headers: { 'Retry-After': '1' } };
      }
      return { status: 200 };
    };
    const exporter = make();
    const started = Date.now();
    await run(exporter, 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const t = expectAllAccountedFor(1);
    expect(t.transactions).toBe(1);
    await exporter.shutdown();
  });

  it('413 is never retried: send_error', async () => {
    sink.respond = (req) => (hasItem(req, 'transaction') ? { status: 413 } : { status: 200 });
    const exporter = make();
    await run(exporter, 3);
    const t = expectAllAccountedFor(3);
    expect(t.dropped).toEqual({ 'send_error:transaction': 3, 'send_error:span': 15 });
    expect(sink.requests.filter((r) => hasItem(r, 'transaction'))).toHaveLength(3);
    await exporter.shutdown();
  });

  it('slow responses are waited for; too slow ones time out, are retried, then counted', async () => {
    sink.respond = (req, i) => {
      if (!hasItem(req, 'transaction')) return { status: 200 };
      // The first transaction is slow but in time; the second never answers in time.
      return i === 0 ? { status: 200, delayMs: 100 } : { status: 503, delayMs: 400 };
    };
    const exporter = make({ requestTimeoutMillis: 250, maxConcurrentRequests: 1 });
    await run(exporter, 2);
    const t = expectAllAccountedFor(2);
    expect(t.transactions).toBe(1);
    expect(t.dropped).toEqual({ 'network_error:transaction': 1, 'network_error:span': 5 });
    await exporter.shutdown();
  });

  it('connection resets are retried', async () => {
    let resets = 0;
    sink.respond = (req) => (hasItem(req, 'transaction') && resets++ < 3 ? 'reset' : { status: 200 });
    const exporter = make({ maxRetries: 5, maxConcurrentRequests: 1 });
    await run(exporter, 3);
    const t = expectAllAccountedFor(3);
    expect(t.transactions).toBe(3);
    await exporter.shutdown();
  });

  it('a queue overflow is counted as queue_overflow', async () => {
    sink.respond = () => ({ status: 200, delayMs: 20 });
    const exporter = make({ maxQueueSize: 3, maxConcurrentRequests: 1 });
    await run(exporter, 10);
    const t = expectAllAccountedFor(10);
    expect(t.transactions).toBe(3);
    expect(t.dropped).toEqual({ 'queue_overflow:transaction': 7, 'queue_overflow:span': 35 });
    await exporter.shutdown();
  });

  it('going down then up: without an offline queue the losses are counted as network_error', async () => {
    const exporter = make({ maxConcurrentRequests: 1 });
    await run(exporter, 2);
    await sink.down();
    await run(exporter, 3);
    await sink.up();
    await run(exporter, 2);
    const t = expectAllAccountedFor(7);
    expect(t.transactions).toBe(4);
    expect(t.dropped).toEqual({ 'network_error:transaction': 3, 'network_error:span': 15 });
    await exporter.shutdown();
  });

  it('going down then up: with the offline queue everything arrives, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-sentry-offline-test-'));
    try {
      const exporter = make({ maxConcurrentRequests: 1, offline: { dir } });
      await run(exporter, 2);
      await sink.down();
      await run(exporter, 3);
      expect(readdirSync(dir).filter((f) => f.endsWith('.envelope'))).toHaveLength(3);
      await sink.up();
      await run(exporter, 1); // a success tells the queue the network is back
      await exporter.flushOffline();
      await vi.waitFor(() => expect(readdirSync(dir)).toHaveLength(0), { timeout: 5000 });
      await exporter.forceFlush();
      const t = expectAllAccountedFor(6);
      expect(t.transactions).toBe(6);
      const ids = sink.accepted.filter((r) => hasItem(r, 'transaction')).map((r) => r.body.toString().slice(0, 60));
      expect(new Set(ids).size).toBe(ids.length);
      await exporter.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the offline queue is resent on the next start, and bounded (evictions counted)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-sentry-offline-test-'));
    try {
      await sink.down();
      const first = make({ maxConcurrentRequests: 1, offline: { dir, maxEnvelopes: 3 } });
      await run(first, 5);
      expect(readdirSync(dir).filter((f) => f.endsWith('.envelope'))).toHaveLength(3);
      const evicted = first.pendingDiscards();
      expect(evicted).toEqual([
        { reason: 'cache_overflow', category: 'transaction', quantity: 2 },
        { reason: 'cache_overflow', category: 'span', quantity: 10 },
      ]);
      await first.shutdown(); // its last report cannot be sent: lost with the process, by design
      await sink.up();
      const second = make({ offline: { dir } });
      await vi.waitFor(() => expect(readdirSync(dir)).toHaveLength(0), { timeout: 5000 });
      await second.forceFlush();
      expect(tally(sink.accepted).transactions).toBe(3);
      await second.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
