/**
 * The two services of the main job, in this process: checkout-api (the backend the page
 * calls) and inventory (the downstream service checkout-api calls). Both are served by the
 * `http` module the instrumentation patched, so both are traced.
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode } from '@opentelemetry/api';
import { tracer } from './telemetry.js';

// Loaded after the instrumentation is registered, through `require`, so it is patched.
const http = createRequire(import.meta.url)('node:http') as typeof Http;

/** The trace headers a request carried. */
export type TraceHeaders = Record<'sentry-trace' | 'baggage' | 'traceparent', string | undefined>;

const header = (req: Http.IncomingMessage, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};
const traceHeaders = (req: Http.IncomingMessage): TraceHeaders => ({
  'sentry-trace': header(req, 'sentry-trace'),
  baggage: header(req, 'baggage'),
  traceparent: header(req, 'traceparent'),
});

export interface Service {
  readonly url: string;
  /** The trace headers of each request it answered, by path. */
  readonly received: Map<string, TraceHeaders>;
  close(): Promise<void>;
}

async function serve(handler: Http.RequestListener): Promise<Omit<Service, 'received'>> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** inventory: answers how many items are in stock. */
export async function startInventory(): Promise<Service> {
  const received = new Map<string, TraceHeaders>();
  const service = await serve((req, res) => {
    received.set(req.url ?? '/', traceHeaders(req));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ sku: 42, inStock: 3 }));
  });
  return { ...service, received };
}

/**
 * checkout-api, called by the page from another origin (CORS allows `sentry-trace` and
 * `baggage`). `POST /api/checkout` asks inventory for stock, then declines the card on
 * purpose — the demo's error, recorded on a span of its own — and answers 502.
 * `POST /api/orders/42` answers the order page. Both echo the trace headers they received, so
 * the page can show them.
 */
export async function startCheckoutApi(inventoryUrl: string): Promise<Service> {
  const received = new Map<string, TraceHeaders>();
  const service = await serve(async (req, res) => {
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*');
    res.setHeader('access-control-allow-headers', 'sentry-trace, baggage');
    res.setHeader('access-control-allow-methods', 'POST');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.end();
      return;
    }
    const headers = traceHeaders(req);
    received.set(req.url ?? '/', headers);
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/checkout') {
      const stock = await getJson(`${inventoryUrl}/stock/42`);
      const span = tracer.startSpan('charge card', { attributes: { 'sentry.op': 'payment' } });
      const error = new Error('card declined: insufficient funds');
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      span.end();
      res.statusCode = 502;
      res.end(JSON.stringify({ ...headers, stock, error: error.message }));
    } else {
      res.end(JSON.stringify({ ...headers, order: 42, status: 'payment declined' }));
    }
  });
  return { ...service, received };
}
