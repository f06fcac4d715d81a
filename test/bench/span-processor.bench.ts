/**
 * Cost per span of SentrySpanProcessor against the SDK's BatchSpanProcessor, in the same run,
 * with the same span shapes: one trace = a server root with 9 children, created and ended
 * through a real tracer, every processor in front of a no-op exporter.
 *
 * Run (after building core and span-processor):
 *   cd test && node --expose-gc --import tsx bench/span-processor.bench.ts
 *
 * One measured call creates 50 traces (500 spans) and then awaits once: the await lets
 * BatchSpanProcessor's export completion (a microtask) run, as it would in a server, so its
 * default queue never fills and it never takes its cheaper dropping path; one await per 500
 * spans costs every configuration the same, next to nothing.
 *
 * `BENCH_ROUNDS` (default 9) and `BENCH_MS` (CPU time per measurement, default 150) tune it.
 */
import { ROOT_CONTEXT, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createClient, ensureSpanData, getSpanData } from '@otel-sentry/core';
import { SentrySpanProcessor } from '@otel-sentry/span-processor';
import { do_not_optimize, measure } from 'mitata';

const SPANS_PER_TRACE = 10;

class NoopExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function tracerWith(processor: SpanProcessor | undefined): Tracer {
  const provider = new BasicTracerProvider({ spanProcessors: processor ? [processor] : [] });
  return provider.getTracer('bench', '1.0.0');
}

const childNames = Array.from({ length: SPANS_PER_TRACE - 1 }, (_, i) => `SELECT table_${i}`);

function oneTrace(tracer: Tracer): void {
  const root = tracer.startSpan('GET /orders/:id', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'url.path': '/orders/42' },
  });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  for (const name of childNames) {
    const child = tracer.startSpan(
      name,
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } },
      ctx,
    );
    child.end();
  }
  root.end();
  do_not_optimize(root);
}

const sentryNoHooks = new SentrySpanProcessor({ exporter: new NoopExporter(), client: createClient({ env: false }) });
const sentryHooks = new SentrySpanProcessor({ exporter: new NoopExporter(), client: createClient({ env: false }) });
let hookCalls = 0;
sentryHooks.on('spanStart', () => {
  hookCalls++;
});
sentryHooks.on('spanEnd', () => {
  hookCalls++;
});
sentryHooks.on('transactionEnd', (_root, spans) => {
  hookCalls += spans.length;
});

const batchProcessor = new BatchSpanProcessor(new NoopExporter());
const processors = [batchProcessor, sentryNoHooks, sentryHooks];
const TRACES_PER_CALL = 50;

async function traces(tracer: Tracer): Promise<void> {
  for (let i = 0; i < TRACES_PER_CALL; i++) oneTrace(tracer);
}

// The floor of any processor that follows the design: every span linked to its local root in
// core's side table (a WeakMap entry per span), through core's public API, and nothing else.
const sideTableOnly: SpanProcessor = {
  onStart(span, parentContext) {
    const parent = trace.getSpan(parentContext);
    const parentData = parent === undefined ? undefined : getSpanData(parent);
    if (parentData !== undefined) ensureSpanData(span).root = parentData.root ?? parent!;
    else ensureSpanData(span);
  },
  onEnd() {},
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

const configs: ReadonlyArray<readonly [string, Tracer]> = [
  ['no processor (SDK only)', tracerWith(undefined)],
  ['side-table link only (floor)', tracerWith(sideTableOnly)],
  ['BatchSpanProcessor, no-op exporter', tracerWith(batchProcessor)],
  ['SentrySpanProcessor, no hooks', tracerWith(sentryNoHooks)],
  ['SentrySpanProcessor, 3 hooks', tracerWith(sentryHooks)],
];
const BATCH = configs[2]![0];
const SDK_ONLY = configs[0]![0];

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const CPU_TIME_NS = Number(process.env.BENCH_MS ?? 200) * 1e6;

// The machines this runs on are shared and noisy: configurations are measured in turns,
// round after round (order rotated), and each is compared with the batch processor of the
// same round; the medians over rounds are reported.
const perSpan = new Map<string, number[]>(configs.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < configs.length; i++) {
    const [name, tracer] = configs[(i + round) % configs.length]!;
    const stats = await measure(() => traces(tracer), { min_cpu_time: CPU_TIME_NS });
    perSpan.get(name)!.push(stats.p50 / (TRACES_PER_CALL * SPANS_PER_TRACE));
    await Promise.all(processors.map((p) => p.forceFlush()));
    globalThis.gc?.();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const batch = perSpan.get(BATCH)!;
const sdk = perSpan.get(SDK_ONLY)!;
const rows = configs.map(([name]) => {
  const own = perSpan.get(name)!;
  const ratios = own.map((v, r) => v / batch[r]!);
  return {
    configuration: name,
    'ns/span (median)': median(own).toFixed(0),
    'x Batch (median)': median(ratios).toFixed(2),
    // What the processor adds to the SDK's own cost (a difference of medians: indicative only).
    'added to SDK ns/span': (median(own) - median(sdk)).toFixed(0),
  };
});
console.log(
  `\nSpan cost, 1 trace = 1 root + ${SPANS_PER_TRACE - 1} children, ${ROUNDS} rounds, p50 per round, medians (hook calls: ${hookCalls})`,
);
console.table(rows);
