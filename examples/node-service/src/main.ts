/**
 * The main job: a service instrumented with OpenTelemetry and wired to Sentry by
 * `@otel-sentry/node` (the three plugins on one client) answers a request from a browser that
 * is recording a session replay. It calls a downstream service and fails on purpose; then we
 * read what would have gone to Sentry, and say what each line means.
 *
 * With no SENTRY_DSN set, envelopes land in the local outbox folder (no network needed).
 * Set SENTRY_DSN to send them to your Sentry project instead.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { parseEnvelope, type SentryEvent } from '@otel-sentry/core';
import { hookCalls, OUTBOX, sentry, tracer } from './telemetry.js';

// Loaded after the instrumentation is registered, through `require`, so it is patched.
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

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
  res.end(
    JSON.stringify({
      sentryTrace: req.headers['sentry-trace'],
      baggage: req.headers.baggage,
      traceparent: req.headers.traceparent,
    }),
  );
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
const seenDownstream = JSON.parse(answer.body) as { sentryTrace: string; baggage: string; traceparent?: string };

await sentry.shutdown();
inventory.close();
checkout.close();

const short = (id: string | undefined) => (id ? `${id.slice(0, 8)}…` : '-');
console.log(
  `A browser recording session replay ${short(replayId)} calls checkout-api (trace ${short(browserHeaders['sentry-trace'])}).\n` +
    'checkout-api calls the inventory service, then declines the card on purpose, so there is an error to link.\n' +
    `The browser got ${answer.status}: that failure is the demo, not a problem of the set-up.`,
);

console.log('\n1. Trace headers on the call from checkout-api to inventory (propagation):');
console.log(`  sentry-trace: ${seenDownstream.sentryTrace}`);
console.log("                the browser's trace id, continued; the span id is checkout-api's outgoing call");
console.log(`  baggage:      ${seenDownstream.baggage}`);
console.log("                the browser's dynamic sampling context, byte for byte, with its replay id");
if (seenDownstream.traceparent) {
  console.log(`  traceparent:  ${seenDownstream.traceparent}`);
  console.log('                the same trace in W3C form, for services without a Sentry SDK');
}

const counted = new Map<string, number>();
for (const name of hookCalls) counted.set(name, (counted.get(name) ?? 0) + 1);
const meaning: Record<string, string> = {
  transactionStart: 'a local root span started: one per transaction (checkout-api, inventory)',
  transactionEnd: 'a transaction is complete with all its spans, just before export',
  beforeEnvelope: 'an envelope is about to leave: one per envelope below',
};
console.log('\n2. Hooks that fired on the shared client (client.on(name, callback)):');
for (const [name, count] of counted) console.log(`  ${`${name} ×${count}`.padEnd(22)} ${meaning[name] ?? ''}`);

console.log(`\n3. Envelopes written to ${sentry.exporter.outboxDir} (what Sentry would receive), in order:`);
const files = readdirSync(OUTBOX)
  .filter((file) => file.endsWith('.envelope'))
  .sort();
for (const file of files) {
  let bytes = readFileSync(`${OUTBOX}${file}`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const envelope = parseEnvelope(new Uint8Array(bytes));
  for (const item of envelope?.items ?? []) {
    const payload = item.payload as SentryEvent & Record<string, unknown>;
    const type = String(item.headers.type);
    if (type === 'transaction') {
      console.log(
        `  transaction "${payload.transaction}" (${payload.contexts?.trace?.op}, ${payload.spans?.length ?? 0} child spans)` +
          ` trace=${short(envelope?.headers.trace?.trace_id)} replay=${short(envelope?.headers.trace?.replay_id)}`,
      );
    } else if (type === 'event') {
      const exception = payload.exception?.values[0];
      console.log(
        `  error ${exception?.type}: ${exception?.value} → linked to replay ${short(payload.contexts?.replay?.replay_id as string | undefined)}`,
      );
    } else if (type === 'session') {
      const session = payload as { status?: string; errors?: number };
      console.log(
        session.status === 'ok'
          ? '  session (ok)        release health: the process session, opened when the exporter started'
          : `  session (${session.status}, ${session.errors ?? 0} error) release health: that session, closed at shutdown with its errors counted`,
      );
    } else if (type === 'sessions') {
      const aggregates = (payload as { aggregates?: Array<Record<string, number>> }).aggregates ?? [];
      const sum = (key: string) => aggregates.reduce((n, a) => n + (a[key] ?? 0), 0);
      console.log(
        `  sessions            release health per request, aggregated by minute: ${sum('exited')} ok, ${sum('errored')} errored`,
      );
    } else {
      console.log(`  ${type}`);
    }
  }
}

console.log(`
What to do next:
  - Send it to your Sentry project: SENTRY_DSN=https://<key>@<org>.ingest.sentry.io/<project> npx -y pnpm@10.34.8 start
  - Look at it locally: start Spotlight (npx @spotlightjs/spotlight, UI on http://localhost:8969),
    then SENTRY_SPOTLIGHT=1 npx -y pnpm@10.34.8 start
  - Wire your own service in one call: packages/node/README.md (NodeSDK or a bare provider)
  - See it from express: npx -y pnpm@10.34.8 --filter @otel-sentry/example-express-backend start`);
