/**
 * `@otel-sentry/propagator` (with `@otel-sentry/core`) in a real browser: headless Chromium,
 * loopback only, no mocks.
 *
 * page/main.ts is bundled with esbuild for the browser (the packages from their TypeScript
 * sources, with @opentelemetry/api, core and sdk-trace-base) and served with its HTML from
 * a node:http server on 127.0.0.1, beside `/api/echo`, which answers with the request
 * headers it received. Chromium loads the page, the page injects trace headers into its
 * `fetch` calls to `/api/echo` (a trace it starts, and the trace the server rendered into
 * `<meta>` tags), and writes what it saw into the DOM, which Chromium dumps.
 *
 * Needs /usr/bin/chromium: `apt-get update && apt-get install -y chromium` (.ci/run does it).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bundle, browserIt, bundlePage, type PageRun as ChromiumRun, runPage } from './support/chromium.js';

/** The replay id page/main.ts reports from its `getReplayId`, and how baggage carries it. */
const PAGE_REPLAY_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const PAGE_REPLAY_HEX = PAGE_REPLAY_ID.replaceAll('-', '');

/** The trace a server "rendered into the page": it continues in the browser. */
const INCOMING_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const INCOMING_SPAN_ID = 'b7ad6b7169203331';
const INCOMING_SENTRY_TRACE = `${INCOMING_TRACE_ID}-${INCOMING_SPAN_ID}-1`;
// Sentry members as a Sentry SDK writes them (encodeURIComponent'd values), between a
// foreign member and an upstream replay id: neither of those two is the propagator's to send.
const INCOMING_DSC = [
  `sentry-trace_id=${INCOMING_TRACE_ID}`,
  'sentry-public_key=upstream',
  'sentry-release=api%401.4.0',
  'sentry-environment=production',
  'sentry-sample_rate=0.25',
  'sentry-sample_rand=0.123456',
  'sentry-sampled=true',
  'sentry-transaction=GET%20%2Fcheckout',
].join(',');
const INCOMING_BAGGAGE = `vendor=abc,${INCOMING_DSC},sentry-replay_id=00000000000040008000000000000001`;

const PAGE_ENTRY = fileURLToPath(new URL('./page/main.ts', import.meta.url));

// ---------------------------------------------------------------------------------------
// The loopback server: the page, its bundle, and /api/echo.

const PAGE_HTML = `<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <title>loading</title>
    <meta name="sentry-trace" content="${INCOMING_SENTRY_TRACE}">
    <meta name="baggage" content="${INCOMING_BAGGAGE}">
    <script type="module" src="/main.js"></script>
  </head>
  <body></body>
</html>
`;

let server: Server | undefined;
let origin = '';
let profileDir: string | undefined;
let bundle: Promise<Bundle> | undefined;
const echoed: IncomingHttpHeaders[] = [];

const loadBundle = (): Promise<Bundle> => {
  bundle ??= bundlePage(PAGE_ENTRY);
  return bundle;
};

function startServer(): Promise<Server> {
  const srv = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/') {
      send(200, 'text/html; charset=utf-8', PAGE_HTML);
    } else if (path === '/main.js') {
      loadBundle().then(
        (b) => send(200, 'text/javascript; charset=utf-8', b.code),
        (error: unknown) => send(500, 'text/plain', String(error)),
      );
    } else if (path === '/api/echo') {
      echoed.push(req.headers);
      send(200, 'application/json', JSON.stringify(req.headers));
    } else {
      send(404, 'text/plain', 'not found');
    }
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

// ---------------------------------------------------------------------------------------
// Chromium.

interface Sent {
  traceId: string;
  spanId: string;
  injected: Record<string, string>;
  echoed: Record<string, unknown>;
}
interface PageResult {
  errors: string[];
  diag: string[];
  userAgent: string;
  head?: Sent;
  continued?: Sent & { incoming: Record<string, string> };
}
type PageRun = ChromiumRun<PageResult>;

async function runChromium(): Promise<PageRun> {
  profileDir ??= await mkdtemp(join(tmpdir(), 'otel-sentry-chromium-'));
  return runPage<PageResult>(`${origin}/`, { profileDir });
}

let page: Promise<PageRun> | undefined;
const loadPage = (): Promise<PageRun> => {
  page ??= runChromium();
  return page;
};

beforeAll(async () => {
  server = await startServer();
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  const srv = server;
  server = undefined;
  if (srv !== undefined) {
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
});

// ---------------------------------------------------------------------------------------

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

describe('@otel-sentry/propagator in headless Chromium', () => {
  it('bundles for the browser without any Node module', async () => {
    const b = await loadBundle();
    expect(b.nodeImports, 'Node modules imported by the browser bundle').toEqual([]);
    expect(b.externalImports, 'imports left out of the bundle').toEqual([]);
    // The packages come from their sources, next to the OpenTelemetry browser builds.
    expect(b.inputs).toContain('packages/propagator/src/sentry-propagator.ts');
    expect(b.inputs).toContain('packages/core/src/client.ts');
    expect(b.inputs.some((i) => i.includes('@opentelemetry/sdk-trace-base/'))).toBe(true);
    expect(b.inputs.filter((i) => i.includes('/platform/node/'))).toEqual([]);
  });

  browserIt('runs the page to the end with no error and no diag warning', { timeout: 45_000 }, async () => {
    const { title, result } = await loadPage();
    expect(result.errors).toEqual([]);
    expect(result.diag).toEqual([]);
    expect(title).toBe('done');
    expect(result.userAgent).toMatch(/Chrome\//);
  });

  browserIt(
    'sends sentry-trace with the has-replay flag and a fresh DSC at the head of a trace',
    {
      timeout: 45_000,
    },
    async () => {
      const { result } = await loadPage();
      const head = result.head!;
      expect(head, 'the page did not get to its first request').toBeDefined();
      expect(head.traceId).toMatch(TRACE_ID);
      expect(head.spanId).toMatch(SPAN_ID);

      // What reached the server is what the page injected, through the browser's fetch.
      const received = echoed.find((h) => h['sentry-trace'] === head.injected['sentry-trace']);
      expect(received, 'the server saw no request with the injected sentry-trace').toBeDefined();
      expect(head.echoed).toEqual(received);
      expect(received?.['user-agent']).toMatch(/Chrome\//);

      // 4 fields: sampled, then flags 0x01 because a replay is being recorded.
      expect(received?.['sentry-trace']).toBe(`${head.traceId}-${head.spanId}-1-01`);
      expect(received?.traceparent).toBe(`00-${head.traceId}-${head.spanId}-01`);

      const baggage = String(received?.baggage);
      const members = baggage.split(',');
      expect(members).toContain(`sentry-trace_id=${head.traceId}`);
      expect(members).toContain('sentry-public_key=key');
      // '@' is a W3C baggage-octet: core's percentEncode leaves it raw.
      expect(members).toContain('sentry-release=web@1.0.0');
      expect(members).toContain('sentry-sampled=true');
      expect(members).toContain('sentry-environment=production');
      expect(members).toContain('sentry-org_id=1'); // from the DSN host o1.ingest.example.com
      expect(members).toContain('sentry-transaction=checkout%20click');
      expect(members).toContain(`sentry-replay_id=${PAGE_REPLAY_HEX}`);
      expect(members.filter((m) => m.startsWith('sentry-replay_id='))).toHaveLength(1);
      expect(members.every((m) => m.startsWith('sentry-'))).toBe(true);
    },
  );

  browserIt(
    'continues the trace from the page <meta> tags with the incoming DSC bytes unchanged',
    {
      timeout: 45_000,
    },
    async () => {
      const { result } = await loadPage();
      const continued = result.continued!;
      expect(continued, 'the page did not get to its second request').toBeDefined();
      expect(continued.incoming).toEqual({ 'sentry-trace': INCOMING_SENTRY_TRACE, baggage: INCOMING_BAGGAGE });
      expect(continued.traceId).toBe(INCOMING_TRACE_ID);
      expect(continued.spanId).toMatch(SPAN_ID);
      expect(continued.spanId).not.toBe(INCOMING_SPAN_ID);

      const received = echoed.find((h) => h['sentry-trace'] === continued.injected['sentry-trace']);
      expect(received, 'the server saw no request with the injected sentry-trace').toBeDefined();
      expect(continued.echoed).toEqual(received);

      expect(received?.['sentry-trace']).toBe(`${INCOMING_TRACE_ID}-${continued.spanId}-1-01`);
      expect(received?.traceparent).toBe(`00-${INCOMING_TRACE_ID}-${continued.spanId}-01`);
      // The Sentry members byte for byte as they arrived; the foreign member and the upstream
      // replay id stay behind, and the page's current replay id goes beside the DSC.
      expect(received?.baggage).toBe(`${INCOMING_DSC},sentry-replay_id=${PAGE_REPLAY_HEX}`);
    },
  );

  browserIt('reports the Chromium version', { timeout: 45_000 }, async () => {
    const { version } = await loadPage();
    expect(version).toMatch(/Chrom(e|ium) \d+/);
    console.log(`browser test ran in ${version}`);
  });
});
