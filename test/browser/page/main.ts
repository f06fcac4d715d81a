/**
 * The browser side of propagator.browser.test.ts, bundled with esbuild for the browser and
 * loaded by headless Chromium. It does what a web app does with `@otel-sentry/propagator`
 * (README, "Browser: tag requests with the replay id"):
 *
 * 1. head of a trace: starts a span, injects into a plain headers object, and sends it with
 *    `fetch` to the page's own `/api/echo`, which answers with the headers it received;
 * 2. continuing a trace: extracts the trace the server handed to the page in its
 *    `<meta name="sentry-trace">` / `<meta name="baggage">` tags, starts a child span in it,
 *    injects, and sends that too.
 *
 * Everything it sees goes into `<pre id="result">` as JSON, then `document.title = 'done'`.
 * No context manager is registered, so every context is passed explicitly.
 */
import {
  context,
  type DiagLogger,
  DiagLogLevel,
  diag,
  propagation,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { SentryPropagator } from '@otel-sentry/propagator';

/**
 * The id the page's "replay recorder" reports, with dashes as recorders hand it out.
 * propagator.browser.test.ts expects this very id.
 */
const PAGE_REPLAY_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

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

const result: PageResult = { errors: [], diag: [], userAgent: navigator.userAgent };

function describe(value: unknown): string {
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
  result.errors.push(`unhandledrejection: ${describe(event.reason)}`);
});

// The propagator never throws: what goes wrong is logged through diag. Any warning fails the test.
const record =
  (level: string) =>
  (message: string, ...args: unknown[]): void => {
    result.diag.push(`${level}: ${message} ${args.map(describe).join(' ')}`.trim());
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

async function echo(headers: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch('/api/echo', { headers, cache: 'no-store' });
  if (!response.ok) throw new Error(`/api/echo answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

function meta(name: string): string | undefined {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;
}

const recordGetter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

async function main(): Promise<void> {
  const client = createClient({ dsn: 'https://key@o1.ingest.example.com/1', release: 'web@1.0.0', env: false });
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new SentryPropagator({ client, sentryTraceFlags: true, getReplayId: () => PAGE_REPLAY_ID }),
      ],
    }),
  );
  const tracer = new BasicTracerProvider().getTracer('otel-sentry-browser-test');

  // 1. The head of a trace.
  const span = tracer.startSpan('checkout click');
  const headHeaders: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), headHeaders);
  const headEchoed = await echo(headHeaders);
  span.end();
  const { traceId, spanId } = span.spanContext();
  result.head = { traceId, spanId, injected: headHeaders, echoed: headEchoed };

  // 2. Continuing the trace the server rendered into the page.
  const incoming: Record<string, string> = {};
  for (const name of ['sentry-trace', 'baggage']) {
    const value = meta(name);
    if (value !== undefined) incoming[name] = value;
  }
  const parent = propagation.extract(context.active(), incoming, recordGetter);
  const child = tracer.startSpan('load cart', {}, parent);
  const childHeaders: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, child), childHeaders);
  const childEchoed = await echo(childHeaders);
  child.end();
  result.continued = {
    incoming,
    traceId: child.spanContext().traceId,
    spanId: child.spanContext().spanId,
    injected: childHeaders,
    echoed: childEchoed,
  };
}

main().then(finish, (error: unknown) => {
  result.errors.push(`main: ${describe(error)}`);
  finish();
});
