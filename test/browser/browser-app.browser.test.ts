/**
 * examples/browser-app in headless Chromium: sdk-trace-web, the fetch instrumentation and
 * `@otel-sentry/browser` beside the real `@sentry/browser` session replay, against two
 * loopback origins:
 * - the page's server renders the page inside a server span of its own (`@otel-sentry/node`'s
 *   `getTraceMetaTags()`), and takes the Sentry envelopes of the page (replay and spans);
 * - the API, on another origin, whose CORS policy allows `sentry-trace` and `baggage` and
 *   nothing else (a `traceparent` would fail the preflight), echoes what it received.
 *
 * What must hold, with no wrapping in the page's code:
 * - the first API call (made after an `await`) continues the server's trace: same trace id,
 *   the server's DSC byte for byte, the id of the replay the page records beside it;
 * - the page's fetch span is a child of the server's span (the transaction the page sent);
 * - no `traceparent` crosses origins, and the call succeeds;
 * - after a `history.pushState` navigation, calls start a trace of their own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createSentrySetup, type SentryNodeSetup } from '@otel-sentry/node';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type Bundle, browserIt, bundlePage, type PageRun, runPage } from './support/chromium.js';

const PAGE_ENTRY = fileURLToPath(new URL('../../examples/browser-app/src/main.ts', import.meta.url));

interface Call {
  status: number | string;
  headers: Record<string, string | undefined>;
}
interface PageResult {
  replayId?: string;
  checkout?: Call;
  afterNavigation?: Call;
  errors: string[];
}

let pageServer: Server | undefined;
let apiServer: Server | undefined;
let pageOrigin = '';
let apiOrigin = '';
let profileDir: string | undefined;
let bundle: Promise<Bundle> | undefined;
let serverSide: SentryNodeSetup | undefined;
/** The server span each page render ran in, and the meta tags it wrote. */
const rendered: Array<{ traceId: string; spanId: string; metaTags: string }> = [];
const apiSaw: IncomingHttpHeaders[] = [];
const preflightHeaders: string[] = [];
/** Items of the envelopes the page's SDKs sent: `[type, payload]`. */
const pageItems: Array<[string, Record<string, unknown>]> = [];

function recordEnvelope(body: Buffer): void {
  const lines = body.toString('utf8').split('\n');
  for (let i = 1; i < lines.length; i++) {
    try {
      const header = JSON.parse(lines[i] ?? '') as { type?: string };
      if (header.type === 'transaction' || header.type === 'replay_event') {
        pageItems.push([header.type, JSON.parse(lines[i + 1] ?? '') as Record<string, unknown>]);
      }
    } catch {
      // a payload line (recordings are not JSON)
    }
  }
}

function renderPage(): string {
  const tracer = new BasicTracerProvider({
    sampler: serverSide!.sampler,
    spanProcessors: serverSide!.spanProcessors,
  }).getTracer('shop');
  const span = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER });
  const metaTags = serverSide!.getTraceMetaTags(trace.setSpan(context.active(), span));
  span.end();
  rendered.push({ ...span.spanContext(), metaTags });
  const config = { sentryDsn: `${pageOrigin.replace('//', '//public@')}/1`, apiOrigin };
  return `<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <title>loading</title>
    ${metaTags}
    <script>window.APP_CONFIG = ${JSON.stringify(config)};</script>
    <script type="module" src="/main.js"></script>
  </head>
  <body><main><h1>Checkout</h1></main></body>
</html>
`;
}

function listen(handler: RequestListener): Promise<Server> {
  const srv = createServer(handler);
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

async function startServers(): Promise<void> {
  pageServer = await listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/') {
      send(200, 'text/html; charset=utf-8', renderPage());
    } else if (path === '/main.js') {
      bundle ??= bundlePage(PAGE_ENTRY);
      bundle.then(
        (b) => send(200, 'text/javascript; charset=utf-8', b.code),
        (error: unknown) => send(500, 'text/plain', String(error)),
      );
    } else if (path === '/api/1/envelope/') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        try {
          recordEnvelope(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
        } catch {
          // not readable: not counted
        }
        send(200, 'application/json', '{}');
      });
    } else {
      send(404, 'text/plain', 'not found');
    }
  });
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

  apiServer = await listen((req, res) => {
    const cors = {
      'access-control-allow-origin': pageOrigin,
      // Exactly what the README's CORS section says to allow: no traceparent.
      'access-control-allow-headers': 'sentry-trace, baggage',
      'access-control-allow-methods': 'POST',
    };
    if (req.method === 'OPTIONS') {
      preflightHeaders.push(String(req.headers['access-control-request-headers'] ?? ''));
      res.writeHead(204, cors);
      res.end();
      return;
    }
    apiSaw.push(req.headers);
    res.writeHead(200, { ...cors, 'content-type': 'application/json' });
    res.end(JSON.stringify(req.headers));
  });
  apiOrigin = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
}

let page: Promise<PageRun<PageResult>> | undefined;
const loadPage = (): Promise<PageRun<PageResult>> => {
  page ??= (async () => {
    profileDir ??= await mkdtemp(join(tmpdir(), 'otel-sentry-chromium-app-'));
    return runPage<PageResult>(`${pageOrigin}/`, { profileDir, virtualTimeBudgetMillis: 10_000 });
  })();
  return page;
};

beforeAll(async () => {
  serverSide = createSentrySetup({ dsn: '', release: 'shop@1.0.0', env: false, validate: false });
  await startServers();
});

afterAll(async () => {
  for (const srv of [pageServer, apiServer]) {
    if (srv === undefined) continue;
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
  await serverSide?.shutdown();
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
});

const sentryMembers = (baggage: string | undefined) =>
  (baggage ?? '').split(',').filter((m) => m.startsWith('sentry-') && !m.startsWith('sentry-replay_id='));

describe('examples/browser-app in headless Chromium', () => {
  browserIt('continues the server-rendered trace across origins, with the replay id, without traceparent', async () => {
    const { result } = await loadPage();
    expect(result.errors).toEqual([]);
    const server = rendered[0];
    expect(server).toBeDefined();
    expect(result.replayId).toMatch(/^[0-9a-f]{32}$/);

    const checkout = result.checkout;
    expect(checkout?.status).toBe(200);
    expect(checkout?.headers['sentry-trace']).toMatch(new RegExp(`^${server!.traceId}-[0-9a-f]{16}-1$`));
    expect(checkout?.headers.traceparent).toBeUndefined();
    // The server's DSC byte for byte (as the meta tag carried it), the page's replay id beside it.
    const metaBaggage = /name="baggage" content="([^"]*)"/.exec(server!.metaTags)?.[1]?.replaceAll('&amp;', '&');
    expect(sentryMembers(checkout?.headers.baggage)).toEqual(sentryMembers(metaBaggage));
    expect(checkout?.headers.baggage).toContain(`sentry-replay_id=${result.replayId}`);
    expect(preflightHeaders.every((h) => !h.includes('traceparent'))).toBe(true);
  });

  browserIt("sends the page's fetch span as a child of the server's span", async () => {
    await loadPage();
    const server = rendered[0]!;
    const transactions = pageItems.filter(([type]) => type === 'transaction').map(([, payload]) => payload);
    const continued = transactions.find(
      (t) => (t.contexts as { trace?: { trace_id?: string } }).trace?.trace_id === server.traceId,
    );
    expect(continued, JSON.stringify(transactions)).toBeDefined();
    expect((continued!.contexts as { trace: { parent_span_id?: string } }).trace.parent_span_id).toBe(server.spanId);
  });

  browserIt('starts a trace of its own after a history navigation', async () => {
    const { result } = await loadPage();
    const after = result.afterNavigation;
    expect(after?.status).toBe(200);
    expect(after?.headers['sentry-trace']).toMatch(/^[0-9a-f]{32}-[0-9a-f]{16}/);
    expect(after?.headers['sentry-trace']?.slice(0, 32)).not.toBe(rendered[0]?.traceId);
    expect(after?.headers.baggage).toContain(`sentry-replay_id=${result.replayId}`);
  });
});
