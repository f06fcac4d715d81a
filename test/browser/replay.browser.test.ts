/**
 * `SentryPropagator` in headless Chromium beside the real `@sentry/browser` session replay,
 * which feeds its `getReplayId`: page/replay.ts continues a trace a server rendered into the
 * page (its `<meta>` tags read by hand), records a replay, stops it, starts a new one, and
 * starts a trace of its own, sending requests through the browser's `fetch` to `/api/echo` on
 * a loopback `node:http` server. That server also takes the replay's envelopes, as Sentry
 * would.
 *
 * What must hold:
 * - a request carries the id of the replay being recorded, and no other;
 * - with no replay recording, no replay id at all: not the stopped one, not the one the
 *   server's DSC carried (the `getReplayId` source is the only word on it);
 * - the server's DSC travels byte for byte, whatever the replay does;
 * - with only the propagator (no span processor), one trace has one DSC, frozen once.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { dscFromBaggage } from '@otel-sentry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bundle, browserIt, bundlePage, type PageRun, runPage } from './support/chromium.js';

const PAGE_ENTRY = fileURLToPath(new URL('./page/replay.ts', import.meta.url));

/** The trace the server rendered into the page, its DSC holding the replay id of an earlier session. */
const SERVER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SERVER_SPAN_ID = '00f067aa0ba902b7';
const SERVER_DSC = [
  `sentry-trace_id=${SERVER_TRACE_ID}`,
  'sentry-public_key=server',
  'sentry-release=shop%403.2.1',
  'sentry-environment=production',
  'sentry-sample_rate=1',
  'sentry-sample_rand=0.424242',
  'sentry-sampled=true',
  'sentry-transaction=GET%20%2Fcheckout',
].join(',');
const OLD_REPLAY_ID = '0a0a0a0a0a0a4a0a8a0a0a0a0a0a0a0a';

const PAGE_HTML = `<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <title>loading</title>
    <meta name="sentry-trace" content="${SERVER_TRACE_ID}-${SERVER_SPAN_ID}-1">
    <meta name="baggage" content="${SERVER_DSC},sentry-replay_id=${OLD_REPLAY_ID}">
    <script type="module" src="/replay.js"></script>
  </head>
  <body><main><h1>Checkout</h1><button>Pay</button></main></body>
</html>
`;

interface Sent {
  traceId: string;
  injected: Record<string, string>;
  echoed: Record<string, unknown>;
}

interface ReplayPageResult {
  errors: string[];
  diag: string[];
  sdkVersion: string;
  incoming: Record<string, string>;
  firstReplayId?: string;
  secondReplayId?: string;
  recording?: Sent;
  stopped?: Sent;
  restarted?: Sent;
  head?: Sent[];
  createDscCalls?: number;
}

let server: Server | undefined;
let origin = '';
let profileDir: string | undefined;
let bundle: Promise<Bundle> | undefined;
const echoed: IncomingHttpHeaders[] = [];
/** Replay ids of the `replay_event` items the page's Sentry SDK sent. */
const replayEvents: string[] = [];

const loadBundle = (): Promise<Bundle> => {
  bundle ??= bundlePage(PAGE_ENTRY);
  return bundle;
};

function recordEnvelope(body: Buffer): void {
  const lines = body.toString('utf8').split('\n');
  for (let i = 1; i < lines.length; i++) {
    try {
      const header = JSON.parse(lines[i] ?? '') as { type?: string };
      if (header.type === 'replay_event') {
        const payload = JSON.parse(lines[i + 1] ?? '') as { replay_id?: string };
        if (payload.replay_id !== undefined) replayEvents.push(payload.replay_id);
      }
    } catch {
      // a payload line (recordings are not JSON)
    }
  }
}

function startServer(): Promise<Server> {
  const srv = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/') {
      send(200, 'text/html; charset=utf-8', PAGE_HTML);
    } else if (path === '/replay.js') {
      loadBundle().then(
        (b) => send(200, 'text/javascript; charset=utf-8', b.code),
        (error: unknown) => send(500, 'text/plain', String(error)),
      );
    } else if (path === '/api/echo') {
      echoed.push(req.headers);
      send(200, 'application/json', JSON.stringify(req.headers));
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
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

let page: Promise<PageRun<ReplayPageResult>> | undefined;
const loadPage = (): Promise<PageRun<ReplayPageResult>> => {
  page ??= (async () => {
    profileDir ??= await mkdtemp(join(tmpdir(), 'otel-sentry-chromium-replay-'));
    return runPage<ReplayPageResult>(`${origin}/`, { profileDir, virtualTimeBudgetMillis: 10_000 });
  })();
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

/** What the server saw for a request the page sent. */
function receivedFor(sent: Sent | undefined): IncomingHttpHeaders {
  expect(sent, 'the page did not get to this request').toBeDefined();
  const received = echoed.find((h) => h['sentry-trace'] === sent!.injected['sentry-trace']);
  expect(received, 'the server saw no request with the injected sentry-trace').toBeDefined();
  expect(sent!.echoed).toEqual(received);
  return received!;
}

function replayIdOf(headers: IncomingHttpHeaders): string | undefined {
  const ids = String(headers.baggage ?? '')
    .split(',')
    .filter((m) => m.startsWith('sentry-replay_id='))
    .map((m) => m.slice('sentry-replay_id='.length));
  expect(ids.length).toBeLessThanOrEqual(1);
  return ids[0];
}

function dscOf(headers: IncomingHttpHeaders): string {
  return String(headers.baggage ?? '')
    .split(',')
    .filter((m) => m.startsWith('sentry-') && !m.startsWith('sentry-replay_id='))
    .join(',');
}

const TIMEOUT = { timeout: 60_000 };

describe('SentryPropagator with the @sentry/browser replay integration in headless Chromium', () => {
  it('bundles the page with @sentry/browser and without any Node module', async () => {
    const b = await loadBundle();
    expect(b.nodeImports).toEqual([]);
    expect(b.externalImports).toEqual([]);
    expect(b.inputs).toContain('packages/propagator/src/sentry-propagator.ts');
    expect(b.inputs.some((i) => i.includes('@sentry/replay/'))).toBe(true);
  });

  browserIt('runs the page to the end with no error and no diag warning', TIMEOUT, async () => {
    const { title, result, version } = await loadPage();
    expect(result.errors).toEqual([]);
    expect(result.diag).toEqual([]);
    expect(title).toBe('done');
    expect(result.sdkVersion).toMatch(/^11\./);
    console.log(`replay test ran in ${version} with @sentry/browser ${result.sdkVersion}`);
  });

  browserIt(
    'continues the server-rendered trace, its DSC byte for byte, while the replay changes',
    TIMEOUT,
    async () => {
      const { result } = await loadPage();
      expect(result.incoming['sentry-trace']).toBe(`${SERVER_TRACE_ID}-${SERVER_SPAN_ID}-1`);
      for (const sent of [result.recording, result.stopped, result.restarted]) {
        const received = receivedFor(sent);
        expect(String(received['sentry-trace'])).toMatch(new RegExp(`^${SERVER_TRACE_ID}-[0-9a-f]{16}-1$`));
        expect(dscOf(received)).toBe(SERVER_DSC);
      }
    },
  );

  browserIt('sends the id of the replay being recorded, not the one the server DSC carried', TIMEOUT, async () => {
    const { result } = await loadPage();
    expect(result.firstReplayId).toMatch(/^[0-9a-f]{32}$/);
    expect(replayIdOf(receivedFor(result.recording))).toBe(result.firstReplayId);
    // The replay really recorded: its events reached "Sentry" under that id.
    expect(replayEvents).toContain(result.firstReplayId);
  });

  browserIt('sends no replay id once the replay stopped: not the stopped one, not the stale one', TIMEOUT, async () => {
    const { result } = await loadPage();
    const received = receivedFor(result.stopped);
    expect(replayIdOf(received)).toBeUndefined();
    expect(String(received.baggage)).not.toContain(OLD_REPLAY_ID);
    expect(String(received.baggage)).not.toContain(result.firstReplayId!);
  });

  browserIt('sends the new id once a new replay started', TIMEOUT, async () => {
    const { result } = await loadPage();
    expect(result.secondReplayId).toMatch(/^[0-9a-f]{32}$/);
    expect(result.secondReplayId).not.toBe(result.firstReplayId);
    expect(replayIdOf(receivedFor(result.restarted))).toBe(result.secondReplayId);
  });

  browserIt(
    'freezes one DSC per trace with only the propagator: every request of a trace sends it',
    TIMEOUT,
    async () => {
      const { result } = await loadPage();
      const [first, second] = (result.head ?? []).map(receivedFor);
      expect(first?.['sentry-trace']).not.toBe(second?.['sentry-trace']);
      expect(dscOf(first!)).toBe(dscOf(second!));
      expect(dscFromBaggage(dscOf(first!))).toMatchObject({
        trace_id: result.head![0]!.traceId,
        public_key: 'key',
        release: 'web@2.0.0',
        sampled: 'true',
      });
      // Built and offered to createDsc hooks once, for the one trace started here.
      expect(result.createDscCalls).toBe(1);
      // The page's replay is current for these requests too.
      expect(replayIdOf(first!)).toBe(result.secondReplayId);
    },
  );
});
