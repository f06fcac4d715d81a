// instrumentation.ts — load it before the app: node --import ./instrumentation.js app.js
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createSentrySetup } from '@otel-sentry/node';

// Reads SENTRY_DSN, SENTRY_RELEASE, SENTRY_ENVIRONMENT, SENTRY_TRACES_SAMPLE_RATE.
const sentry = createSentrySetup({ release: 'checkout@1.4.2', tracePropagationTargets: ['api.internal'] });

const sdk = new NodeSDK({
  sampler: sentry.sampler,
  spanProcessors: sentry.spanProcessors,
  textMapPropagator: sentry.textMapPropagator,
  instrumentations: [new HttpInstrumentation()],
});
sdk.start();
sentry.flushOnExit(); // flushes on beforeExit, SIGTERM and SIGINT; process.exit() cannot be flushed
