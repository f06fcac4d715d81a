/**
 * A service traced by the real Sentry Node SDK, run in a child process of its own (the SDK
 * patches `http` and keeps global state). sentry-node-hops.test.ts starts one per SDK major and
 * mode, and chains them with otel-sentry services over loopback.
 *
 * Environment:
 * - `HOP_SDK`: `10` (`@sentry/node-v10`, i.e. `@sentry/node@10`) or `11` (`@sentry/node`);
 * - `HOP_MODE`: `errors` (no `tracesSampleRate`: errors only, traces propagated but never
 *   sampled here) or a sample rate such as `1` or `0`;
 * - `HOP_DSN`: where its envelopes go (a loopback receiver of the test).
 *
 * It answers every request with the hop protocol of hop-protocol.ts: what it received, what
 * the SDK did with it, and the answers of the calls the query asked for (`call=<url>`,
 * repeated, made in order with the SDK-instrumented `http`). `error=<label>` also captures an
 * exception in the request's scope (a distinct label each time: the SDK drops repeated errors). It says `ready` (with its port) over IPC, and exits when
 * asked or when the test process goes away.
 */
import type * as Http from 'node:http';
import type { HopAnswer } from './hop-protocol.js';

interface SentryNodeApi {
  readonly SDK_VERSION: string;
  init(options: Record<string, unknown>): unknown;
  getActiveSpan(): { spanContext(): { traceId: string; traceFlags: number } } | undefined;
  getTraceData(): Record<string, string | undefined>;
  captureException(error: unknown): string;
  flush(timeoutMs?: number): PromiseLike<boolean>;
}

const sdk = process.env.HOP_SDK;
const mode = process.env.HOP_MODE ?? 'errors';
const Sentry = (sdk === '10'
  ? await import('@sentry/node-v10')
  : await import('@sentry/node')) as unknown as SentryNodeApi;

Sentry.init({
  dsn: process.env.HOP_DSN,
  release: `sentry-node-${sdk}@1.0.0`,
  environment: 'e2e',
  ...(mode === 'errors' ? {} : { tracesSampleRate: Number(mode) }),
});

// Loaded after init, so the SDK's instrumentation sees it.
const http = (await import('node:http')) as typeof Http;
const name = `@sentry/node ${Sentry.SDK_VERSION} (${mode === 'errors' ? 'errors only' : `tracesSampleRate ${mode}`})`;

function get(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          resolve(body);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${url} timed out`)));
    request.on('error', reject);
  });
}

function pick(headers: Http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['sentry-trace', 'baggage', 'traceparent', 'tracestate']) {
    const value = headers[key];
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

const server = http.createServer((req, res) => {
  void (async () => {
    const url = new URL(req.url ?? '/', 'http://hop');
    const span = Sentry.getActiveSpan();
    const context = span?.spanContext();
    const answer: HopAnswer = {
      name,
      received: pick(req.headers),
      span: context === undefined ? null : { traceId: context.traceId, sampled: (context.traceFlags & 1) === 1 },
      propagates: Sentry.getTraceData(),
      calls: [],
    };
    const error = url.searchParams.get('error');
    if (error !== null) Sentry.captureException(new Error(`failure ${error} in ${name}`));
    for (const next of url.searchParams.getAll('call')) answer.calls.push(await get(next));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  })().catch((error: unknown) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  });
});

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'flush') {
    void Promise.resolve(Sentry.flush(5_000)).then(() => process.send?.({ type: 'flushed' }));
  } else if (message?.type === 'exit') {
    process.exit(0);
  }
});
// The test process went away without asking: go too.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0 });
});
