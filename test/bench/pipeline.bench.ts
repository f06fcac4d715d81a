/**
 * The whole tracing pipeline in one process, per trace: extract the incoming headers, start
 * a server span and one child, end them, and hand them on — then the wire. It answers "what
 * does a sampled request cost the service, and where", without an HTTP server or a load
 * generator in the way (see `bench:e2e` for that), side by side in one run:
 *
 * - `otel-otlp`: W3C propagator, `BatchSpanProcessor`, `OTLPTraceExporter` (OTLP/HTTP JSON);
 * - `otel-sentry`: `SentryPropagator`, `SentrySampler`, `SentrySpanProcessor`,
 *   `SentryEnvelopeExporter` on one client, over its Node transport;
 * - `otel-sentry (no wire)`: the same with a transport that answers at once without a
 *   socket, so the difference with the row above is what the wire costs;
 * - `otel-sentry-otlp`: ours with `spans: 'otlp'` (OTLP/HTTP JSON batches to the DSN's OTLP
 *   endpoint instead of one transaction envelope per trace).
 *
 * Each set-up runs in a child process pinned to CPU 1 (`taskset`, when present), sending to a
 * loopback receiver in another child on CPU 0. CPU time per trace is the child's own
 * `process.cpuUsage()` over the measured traces and their delivery; rounds interleave the
 * set-ups and the median is printed.
 *
 *   cd test && TSX_TSCONFIG_PATH=bench/tsconfig.json node --import tsx bench/pipeline.bench.ts
 *   (PIPELINE_TRACES=20000 PIPELINE_ROUNDS=5)
 */
import { execFileSync, fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const TRACES = Number(process.env.PIPELINE_TRACES ?? 20_000);
const ROUNDS = Number(process.env.PIPELINE_ROUNDS ?? 5);
const SETUPS = ['otel-otlp', 'otel-sentry', 'otel-sentry-no-wire', 'otel-sentry-otlp'] as const;
type Setup = (typeof SETUPS)[number];

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- the receiver (a child)

async function receiver(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
      res.end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send?.((server.address() as AddressInfo).port);
}

// ---------------------------------------------------------------- one set-up (a child)

async function service(setup: Setup, port: number): Promise<void> {
  const api = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { context, trace, SpanKind, ROOT_CONTEXT, defaultTextMapGetter } = api;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  let provider: InstanceType<typeof BasicTracerProvider>;
  let propagator: import('@opentelemetry/api').TextMapPropagator;
  if (setup === 'otel-otlp') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
    provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` }))],
    });
    propagator = new W3CTraceContextPropagator();
  } else {
    const { createClient } = await import('@otel-sentry/core');
    const { SentryEnvelopeExporter } = await import('@otel-sentry/exporter');
    const { SentryPropagator } = await import('@otel-sentry/propagator');
    const { SentrySampler, SentrySpanProcessor } = await import('@otel-sentry/span-processor');
    const client = createClient({ dsn: `http://public@127.0.0.1:${port}/1`, env: false, release: 'shop@1.0.0' });
    const exporter = new SentryEnvelopeExporter({
      client,
      ...(setup === 'otel-sentry-no-wire' ? { transport: { send: async () => ({ statusCode: 200 }) } } : {}),
      ...(setup === 'otel-sentry-otlp' ? { spans: 'otlp' as const } : {}),
    });
    provider = new BasicTracerProvider({
      sampler: new SentrySampler({ client }),
      spanProcessors: [new SentrySpanProcessor({ client, exporter })],
    });
    propagator = new SentryPropagator({ client });
  }
  const tracer = provider.getTracer('bench');
  const hex = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += ((Math.random() * 16) | 0).toString(16);
    return s;
  };
  const one = (): void => {
    const traceId = hex(32);
    const headers: Record<string, string> =
      setup === 'otel-otlp'
        ? { traceparent: `00-${traceId}-${hex(16)}-01` }
        : {
            'sentry-trace': `${traceId}-${hex(16)}-1`,
            baggage: `sentry-trace_id=${traceId},sentry-public_key=public,sentry-sample_rate=1,sentry-sampled=true,sentry-replay_id=${hex(32)},sentry-environment=production`,
          };
    const ctx = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    const root = tracer.startSpan(
      'GET',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'url.path': '/users/42',
          'http.route': '/users/:id',
          'http.response.status_code': 200,
          'server.address': 'localhost',
        },
      },
      ctx,
    );
    context.with(trace.setSpan(ctx, root), () => tracer.startSpan('work').end());
    root.end();
  };
  const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));
  // Warm up, and let the first sockets open.
  for (let i = 0; i < 3000; i++) {
    one();
    if (i % 50 === 0) await yieldNow();
  }
  await provider.forceFlush();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = process.cpuUsage();
  for (let i = 0; i < TRACES; i++) {
    one();
    // Traffic arrives over time, not in one synchronous burst.
    if (i % 50 === 0) await yieldNow();
  }
  await provider.forceFlush();
  // BatchSpanProcessor and our sender finish in the background: count that CPU too.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const used = process.cpuUsage(before);
  process.send?.(`${(used.user + used.system) / TRACES} ${used.system / TRACES}`);
  await provider.shutdown();
}

// ---------------------------------------------------------------- the orchestrator

async function main(): Promise<void> {
  const pin = hasTaskset();
  const spawn = (args: string[], cpu: number) => {
    const script = fileURLToPath(import.meta.url);
    return pin
      ? fork(script, args, {
          execPath: 'taskset',
          execArgv: ['-c', String(cpu), process.execPath, '--import', 'tsx'],
        })
      : fork(script, args, { execArgv: ['--import', 'tsx'] });
  };
  const rx = spawn(['receiver'], 0);
  const port = await new Promise<number>((resolve) => rx.once('message', (m) => resolve(Number(m))));
  const results = new Map<Setup, number[]>(SETUPS.map((s) => [s, []]));
  const systemMicros = new Map<Setup, number[]>(SETUPS.map((s) => [s, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const setup of SETUPS) {
        const svc = spawn(['service', setup, String(port)], 1);
        const micros = await new Promise<number>((resolve, reject) => {
          svc.once('message', (m) => {
            const [total, system] = String(m).split(' ').map(Number);
            systemMicros.get(setup)!.push(system!);
            resolve(total!);
          });
          svc.once('exit', (code) => reject(new Error(`${setup} exited with ${code}`)));
        });
        svc.kill();
        results.get(setup)!.push(micros);
      }
    }
  } finally {
    rx.kill();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const otlp = median(results.get('otel-otlp')!);
  console.log(
    `\nPipeline CPU per sampled trace (server span + 1 child), ${TRACES} traces × ${ROUNDS} rounds, median` +
      `${pin ? ', set-up on CPU 1, receiver on CPU 0' : ''}; Node ${process.version}\n`,
  );
  console.log('| set-up | CPU µs / trace | of which kernel | × otel-otlp |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const setup of SETUPS) {
    const m = median(results.get(setup)!);
    console.log(
      `| ${setup} | ${m.toFixed(1)} | ${median(systemMicros.get(setup)!).toFixed(1)} | ${(m / otlp).toFixed(2)} |`,
    );
  }
  const wire = median(results.get('otel-sentry')!) - median(results.get('otel-sentry-no-wire')!);
  console.log(`\nThe wire (one keep-alive POST per transaction) costs ${wire.toFixed(1)} µs of CPU per trace here.`);
}

const [role, ...rest] = process.argv.slice(2);
if (role === 'receiver') void receiver();
else if (role === 'service') void service(rest[0] as Setup, Number(rest[1]));
else void main();
