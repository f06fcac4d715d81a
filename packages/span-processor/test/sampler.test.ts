import { type Context, diag, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import {
  createClient,
  EMPTY_FROZEN_DSC,
  freezeDsc,
  getDeferredDecision,
  getSpanData,
  getUnrecordedRoot,
  InvalidOptionError,
  peekUnrecordedSpanUrl,
  setFrozenDsc,
  setSamplingDeferred,
} from '@otel-sentry/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SentrySampler, type SentrySamplerOptions, type TracesSamplerContext } from '../src/index.js';
import { createHarness, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
  diag.disable();
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

/**
 * The context the propagator builds from `sentry-trace` (+ `baggage`). A `sentry-trace`
 * without a sampled field arrives with cleared flags and the context marked deferred.
 */
function incoming(flags: TraceFlags, dsc?: Record<string, string> | 'empty', deferred = false): Context {
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: PARENT_ID,
    traceFlags: flags,
    isRemote: true,
  });
  const ctx = deferred ? setSamplingDeferred(remote) : remote;
  if (dsc === undefined) return ctx;
  return setFrozenDsc(ctx, dsc === 'empty' ? EMPTY_FROZEN_DSC : freezeDsc({ trace_id: TRACE_ID, ...dsc }));
}

function setup(options: SentrySamplerOptions) {
  // The rate is the client's: one given beside a client must be the client's own.
  const { tracesSampleRate, ...rest } = options;
  const client = createClient({ env: false, tracesSampleRate });
  const sampler = new SentrySampler({ client, ...rest });
  h = createHarness({ client, sampler });
  return { sampler, tracer: h.tracer };
}

describe('SentrySampler, new traces', () => {
  it('samples with tracesSampleRate 1 and records the rate and sample_rand on the root', () => {
    const { tracer } = setup({ tracesSampleRate: 1 });
    const root = tracer.startSpan('root');
    expect(root.isRecording()).toBe(true);
    expect(root.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(TraceFlags.SAMPLED);
    const data = getSpanData(root)!;
    expect(data.sampleRate).toBe(1);
    expect(data.sampleRand).toBeGreaterThanOrEqual(0);
    expect(data.sampleRand).toBeLessThan(1);
    root.end();
  });

  it('drops everything with tracesSampleRate 0 and counts one transaction and every span', () => {
    const { sampler, tracer } = setup({ tracesSampleRate: 0 });
    const events: string[] = [];
    sampler.client.on('discardedEvent', (reason: string, category: string, n: number) =>
      events.push(`${reason}/${category}/${n}`),
    );
    tracer.startActiveSpan('root', (root) => {
      expect(root.isRecording()).toBe(false);
      tracer.startSpan('child').end();
      tracer.startSpan('child 2').end();
      root.end();
    });
    expect(h!.processor.bufferedSpans).toBe(0);
    expect(sampler.takeDiscards()).toEqual([
      { reason: 'sample_rate', category: 'transaction', quantity: 1 },
      { reason: 'sample_rate', category: 'span', quantity: 3 },
    ]);
    expect(events).toEqual([
      'sample_rate/transaction/1',
      'sample_rate/span/1',
      'sample_rate/span/1',
      'sample_rate/span/1',
    ]);
  });

  it('takes tracesSampleRate from the client when it has none of its own', () => {
    const sampler = new SentrySampler({ client: createClient({ env: false, tracesSampleRate: 0.25 }) });
    expect(sampler.toString()).toBe('SentrySampler{tracesSampleRate=0.25}');
  });

  it('rejects an impossible rate or sampler at construction', () => {
    expect(() => new SentrySampler({ tracesSampleRate: 1.5, env: false })).toThrow(InvalidOptionError);
    expect(() => new SentrySampler({ tracesSampler: 3 as never, env: false })).toThrow(InvalidOptionError);
  });
});

describe('SentrySampler, continued traces', () => {
  it('honours an incoming sampled decision over its own rate', () => {
    const { tracer } = setup({ tracesSampleRate: 0 });
    const root = tracer.startSpan(
      'server',
      {},
      incoming(TraceFlags.SAMPLED, { sampled: 'true', sample_rate: '0.3', sample_rand: '0.1' }),
    );
    expect(root.isRecording()).toBe(true);
    expect(getSpanData(root)).toMatchObject({ sampleRate: 0.3, sampleRand: 0.1 });
    root.end();
  });

  it('honours an incoming not-sampled decision over its own rate', () => {
    const { sampler, tracer } = setup({ tracesSampleRate: 1 });
    const root = tracer.startSpan('server', {}, incoming(TraceFlags.NONE, { sampled: 'false', sample_rand: '0.9' }));
    expect(root.isRecording()).toBe(false);
    expect(sampler.takeDiscards()).toEqual([
      { reason: 'sample_rate', category: 'transaction', quantity: 1 },
      { reason: 'sample_rate', category: 'span', quantity: 1 },
    ]);
  });

  it('follows the sampled trace flag when the DSC says nothing', () => {
    const { tracer } = setup({ tracesSampleRate: 0 });
    const root = tracer.startSpan('server', {}, incoming(TraceFlags.SAMPLED, 'empty'));
    expect(root.isRecording()).toBe(true);
    root.end();
  });

  it('treats `-0` (cleared flag, not marked deferred) as not sampled even with an empty DSC', () => {
    const { tracer } = setup({ tracesSampleRate: 1 });
    expect(tracer.startSpan('server', {}, incoming(TraceFlags.NONE, 'empty')).isRecording()).toBe(false);
  });

  it('treats a plain W3C parent without the sampled flag as not sampled', () => {
    const { tracer } = setup({ tracesSampleRate: 1 });
    expect(tracer.startSpan('server', {}, incoming(TraceFlags.NONE)).isRecording()).toBe(false);
  });

  it('decides a deferred trace by comparing the DSC sample_rand with its rate, as every service does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999_999 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (randMicros, rateMicros) => {
          const rand = randMicros / 1e6;
          const rate = rateMicros / 1e6;
          const sampler = new SentrySampler({ tracesSampleRate: rate, env: false });
          const ctx = incoming(TraceFlags.NONE, { sample_rand: rand.toFixed(6), sample_rate: '0.5' }, true);
          const result = sampler.shouldSample(ctx, TRACE_ID, 'server', 1, {}, []);
          return result.decision === (rand < rate ? 2 : 0);
        },
      ),
    );
  });

  it('derives a missing sample_rand consistently with the upstream decision and stores it on the root', () => {
    const { tracer } = setup({ tracesSampleRate: 0 });
    for (let i = 0; i < 50; i++) {
      const root = tracer.startSpan(
        'server',
        {},
        incoming(TraceFlags.SAMPLED, { sampled: 'true', sample_rate: '0.25' }),
      );
      const data = getSpanData(root)!;
      expect(data.sampleRate).toBe(0.25);
      expect(data.sampleRand).toBeGreaterThanOrEqual(0);
      expect(data.sampleRand).toBeLessThan(0.25);
      root.end();
    }
  });

  it('derives a sample_rand for a deferred trace with none and decides with it', () => {
    const { tracer } = setup({ tracesSampleRate: 1 });
    const root = tracer.startSpan('server', {}, incoming(TraceFlags.NONE, 'empty', true));
    expect(root.isRecording()).toBe(true);
    const data = getSpanData(root)!;
    expect(data.sampleRate).toBe(1);
    expect(data.sampleRand).toBeGreaterThanOrEqual(0);
    expect(data.sampleRand).toBeLessThan(1);
    root.end();
  });

  it('lets children follow their local parent', () => {
    const { tracer } = setup({ tracesSampleRate: 1 });
    tracer.startActiveSpan('root', (root) => {
      const child = tracer.startSpan('child');
      expect(child.isRecording()).toBe(true);
      child.end();
      root.end();
    });
  });

  it('decides a new trace started with root: true inside a request on its own', () => {
    const { tracer } = setup({ tracesSampleRate: 0 });
    const ctx = incoming(TraceFlags.SAMPLED, { sampled: 'true' });
    expect(tracer.startSpan('server', {}, ctx).isRecording()).toBe(true);
    expect(tracer.startSpan('job', { root: true }, ctx).isRecording()).toBe(false);
  });
});

describe('SentrySampler tracesSampler', () => {
  it('is asked for local roots with what upstream decided, and its rate is recorded', () => {
    const seen: TracesSamplerContext[] = [];
    const { tracer } = setup({
      tracesSampleRate: 0,
      tracesSampler: (ctx) => {
        seen.push(ctx);
        return ctx.name === 'GET /health' ? 0 : 0.75;
      },
    });
    const ctx = incoming(TraceFlags.SAMPLED, { sampled: 'true', sample_rate: '0.5', sample_rand: '0.4' });
    const checkout = tracer.startSpan('POST /checkout', { attributes: { 'http.route': '/checkout' } }, ctx);
    const health = tracer.startSpan('GET /health', {}, ctx);
    expect(checkout.isRecording()).toBe(true);
    expect(health.isRecording()).toBe(false);
    expect(getSpanData(checkout)).toMatchObject({ sampleRate: 0.75, sampleRand: 0.4 });
    expect(seen[0]).toMatchObject({
      name: 'POST /checkout',
      traceId: TRACE_ID,
      parentSampled: true,
      parentSampleRate: 0.5,
      attributes: { 'http.route': '/checkout' },
    });
    checkout.end();
  });

  it('is not asked for children', () => {
    let calls = 0;
    const { tracer } = setup({
      tracesSampler: () => {
        calls++;
        return true;
      },
    });
    tracer.startActiveSpan('root', (root) => {
      tracer.startSpan('child').end();
      root.end();
    });
    expect(calls).toBe(1);
  });

  it('falls back to the upstream decision or tracesSampleRate when it throws or has no answer', () => {
    const errors: unknown[] = [];
    diag.setLogger({ error: (m) => errors.push(m), warn() {}, info() {}, debug() {}, verbose() {} });
    const { tracer } = setup({
      tracesSampleRate: 1,
      tracesSampler: (ctx) => {
        if (ctx.name === 'throws') throw new Error('user bug');
        return undefined;
      },
    });
    expect(tracer.startSpan('throws').isRecording()).toBe(true);
    expect(tracer.startSpan('undecided', {}, incoming(TraceFlags.NONE, { sampled: 'false' })).isRecording()).toBe(
      false,
    );
    expect(errors).toHaveLength(1);
  });

  it('treats an answer that is not a rate as 0', () => {
    const { tracer } = setup({ tracesSampleRate: 1, tracesSampler: () => Number.NaN });
    expect(tracer.startSpan('x').isRecording()).toBe(false);
  });
});

describe('SentrySampler, backpressure', () => {
  it('lowers the rate of new traces while the shared client is unhealthy, records the lowered rate, and counts the difference as backpressure', () => {
    const client = createClient({ env: false });
    const sampler = new SentrySampler({ client, tracesSampleRate: 1 });
    h = createHarness({ client, sampler });
    client.backpressure!.update(false); // 1/2
    client.backpressure!.update(false); // 1/4
    let sampled = 0;
    const n = 400;
    for (let i = 0; i < n; i++) {
      const root = h.tracer.startSpan('root');
      if (root.isRecording()) {
        sampled++;
        expect(getSpanData(root)!.sampleRate).toBe(0.25);
      }
      root.end();
    }
    // sample_rand is uniform: about a quarter survive.
    expect(sampled).toBeGreaterThan(n * 0.15);
    expect(sampled).toBeLessThan(n * 0.35);
    const discards = sampler.takeDiscards();
    expect(discards).toContainEqual({ reason: 'backpressure', category: 'transaction', quantity: n - sampled });
    expect(discards.some((d) => d.reason === 'sample_rate')).toBe(false);

    // One healthy check restores the full rate.
    client.backpressure!.update(true);
    const root = h.tracer.startSpan('root');
    expect(root.isRecording()).toBe(true);
    expect(getSpanData(root)!.sampleRate).toBe(1);
    root.end();
  });

  it('keeps the decision of a trace that arrives sampled, whatever the backpressure', () => {
    const client = createClient({ env: false });
    const sampler = new SentrySampler({ client, tracesSampleRate: 1 });
    h = createHarness({ client, sampler });
    for (let i = 0; i < 10; i++) client.backpressure!.update(false);
    const ctx = incoming(TraceFlags.SAMPLED, { sampled: 'true', sample_rate: '1', sample_rand: '0.9' });
    const root = h.tracer.startSpan('root', {}, ctx);
    expect(root.isRecording()).toBe(true);
    expect(getSpanData(root)!.sampleRate).toBe(1);
    root.end();
  });

  it('lowers a deferred trace like a new one', () => {
    const client = createClient({ env: false });
    const sampler = new SentrySampler({ client, tracesSampleRate: 1 });
    h = createHarness({ client, sampler });
    for (let i = 0; i < 10; i++) client.backpressure!.update(false);
    // sample_rand 0.5 passes the configured rate 1 but not the lowered 1/1024.
    const ctx = incoming(TraceFlags.NONE, { sample_rand: '0.5' }, true);
    const root = h.tracer.startSpan('root', {}, ctx);
    expect(root.isRecording()).toBe(false);
    expect(sampler.takeDiscards()).toContainEqual({ reason: 'backpressure', category: 'transaction', quantity: 1 });
  });
});

describe('SentrySampler, decisions the propagator sends on', () => {
  it('records its decision on a trace that arrived deferred, in the context the trace arrived in', () => {
    const { tracer } = setup({ tracesSampleRate: 0.5 });
    const out = incoming(TraceFlags.NONE, { sample_rand: '0.7' }, true);
    expect(getDeferredDecision(out)).toBeUndefined();
    const server = tracer.startSpan('server', {}, out);
    expect(server.isRecording()).toBe(false);
    // Any context descending from it says so, e.g. the one a client span injects with.
    expect(getDeferredDecision(trace.setSpan(out, server))).toBe(false);
    const kept = incoming(TraceFlags.NONE, { sample_rand: '0.2' }, true);
    tracer.startSpan('server', {}, kept).end();
    expect(getDeferredDecision(kept)).toBe(true);
    // Decided upstream (-0), or a new trace: nothing to record.
    const decided = incoming(TraceFlags.NONE, { sample_rand: '0.7' });
    tracer.startSpan('server', {}, decided);
    expect(getDeferredDecision(decided)).toBeUndefined();
  });

  it('hands over the URL of a client span it does not record, without recording it or touching trace state', () => {
    const { tracer } = setup({ tracesSampleRate: 0 });
    const root = tracer.startSpan('server', { kind: SpanKind.SERVER, attributes: { 'http.url': 'http://me/in' } });
    const traceId = root.spanContext().traceId;
    // A server span describes no outgoing request.
    expect(peekUnrecordedSpanUrl(traceId)).toBeNull();
    const parent = trace.setSpan(ROOT_CONTEXT, root);
    const client = tracer.startSpan(
      'GET',
      { kind: SpanKind.CLIENT, attributes: { 'url.full': 'https://third-party.io/?token=secret' } },
      parent,
    );
    expect(client.isRecording()).toBe(false);
    expect(client.spanContext().traceState).toBeUndefined();
    expect(peekUnrecordedSpanUrl(traceId)).toBe('https://third-party.io/?token=secret');
    tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'http.url': 'http://old/conv' } }, parent);
    expect(peekUnrecordedSpanUrl(traceId)).toBe('http://old/conv');
    tracer.startSpan('work', { attributes: { 'url.full': 'https://not-a-request/' } }, parent);
    expect(peekUnrecordedSpanUrl(traceId)).toBeNull();
  });

  it('tells the propagator the rate and sample_rand of a new trace it does not record', () => {
    const { tracer } = setup({ tracesSampleRate: 0.3 });
    for (let i = 0; i < 20; i++) {
      const root = tracer.startSpan('job');
      const decision = getUnrecordedRoot(root.spanContext().traceId);
      if (root.isRecording()) {
        expect(decision).toBeUndefined();
      } else {
        expect(decision?.sampleRate).toBe(0.3);
        expect(decision?.sampleRand).toBeGreaterThanOrEqual(0.3);
      }
    }
    // A trace that arrived with a DSC propagates that one: nothing to tell.
    const traceId = 'e'.repeat(32);
    const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: PARENT_ID, traceFlags: 0, isRemote: true });
    const withDsc = setFrozenDsc(setSamplingDeferred(remote), freezeDsc({ trace_id: traceId, sample_rand: '0.9' }));
    expect(tracer.startSpan('server', {}, withDsc).isRecording()).toBe(false);
    expect(getUnrecordedRoot(traceId)).toBeUndefined();
  });

  it('hands nothing over for spans it records', () => {
    const { tracer } = setup({ tracesSampleRate: 1 });
    const root = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'url.full': 'https://api/' } });
    expect(root.isRecording()).toBe(true);
    expect(peekUnrecordedSpanUrl(root.spanContext().traceId)).toBeUndefined();
    root.end();
  });
});
