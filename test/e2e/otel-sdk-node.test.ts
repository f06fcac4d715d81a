/**
 * examples/otel-sdk-node, the smallest adoption step: an existing NodeSDK set-up that exports
 * OTLP to a Collector and only adds `SentryPropagator`. Run as a child process (tsx) between a
 * caller that runs a Sentry SDK (its `sentry-trace` and DSC) and a downstream pricing service,
 * with a loopback OTLP receiver standing in for the Collector.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from './support/browser.js';

const exampleDir = fileURLToPath(new URL('../../examples/otel-sdk-node', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
const TRACE_ID = '771a43a4192642f0b136d5159a501700';
const DSC =
  'sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-public_key=49d0f7386ad645858ae85020e393bef3,' +
  'sentry-sample_rate=1,sentry-sampled=true,sentry-release=web%401.4.2,sentry-environment=production';

const servers: Server[] = [];
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function listen(handler: RequestListener): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('examples/otel-sdk-node: NodeSDK + OTLP, adding only SentryPropagator', () => {
  it('continues a Sentry trace to the next service and exports its spans over OTLP', async () => {
    const pricingSaw: IncomingHttpHeaders[] = [];
    const pricingPort = await listen((req, res) => {
      pricingSaw.push(req.headers);
      res.end('{"price":42}');
    });
    const otlpTraceIds: string[] = [];
    const otlpPort = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const parsed = JSON.parse(body) as {
          resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ traceId?: string }> }> }>;
        };
        for (const rs of parsed.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? [])
            for (const span of ss.spans ?? []) otlpTraceIds.push(String(span.traceId));
        res.end('{}');
      });
    });

    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: exampleDir,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: tsconfig,
        PRICING_URL: `http://127.0.0.1:${pricingPort}/price`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${otlpPort}/v1/traces`,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    const port = Number(
      await until(
        'the service to listen',
        () => /listening (\d+)/.exec(output)?.[1] ?? (child?.exitCode !== null && 'exit'),
        20_000,
      ),
    );
    expect(port, output).toBeGreaterThan(0);

    const answer = await fetch(`http://127.0.0.1:${port}/stock/42`, {
      headers: { 'sentry-trace': `${TRACE_ID}-b40ab5e5bb5d1f13-1`, baggage: DSC },
    });
    expect(answer.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const downstream = pricingSaw[0];
    expect(downstream?.['sentry-trace']).toMatch(new RegExp(`^${TRACE_ID}-[0-9a-f]{16}-1$`));
    expect(downstream?.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    // The caller's DSC goes on byte for byte.
    expect(downstream?.baggage).toContain(DSC);
    expect(otlpTraceIds.length).toBeGreaterThanOrEqual(2);
    expect(new Set(otlpTraceIds)).toEqual(new Set([TRACE_ID]));
  });
});
