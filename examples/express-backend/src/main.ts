/**
 * An express backend traced by OpenTelemetry and wired to Sentry by `@otel-sentry/node` (the
 * sampler, propagator, span processor and exporter on one client) answers a few requests — a
 * route with a parameter that calls a downstream service, a JSON body, a thrown error, a
 * handled error — then prints what it sent and exits.
 *
 * With no SENTRY_DSN set, envelopes land in the local outbox folder (no network needed).
 * Set SENTRY_DSN to send them to your Sentry project instead.
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Envelope } from '@otel-sentry/core';
// app.js imports telemetry.js itself, so the instrumentations are set up before it loads express.
import { createApp } from './app.js';
import { sentry } from './telemetry.js';

const http = createRequire(import.meta.url)('node:http') as typeof Http;

const sent: Array<{ envelope: Envelope; status: number | undefined }> = [];
sentry.client.on('afterSendEnvelope', (envelope, result) => sent.push({ envelope, status: result.statusCode }));

/** The members of the events this demo prints. */
interface SentEvent {
  transaction?: string;
  transaction_info?: { source?: string };
  contexts?: { trace?: { status?: string }; response?: { status_code?: number } };
  spans?: Array<{ op?: string; description?: string }>;
  exception?: { values: Array<{ type?: string; value?: string; mechanism?: { handled?: boolean } }> };
  request?: { method?: string; url?: string };
}

function listen(server: Http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

// A downstream service (another process in real life).
const inventory = http.createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ inStock: 3 }));
});
const inventoryPort = await listen(inventory);
const shop = http.createServer(createApp(`http://127.0.0.1:${inventoryPort}`));
const shopPort = await listen(shop);

// The browser: fetch is not traced by the HTTP instrumentation, as a browser without OpenTelemetry.
async function call(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${shopPort}${path}`, {
    method,
    headers: { 'content-type': 'application/json', cookie: 'session=never-sent', authorization: 'Bearer never-sent' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  await response.arrayBuffer();
  console.log(`${method} ${path} → ${response.status}`);
}
await call('GET', '/users/42');
await call('POST', '/users/42/orders', { items: [{ sku: 'A1' }, { sku: 'B2' }] });
await call('GET', '/orders/7/refund');
await call('POST', '/users/42/charge', { amount: 1999 });
await call('GET', '/health');

// Sends what is pending now, to print it; `flushOnExit()` (telemetry.ts) covers a service's exit.
await sentry.shutdown();
shop.close();
inventory.close();

const outboxDir = sentry.exporter.outboxDir;
const where = outboxDir === undefined ? 'to Sentry' : `to ${outboxDir}`;
console.log(`\nenvelopes sent ${where}:`);
for (const { envelope, status } of sent) {
  for (const item of envelope.items) {
    // Events the exporter wrote straight to JSON (no hook could change them) travel as text.
    const e = (typeof item.payload === 'string' ? JSON.parse(item.payload) : item.payload) as SentEvent;
    if (item.headers.type === 'transaction') {
      const spans = (e.spans ?? []).map((s) => `${s.op}: ${s.description}`).join(' | ');
      console.log(
        `  transaction "${e.transaction}" (${e.transaction_info?.source}) ${e.contexts?.trace?.status}, HTTP ${e.contexts?.response?.status_code} [${status}]`,
      );
      console.log(`    spans: ${spans}`);
    } else if (item.headers.type === 'event') {
      const exception = e.exception?.values[0];
      console.log(
        `  error ${exception?.type}: ${exception?.value} (handled: ${exception?.mechanism?.handled}) in "${e.transaction}", request ${e.request?.method} ${e.request?.url} [${status}]`,
      );
    } else {
      console.log(`  ${item.headers.type} [${status}]`);
    }
  }
}
