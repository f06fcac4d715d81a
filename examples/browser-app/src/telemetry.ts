// telemetry.ts — imported first by the page's entry point
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { createSentryBrowserSetup } from '@otel-sentry/browser';
import * as Sentry from '@sentry/browser';
import { config } from './config.js';

Sentry.init({ dsn: config.sentryDsn, integrations: [Sentry.replayIntegration()], replaysSessionSampleRate: 1 });

export const sentry = createSentryBrowserSetup({
  dsn: config.sentryDsn,
  // Requests carry the id of the replay recorded in session mode (not buffer mode, not expired).
  replay: () => Sentry.getReplay(),
  // The page's own origin is a target by default; a cross-origin API must be listed.
  tracePropagationTargets: [config.apiOrigin],
});

const provider = new WebTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
// The context manager makes the trace the server rendered into <meta> tags the root context.
provider.register({ contextManager: sentry.contextManager, propagator: sentry.textMapPropagator });
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [new FetchInstrumentation({ propagateTraceHeaderCorsUrls: [new RegExp(`^${config.apiOrigin}/`)] })],
});
