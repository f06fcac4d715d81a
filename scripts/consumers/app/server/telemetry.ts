// telemetry.ts — the OpenTelemetry set-up of a brand-new express app, written from the READMEs
// alone (root README "In your own service", packages/node/README.md's bare-provider snippet):
// built by scripts/check-app.mjs against the packed tarballs, compiled with `skipLibCheck: false`
// as ESM and as CommonJS. Loaded before the app: `node --import ./dist/instrumentation.js` (ESM,
// which also registers OpenTelemetry's loader hook) or `node --require ./dist/telemetry.js` (CJS).
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createSentrySetup } from '@otel-sentry/node';

// Reads SENTRY_DSN (the check's loopback receiver).
export const sentry = createSentrySetup({ release: 'shop@1.0.0', environment: 'check' });

const provider = new BasicTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(sentry.textMapPropagator);
trace.setGlobalTracerProvider(provider);
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
});
// Flushes on beforeExit, SIGTERM and SIGINT; the app adds no signal listener of its own, so
// SIGTERM still ends the process (raised again after the flush).
sentry.flushOnExit();
