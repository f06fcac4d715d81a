// A browser app's view (scripts/check-consumers.mjs, consumer `browser`): the DOM lib and no
// @types/node, bundler resolution, `skipLibCheck: false`, sdk-trace-web and @otel-sentry/browser.
import { WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { createSentryBrowserSetup, replayIdFromIntegration } from '@otel-sentry/browser';

const sentry = createSentryBrowserSetup({
  replay: () => undefined,
  tracePropagationTargets: ['https://api.example.com'],
});
const provider = new WebTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
provider.register({ contextManager: sentry.contextManager, propagator: sentry.textMapPropagator });

export const source = replayIdFromIntegration({ getReplayId: () => undefined, getRecordingMode: () => undefined });
export const continues: boolean = sentry.contextManager.continuesPageTrace;
export const done: Promise<void> = sentry.shutdown();
