/**
 * A service process for test/e2e/node-exit-flush.test.ts: the set-up of @otel-sentry/node on
 * a bare provider, one finished request span, `flushOnExit()` — and then, by `MODE`:
 * - `alone`: stays up (an interval) with no signal listener of its own;
 * - `with-listener`: stays up, and the app listens to SIGTERM itself (and does not exit);
 * - `natural`: nothing keeps it up; it exits when its event loop runs dry.
 * Prints `ready` when the span has ended.
 */
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createSentrySetup } from '@otel-sentry/node';

const mode = process.env.MODE ?? 'alone';
const sentry = createSentrySetup({
  dsn: process.env.DSN,
  release: 'exit-flush@1.0.0',
  shutdownTimeoutMillis: Number(process.env.DEADLINE_MILLIS ?? 2000),
  env: false,
});
const provider = new BasicTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
sentry.flushOnExit();

if (mode === 'with-listener') process.on('SIGTERM', () => console.log('app saw SIGTERM'));
provider.getTracer('exit-flush').startSpan(`GET /${mode}`, { kind: SpanKind.SERVER }).end();
if (mode !== 'natural') setInterval(() => {}, 60_000);
console.log('ready');
