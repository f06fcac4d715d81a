/**
 * The browser side of replay.browser.test.ts, bundled with esbuild and loaded by headless
 * Chromium: a page that records a session replay with the real `@sentry/browser` replay
 * integration, and tags its requests through `SentryPropagator` alone (no span processor), its
 * `getReplayId` fed by that integration.
 *
 * 1. The server rendered the page in a trace and put `<meta name="sentry-trace">` and
 *    `<meta name="baggage">` in it, the DSC holding the replay id of an earlier session; the
 *    page extracts those tags by hand and continues the trace.
 * 2. While the replay records, a request carries the current replay id, not the server's.
 * 3. After `replay.stop()`, a request carries none: not the stopped one, not the server's.
 * 4. After `replay.start()`, a new replay: a request carries its new id.
 * 5. A trace started here with a long-lived page span: two requests under it carry one DSC,
 *    frozen once (one `createDsc` call), though nothing links the request spans to a root.
 *
 * Every request goes with `fetch` to the page's own `/api/echo`, which answers with the
 * headers it received. What the page saw goes into `<pre id="result">` as JSON, then
 * `document.title = 'done'`.
 */
import { type DiagLogger, DiagLogLevel, diag, propagation, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { SentryPropagator } from '@otel-sentry/propagator';
import * as Sentry from '@sentry/browser';

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
  firstReplayId?: string | undefined;
  secondReplayId?: string | undefined;
  recording?: Sent;
  stopped?: Sent;
  restarted?: Sent;
  head?: Sent[];
  createDscCalls?: number;
}

const result: ReplayPageResult = { errors: [], diag: [], sdkVersion: Sentry.SDK_VERSION, incoming: {} };

function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return String(value);
  }
}

window.addEventListener('error', (event) => {
  result.errors.push(`window.onerror: ${event.message} at ${event.filename}:${event.lineno}:${event.colno}`);
});
window.addEventListener('unhandledrejection', (event) => {
  result.errors.push(`unhandledrejection: ${describeValue(event.reason)}`);
});

const record =
  (level: string) =>
  (message: string, ...args: unknown[]): void => {
    result.diag.push(`${level}: ${message} ${args.map(describeValue).join(' ')}`.trim());
  };
const logger: DiagLogger = {
  error: record('error'),
  warn: record('warn'),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};
diag.setLogger(logger, DiagLogLevel.WARN);

function finish(): void {
  const pre = document.createElement('pre');
  pre.id = 'result';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
  document.title = 'done';
}

// ---------------------------------------------------------------------------------------
// The real Sentry browser SDK, recording a session replay to the page's own origin.

Sentry.init({
  dsn: `${location.protocol}//key@${location.host}/1`,
  // Short delays so that the page's few hundred milliseconds of recording are sent, not dropped
  // as too short; no compression worker, whose messages Chromium's virtual time (the test runs
  // the page on it) does not always deliver before the budget ends.
  integrations: [
    Sentry.replayIntegration({ minReplayDuration: 0, flushMinDelay: 50, flushMaxDelay: 200, useCompression: false }),
  ],
  replaysSessionSampleRate: 1,
  replaysOnErrorSampleRate: 0,
});
const replay = Sentry.getReplay();

/** The id of the replay being recorded: only a session recording, not buffering or a stopped one. */
function recordingReplayId(): string | undefined {
  if (replay === undefined || replay.getRecordingMode() !== 'session') return undefined;
  return replay.getReplayId();
}

async function waitForReplay(notId?: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const id = recordingReplayId();
    if (id !== undefined && id !== notId) return id;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the replay integration did not start recording');
}

// ---------------------------------------------------------------------------------------
// OpenTelemetry with only the propagator: no span processor.

const client = createClient({ dsn: 'https://key@o1.ingest.example.com/1', release: 'web@2.0.0', env: false });
let createDscCalls = 0;
client.on('createDsc', () => {
  createDscCalls++;
});
propagation.setGlobalPropagator(
  new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new SentryPropagator({ client, getReplayId: recordingReplayId })],
  }),
);
const tracer = new BasicTracerProvider().getTracer('otel-sentry-replay-page');

/** A request as the fetch instrumentation makes one: a client span under `parent`, its headers injected. */
async function request(parent: Span | ReturnType<typeof propagation.extract>, name: string): Promise<Sent> {
  const parentCtx = 'spanContext' in parent ? trace.setSpan(ROOT_CONTEXT, parent) : parent;
  const span = tracer.startSpan(name, { attributes: { 'http.request.method': 'GET' } }, parentCtx);
  const injected: Record<string, string> = {};
  propagation.inject(trace.setSpan(parentCtx, span), injected);
  const response = await fetch('/api/echo', { headers: injected, cache: 'no-store' });
  span.end();
  if (!response.ok) throw new Error(`/api/echo answered ${response.status}`);
  return { traceId: span.spanContext().traceId, injected, echoed: (await response.json()) as Record<string, unknown> };
}

function meta(name: string): string | undefined {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;
}

async function main(): Promise<void> {
  // 1. The trace the server rendered into the page, extracted from its tags by hand.
  for (const name of ['sentry-trace', 'baggage']) {
    const value = meta(name);
    if (value !== undefined) result.incoming[name] = value;
  }
  const continued = propagation.extract(ROOT_CONTEXT, result.incoming, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => carrier[key],
  });

  // 2. Recording.
  result.firstReplayId = await waitForReplay();
  result.recording = await request(continued, 'GET /api/cart');

  // 3. Stopped.
  await replay!.stop();
  result.stopped = await request(continued, 'GET /api/cart');

  // 4. A new replay.
  replay!.start();
  result.secondReplayId = await waitForReplay(result.firstReplayId);
  result.restarted = await request(continued, 'GET /api/cart');

  // 5. A trace started here, one page span, requests under it.
  const page = tracer.startSpan('checkout page', {}, ROOT_CONTEXT);
  result.head = [await request(page, 'GET /api/prices'), await request(page, 'POST /api/order')];
  page.end();
  result.createDscCalls = createDscCalls;
}

main().then(finish, (error: unknown) => {
  result.errors.push(`main: ${describeValue(error)}`);
  finish();
});
