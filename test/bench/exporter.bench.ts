/**
 * Exporter throughput: OpenTelemetry spans mapped to Sentry transactions and serialized to
 * envelope bytes by `SentryEnvelopeExporter`, side by side with OTLP JSON serialization
 * (`JsonTraceSerializer`, what `@opentelemetry/exporter-trace-otlp-http` sends) of the same
 * spans, in one run.
 *
 *   cd test && node --expose-gc --import tsx bench/exporter.bench.ts
 *
 * The exporter path measured is everything `export()` does up to the transport: grouping
 * spans into transactions, op/name/status inference, scrubbing, errors from exception
 * events, the DSC header, the size check, envelope serialization and UTF-8 encoding.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type EnvelopeTransport, SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { bench, do_not_optimize, run, summary } from 'mitata';

const TRANSACTIONS = 50;
const CHILDREN = 9; // 10 spans per transaction

function makeSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  for (let t = 0; t < TRANSACTIONS; t++) {
    const root = tracer.startSpan('GET', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/api/orders/:id',
        'url.path': `/api/orders/${t}`,
        'url.scheme': 'https',
        'server.address': 'shop.example.com',
        'http.response.status_code': 200,
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
        'http.request.header.cookie': ['session=abc'],
        'client.address': '203.0.113.9',
      },
    });
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 0; c < CHILDREN; c++) {
      const child =
        c % 3 === 0
          ? tracer.startSpan(
              'GET',
              {
                kind: SpanKind.CLIENT,
                attributes: {
                  'http.request.method': 'GET',
                  'url.full': `https://inventory.internal/items/${c}?expand=1`,
                  'http.response.status_code': 200,
                },
              },
              ctx,
            )
          : tracer.startSpan(
              'SELECT orders',
              {
                kind: SpanKind.CLIENT,
                attributes: {
                  'db.system.name': 'postgresql',
                  'db.query.text': 'SELECT * FROM orders WHERE id = $1',
                  'db.namespace': 'shop',
                  'server.address': 'db.internal',
                  'server.port': 5432,
                },
              },
              ctx,
            );
      if (t % 10 === 0 && c === 1) {
        child.recordException(new Error('connection reset by peer'));
        child.setStatus({ code: SpanStatusCode.ERROR });
      }
      child.end();
    }
    root.end();
  }
  return memory.getFinishedSpans();
}

const spans = makeSpans();
const encoder = new TextEncoder();
let bytes = 0;

/** A transport that only encodes the body to bytes, as a network transport would. */
const transport: EnvelopeTransport = {
  send(request) {
    const body = typeof request.body === 'string' ? encoder.encode(request.body) : request.body;
    bytes += body.length;
    return Promise.resolve({ statusCode: 200 });
  },
};

const exporter = new SentryEnvelopeExporter({
  dsn: 'https://public@o1.ingest.example.com/1',
  env: false,
  release: 'checkout@1.4.2',
  transport,
  sessionMode: false,
  maxQueueSize: 1_000_000,
  maxConcurrentRequests: 1_000_000,
  clientReportIntervalMillis: 3_600_000,
});
const noop = () => {};

async function sentryOnce(): Promise<void> {
  exporter.export(spans, noop);
  await exporter.forceFlush();
}

// Sanity: both produce output for every span.
bytes = 0;
await sentryOnce();
const sentryBytes = bytes;
const otlpBytes = JsonTraceSerializer.serializeRequest(spans)?.length ?? 0;
if (exporter.stats.transactions !== TRANSACTIONS) throw new Error('exporter did not map every transaction');

summary(() => {
  bench('otel-sentry: map + envelope bytes', async () => {
    await sentryOnce();
  });
  bench('OTLP JSON: JsonTraceSerializer', () => {
    do_not_optimize(JsonTraceSerializer.serializeRequest(spans));
  });
});

/**
 * The machine may be shared: noise hits one benchmark and not the other when they run one
 * after the other. So, besides mitata's runs, the two paths are also timed in alternating
 * rounds, and the ratio is the median of the per-round ratios.
 */
async function interleaved(rounds: number, perRound: number): Promise<{ sentry: number; otlp: number; ratio: number }> {
  const s: number[] = [];
  const o: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    for (let i = 0; i < perRound; i++) await sentryOnce();
    const sentryMs = (performance.now() - t) / perRound;
    t = performance.now();
    for (let i = 0; i < perRound; i++) do_not_optimize(JsonTraceSerializer.serializeRequest(spans));
    const otlpMs = (performance.now() - t) / perRound;
    s.push(sentryMs);
    o.push(otlpMs);
    ratios.push(otlpMs / sentryMs);
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { sentry: median(s), otlp: median(o), ratio: median(ratios) };
}

const result = await run({ format: 'quiet' });
const alt = await interleaved(41, 20);
const rows: Array<{ name: string; nsPerBatch: number; spansPerSec: number }> = [];
for (const trial of result.benchmarks) {
  const stats = trial.runs[0]?.stats;
  if (!stats) continue;
  rows.push({ name: trial.alias, nsPerBatch: stats.p50, spansPerSec: (spans.length / stats.p50) * 1e9 });
}
const otlp = rows.find((r) => r.name.startsWith('OTLP'))!;
console.log(`\n${spans.length} spans per batch (${TRANSACTIONS} transactions, ${TRANSACTIONS / 10} with an error)`);
console.log(`bytes per batch: otel-sentry ${sentryBytes}, OTLP JSON ${otlpBytes}\n`);
console.log('| path | median per batch | spans/s | vs OTLP JSON |');
console.log('|---|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${(r.nsPerBatch / 1e6).toFixed(3)} ms | ${Math.round(r.spansPerSec).toLocaleString('en-US')} | ${(r.spansPerSec / otlp.spansPerSec).toFixed(2)}x |`,
  );
}
console.log(
  `\ninterleaved rounds (median of 41): otel-sentry ${alt.sentry.toFixed(3)} ms, OTLP JSON ${alt.otlp.toFixed(3)} ms per batch; ` +
    `otel-sentry throughput = ${alt.ratio.toFixed(2)}x OTLP JSON`,
);
await exporter.shutdown();
