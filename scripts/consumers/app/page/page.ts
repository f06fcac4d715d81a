// page.ts — the page script of the app scripts/check-app.mjs builds (bundled with esbuild,
// type-checked with the DOM lib, no @types/node and `skipLibCheck: false`), written from
// packages/browser/README.md: sdk-trace-web, the fetch instrumentation and
// @otel-sentry/browser beside the real @sentry/browser session replay. It continues the trace
// the server rendered into <meta> tags, calls the backend, and writes what it saw as JSON into
// <pre id="result"> for the headless-Chromium run to read.
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { createSentryBrowserSetup } from '@otel-sentry/browser';
import * as Sentry from '@sentry/browser';

interface AppConfig {
  readonly sentryDsn: string;
}
const config = (globalThis as unknown as { APP_CONFIG: AppConfig }).APP_CONFIG;

// No compression worker: the check runs the page on Chromium's virtual time, which does not
// always deliver a worker's messages before its budget ends (test/browser does the same).
Sentry.init({
  dsn: config.sentryDsn,
  integrations: [Sentry.replayIntegration({ useCompression: false })],
  replaysSessionSampleRate: 1,
});

// The backend is the page's own origin: a trace-propagation target by default.
const sentry = createSentryBrowserSetup({ dsn: config.sentryDsn, replay: () => Sentry.getReplay() });
const provider = new WebTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
provider.register({ contextManager: sentry.contextManager, propagator: sentry.textMapPropagator });
registerInstrumentations({ tracerProvider: provider, instrumentations: [new FetchInstrumentation()] });

interface Result {
  replayId?: string | undefined;
  metaSentryTrace?: string | null | undefined;
  checkout?: { status: number | string; body?: unknown };
  errors: string[];
}
const result: Result = { errors: [] };

async function main(): Promise<void> {
  // The replay integration starts recording right after init: wait for session mode, so the
  // request carries the replay id.
  for (let i = 0; i < 100 && Sentry.getReplay()?.getRecordingMode() !== 'session'; i++) {
    await new Promise((done) => setTimeout(done, 20));
  }
  result.replayId = Sentry.getReplay()?.getReplayId();
  result.metaSentryTrace = document.querySelector('meta[name="sentry-trace"]')?.getAttribute('content');
  try {
    const response = await fetch('/api/checkout', { method: 'POST' });
    result.checkout = { status: response.status, body: await response.json() };
  } catch (error) {
    result.checkout = { status: String(error) };
  }
  // Send the page's transaction now, so the receiver has it at once.
  await sentry.forceFlush();
  // The replay integration drops a replay shorter than its `minReplayDuration` (about 5 s): stay
  // on the page that long (virtual time: no wall-clock cost), then send the replay.
  await new Promise((done) => setTimeout(done, 5_500));
  await Sentry.getReplay()?.flush();
}

main()
  .catch((error: unknown) => result.errors.push(String(error)))
  .finally(() => {
    const pre = document.createElement('pre');
    pre.id = 'result';
    pre.textContent = JSON.stringify(result);
    document.body.appendChild(pre);
    document.title = 'done';
  });
