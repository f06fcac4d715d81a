/**
 * Extract + inject of one realistic request's headers, per propagator, in one run:
 * - `@otel-sentry/propagator` (built dist: build core and propagator first),
 * - `SentryPropagator` of `@sentry/opentelemetry` 10.x,
 * - the W3C pair `CompositePropagator([W3CTraceContextPropagator, W3CBaggagePropagator])`.
 *
 * Run: `cd test && node --expose-gc --import tsx bench/propagator.bench.ts`
 *
 * Inputs rotate through a pool of header sets with different ids, and every result is
 * consumed, so the engine can neither hoist nor drop the work.
 */
import { type Context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { createClient } from '@otel-sentry/core';
import { SentryPropagator } from '@otel-sentry/propagator';
import { createTransport, initAndBind, ServerRuntimeClient } from '@sentry/core-v10';
import {
  enhanceDscWithOpenTelemetryRootSpanName,
  SentryPropagator as SentryV10Propagator,
  setOpenTelemetryContextAsyncContextStrategy,
} from '@sentry/opentelemetry-v10';
import { do_not_optimize, measure } from 'mitata';

const POOL = 256;

function hex(n: number, seed: number): string {
  let out = '';
  let x = seed * 2654435761 + 1;
  while (out.length < n) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += (x >>> 8).toString(16).padStart(6, '0');
  }
  return out.slice(0, n);
}

/** sentry-trace, a nine-member baggage (eight `sentry-` members and one foreign), traceparent. */
function headerSet(i: number): Record<string, string> {
  const traceId = hex(32, i + 1);
  const spanId = hex(16, i + 7919);
  const replayId = hex(32, i + 104729);
  return {
    'sentry-trace': `${traceId}-${spanId}-1`,
    baggage: [
      'vendor-session=abc123',
      `sentry-trace_id=${traceId}`,
      'sentry-public_key=49d0f7386ad645858ae85020e393bef3',
      `sentry-release=frontend%401.4.${i % 10}`,
      'sentry-environment=production',
      'sentry-transaction=GET%20%2Fapi%2Fusers%2F%3Aid',
      'sentry-sample_rate=0.25',
      'sentry-sampled=true',
      `sentry-replay_id=${replayId}`,
    ].join(','),
    traceparent: `00-${traceId}-${spanId}-01`,
  };
}

// Sentry's propagator reads its options and builds DSCs through a client on its own global
// scope (without one it sends no baggage): set up the minimum its OpenTelemetry docs ask for.
setOpenTelemetryContextAsyncContextStrategy();
initAndBind(ServerRuntimeClient, {
  dsn: 'https://49d0f7386ad645858ae85020e393bef3@o1.ingest.sentry.io/1',
  release: 'backend@2.0.0',
  tracesSampleRate: 1,
  integrations: [],
  stackParser: () => [],
  transport: (options) => createTransport(options, async () => ({})),
});
const sentryClient = (await import('@sentry/core-v10')).getClient();
if (sentryClient) enhanceDscWithOpenTelemetryRootSpanName(sentryClient);

const inputs = Array.from({ length: POOL }, (_, i) => headerSet(i));

interface Propagator {
  inject(context: Context, carrier: unknown, setter: typeof defaultTextMapSetter): void;
  extract(context: Context, carrier: unknown, getter: typeof defaultTextMapGetter): Context;
}

const candidates: Array<{ name: string; propagator: Propagator }> = [
  {
    name: '@otel-sentry/propagator',
    propagator: new SentryPropagator({ client: createClient({ env: false, release: 'backend@2.0.0' }) }),
  },
  { name: '@sentry/opentelemetry 10 SentryPropagator', propagator: new SentryV10Propagator() },
  {
    name: 'W3C traceparent + baggage (CompositePropagator)',
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  },
];

function roundTrip(propagator: Propagator, headers: Record<string, string>): Record<string, string> {
  const ctx = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const out: Record<string, string> = {};
  propagator.inject(ctx, out, defaultTextMapSetter);
  return out;
}

// Each candidate must really propagate the trace before its time means anything.
for (const { name, propagator } of candidates) {
  const headers = inputs[0]!;
  const out = roundTrip(propagator, headers);
  const traceId = headers['sentry-trace']!.slice(0, 32);
  const written = `${out['sentry-trace'] ?? ''} ${out.traceparent ?? ''}`;
  if (!written.includes(traceId) || !out.baggage?.includes('sentry-')) {
    throw new Error(`${name} did not propagate the trace: ${JSON.stringify(out)}`);
  }
  const ctx = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  if (trace.getSpanContext(ctx)?.traceId !== traceId) throw new Error(`${name} did not extract the trace`);
}

// Candidates take turns, round after round, so a change in machine load hits all of them;
// each ratio is taken within a round, then the median over rounds is reported.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const samples: Array<{ p50: number[]; avg: number[] }> = candidates.map(() => ({ p50: [], avg: [] }));
const ratios: number[][] = candidates.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  const p50s: number[] = [];
  for (const [index, { propagator }] of candidates.entries()) {
    const stats = await measure(function* () {
      let i = 0;
      yield () => {
        const out = roundTrip(propagator, inputs[i++ & (POOL - 1)]!);
        do_not_optimize(out);
        return out.baggage?.length;
      };
    });
    samples[index]!.p50.push(stats.p50);
    samples[index]!.avg.push(stats.avg);
    p50s.push(stats.p50);
  }
  for (const [index, p50] of p50s.entries()) ratios[index]!.push(p50 / p50s[0]!);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (ns: number) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
console.log(
  `Node ${process.version} ${process.arch}; extract + inject of one request's headers; median of ${ROUNDS} interleaved rounds`,
);
console.log('| propagator | time / op (p50) | time / op (avg) | ours faster by |\n|---|---:|---:|---:|');
for (const [index, { name }] of candidates.entries()) {
  const ratio = index === 0 ? '—' : `${median(ratios[index]!).toFixed(1)}x`;
  console.log(`| ${name} | ${fmt(median(samples[index]!.p50))} | ${fmt(median(samples[index]!.avg))} | ${ratio} |`);
}
