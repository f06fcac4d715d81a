/**
 * The browser side of the main job. With Chromium on the machine, the real page:
 * examples/browser-app (sdk-trace-web, the fetch instrumentation, `@otel-sentry/browser` and
 * the `@sentry/browser` session replay), bundled with esbuild and run in headless Chromium. Its
 * Sentry envelopes (its transactions, the replay) come back to the server that handed it the
 * page, which passes them on to Spotlight (or the outbox), as a Sentry `tunnel` would.
 *
 * Without Chromium, a scripted client sends the requests the page would send, with the same
 * trace headers: `sentry-trace` with the sampled flag, `baggage` with the browser's dynamic
 * sampling context and the id of the replay it records. It sends no envelopes of its own.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const PAGE_ENTRY = fileURLToPath(new URL('../../browser-app/src/main.ts', import.meta.url));
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const CHROMIUM_TIMEOUT_MILLIS = 15_000;

/** One API call of the page, as the API echoed it back. */
export interface Call {
  status: number | string;
  /** The trace headers the API received. */
  headers: Record<string, string | undefined>;
}

/** What the page reports (examples/browser-app/src/main.ts writes it into the DOM). */
export interface PageResult {
  replayId?: string | undefined;
  checkout?: Call;
  afterNavigation?: Call;
  errors: string[];
}

/** The Chromium to run: `CHROMIUM=<path>` picks one, `CHROMIUM=off` none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM !== undefined) return env.CHROMIUM === 'off' || env.CHROMIUM === '' ? undefined : env.CHROMIUM;
  return CHROMIUM_CANDIDATES.find((path) => existsSync(path));
}

interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ outputFiles?: Array<{ text: string }> }>;
}

/** Bundles examples/browser-app for the browser, against the packages' built `dist`. */
export async function bundlePage(): Promise<string> {
  const esbuild = (await import('esbuild')) as unknown as Esbuild;
  const result = await esbuild.build({
    entryPoints: [PAGE_ENTRY],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // The packages as an app installs them (their `browser` exports, built), not the
    // workspace's source paths of tsconfig.json.
    tsconfigRaw: {},
  });
  const code = result.outputFiles?.[0]?.text;
  if (code === undefined) throw new Error('esbuild produced no bundle');
  return code;
}

export interface PageServer {
  readonly origin: string;
  readonly port: number;
  /** The `User-Agent` the page's requests carried. */
  userAgent: string | undefined;
  /** Envelopes received from the page. */
  envelopes: number;
  close(): Promise<void>;
}

/**
 * Serves the page (`/`, `/main.js`) and takes the page's envelopes at the DSN it was given
 * (`/api/1/envelope/`), handing each one to `forward`.
 */
export async function startPageServer(
  bundle: Promise<string>,
  apiOrigin: string,
  forward: (envelope: Buffer) => Promise<void>,
): Promise<PageServer> {
  let state: PageServer | undefined;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (state !== undefined && req.headers['user-agent']) state.userAgent = req.headers['user-agent'];
    if (path === '/' && state !== undefined) {
      const config = { sentryDsn: `${state.origin.replace('//', '//public@')}/1`, apiOrigin };
      send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><html><head><meta charset="utf-8"><title>checkout</title>
<script>window.APP_CONFIG = ${JSON.stringify(config)};
// Headless Chromium runs this page on virtual time, which does not wait for Web Workers: without
// one, the replay records into a plain buffer (as where workers are blocked) and sends in time.
window.Worker = undefined;</script>
<script type="module" src="/main.js"></script></head><body><h1>Checkout</h1></body></html>`,
      );
    } else if (path === '/main.js') {
      bundle.then(
        (code) => send(200, 'text/javascript; charset=utf-8', code),
        (error: unknown) => send(500, 'text/plain', String(error)),
      );
    } else if (path === '/api/1/envelope/' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        try {
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        } catch {
          send(400, 'text/plain', 'not gzip');
          return;
        }
        if (state !== undefined) state.envelopes++;
        forward(body).then(
          () => send(200, 'application/json', '{}'),
          () => send(502, 'application/json', '{}'),
        );
      });
    } else {
      send(404, 'text/plain', 'not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state = {
    origin: `http://127.0.0.1:${port}`,
    port,
    userAgent: undefined,
    envelopes: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return state;
}

function unescapeHtml(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');
}

/** Loads `url` in headless Chromium and reads the JSON result the page writes into `<pre id="result">`. */
export async function runChromium(chromium: string, url: string): Promise<PageResult> {
  const profileDir = await mkdtemp(join(tmpdir(), 'otel-sentry-main-job-'));
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
          '--disable-sync',
          `--user-data-dir=${profileDir}`,
          // Timers run on virtual time: the replay's flush delay passes at once.
          '--virtual-time-budget=10000',
          '--dump-dom',
          url,
        ],
        { timeout: CHROMIUM_TIMEOUT_MILLIS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`.trim())) : resolve(out)),
      );
    });
    const pre = /<pre id="result">([\s\S]*?)<\/pre>/.exec(stdout);
    if (pre?.[1] === undefined) throw new Error(`the page wrote no result: ${stdout.slice(0, 2000)}`);
    return JSON.parse(unescapeHtml(pre[1])) as PageResult;
  } finally {
    await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/**
 * The scripted client: the two requests of the page, with the headers `@otel-sentry/browser`
 * writes (its own trace per request, sampled, the replay id beside the DSC). Sent with
 * `fetch`, which this process does not trace: the browser is not part of the service.
 */
export async function runScriptedBrowser(apiOrigin: string): Promise<PageResult> {
  const replayId = randomBytes(16).toString('hex');
  const call = async (path: string): Promise<Call> => {
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const sampleRand = (randomBytes(4).readUInt32BE() / 2 ** 32).toFixed(6);
    const response = await fetch(`${apiOrigin}${path}`, {
      method: 'POST',
      headers: {
        'sentry-trace': `${traceId}-${spanId}-1`,
        baggage:
          `sentry-trace_id=${traceId},sentry-public_key=public,sentry-sample_rate=1,` +
          `sentry-sample_rand=${sampleRand},sentry-sampled=true,sentry-replay_id=${replayId}`,
      },
      signal: AbortSignal.timeout(5_000),
    });
    const echoed = (await response.json()) as Record<string, string | undefined>;
    return {
      status: response.status,
      headers: { 'sentry-trace': echoed['sentry-trace'], baggage: echoed.baggage, traceparent: echoed.traceparent },
    };
  };
  const checkout = await call('/api/checkout');
  const afterNavigation = await call('/api/orders/42');
  return { replayId, checkout, afterNavigation, errors: [] };
}

/** Writes one envelope into the outbox folder, named as the exporter names its files. */
export function writeToOutbox(dir: string, envelope: Buffer, sequence: number): void {
  mkdirSync(dir, { recursive: true });
  const name = `${String(Date.now()).padStart(15, '0')}-browser-${String(sequence).padStart(3, '0')}.envelope`;
  writeFileSync(join(dir, name), envelope);
}
