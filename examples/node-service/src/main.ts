/**
 * The main job: a service instrumented with OpenTelemetry and wired to Sentry by the three
 * otel-sentry plugins answers a request from a browser that is recording a session replay.
 * It calls a downstream service and fails; then we read what would have gone to Sentry.
 *
 * With no SENTRY_DSN set, envelopes land in the local outbox folder (no network needed).
 * Set SENTRY_DSN to send them to your Sentry project instead.
 */

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { parseEnvelope, type SentryEvent } from '@otel-sentry/core';
import { client, exporter, OUTBOX, shutdown, tracer } from './telemetry.js';

// Loaded after the instrumentation is registered, through `require`, so it is patched.
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

rmSync(OUTBOX, { recursive: true, force: true });
const hookCalls: string[] = [];
for (const name of ['transactionStart', 'transactionEnd', 'beforeEnvelope'] as const) {
  client.on(name, () => hookCalls.push(name));
}

function listen(server: import('node:http').Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

// A downstream service: it echoes the trace headers it received.
const inventory = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ sentryTrace: req.headers['sentry-trace'], baggage: req.headers.baggage }));
});
const inventoryPort = await listen(inventory);

// The service under observation.
const checkout = http.createServer(async (_req, res) => {
  const downstream = await get(`http://127.0.0.1:${inventoryPort}/stock/42`);
  const span = tracer.startSpan('charge card');
  const error = new Error('card declined: insufficient funds');
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.end();
  res.statusCode = 502;
  res.end(downstream.body);
});
const checkoutPort = await listen(checkout);

// The browser: a Sentry browser SDK recording replay 5f1c…, continuing its page-load trace.
const replayId = '5f1c2d3e4a5b46c7a8b9c0d1e2f3a4b5';
const browserHeaders = {
  'sentry-trace': '771a43a4192642f0b136d5159a501700-b40ab5e5bb5d1f13-1',
  baggage:
    'sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-public_key=49d0f7386ad645858ae85020e393bef3,' +
    'sentry-sample_rate=1,sentry-sample_rand=0.420017,sentry-sampled=true,sentry-release=web%401.4.2,' +
    `sentry-environment=demo,sentry-replay_id=${replayId}`,
};
// The browser is not part of this process's traces: its request is sent untraced.
const answer = await context.with(suppressTracing(context.active()), () =>
  get(`http://127.0.0.1:${checkoutPort}/checkout/42`, browserHeaders),
);
const seenDownstream = JSON.parse(answer.body) as { sentryTrace: string; baggage: string };

await shutdown();
inventory.close();
checkout.close();

console.log(`checkout answered ${answer.status}; the downstream call carried:`);
console.log(`  sentry-trace: ${seenDownstream.sentryTrace}`);
console.log(`  baggage:      ${seenDownstream.baggage}`);
console.log(`hooks fired: ${hookCalls.join(', ')}`);
console.log(`\nenvelopes written to ${exporter.outboxDir}:`);
for (const file of readdirSync(OUTBOX).sort()) {
  let bytes = readFileSync(`${OUTBOX}${file}`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const envelope = parseEnvelope(new Uint8Array(bytes));
  for (const item of envelope?.items ?? []) {
    const payload = item.payload as SentryEvent & Record<string, unknown>;
    if (item.headers.type === 'transaction') {
      console.log(
        `  transaction "${payload.transaction}" (${payload.contexts?.trace?.op}, ${payload.spans?.length ?? 0} spans)` +
          ` trace=${envelope?.headers.trace?.trace_id} replay=${envelope?.headers.trace?.replay_id ?? '-'}`,
      );
    } else if (item.headers.type === 'event') {
      const exception = payload.exception?.values[0];
      console.log(
        `  error ${exception?.type}: ${exception?.value} → replay ${payload.contexts?.replay?.replay_id ?? '-'}`,
      );
    } else {
      console.log(`  ${item.headers.type}`);
    }
  }
}
