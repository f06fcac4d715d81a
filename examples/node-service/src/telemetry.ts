/**
 * OpenTelemetry set-up with otel-sentry, as a service would have it in its
 * `instrumentation.ts`. Imported before anything loads `http`, so the instrumentation can
 * patch it. Where envelopes go is the exporter's own choice: `SENTRY_DSN` when set; else the
 * Spotlight sidecar of `SENTRY_SPOTLIGHT` (main.ts points it at the sidecar it started); else
 * the local outbox folder.
 */
import { rmSync } from 'node:fs';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { createSentrySetup } from '@otel-sentry/node';

/** Where envelopes go with no DSN and no Spotlight (design decision 7: nothing is lost while developing). */
export const OUTBOX = new URL('../sentry-outbox/', import.meta.url).pathname;
// Only this run's envelopes: emptied before the exporter exists (it writes a session at start).
rmSync(OUTBOX, { recursive: true, force: true });

// The client first, so the hooks below see everything, even the session the exporter starts
// when it is built. SENTRY_DSN, SENTRY_RELEASE, SENTRY_ENVIRONMENT and
// SENTRY_TRACES_SAMPLE_RATE are read too.
export const client = createClient({ release: 'checkout-api@1.4.2', environment: 'demo' });
export const hookCalls: string[] = [];
for (const name of ['transactionStart', 'transactionEnd', 'beforeEnvelope'] as const) {
  client.on(name, () => hookCalls.push(name));
}

// One call builds the sampler, the propagator, the span processor and the exporter on that client.
export const sentry = createSentrySetup({ client, exporter: { outboxDir: OUTBOX } });

/** Ports of the demo's own helpers (the server that hands the browser its page): not traced. */
export const untracedPorts = new Set<number>();

const provider = new BasicTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(sentry.textMapPropagator);
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    new HttpInstrumentation({
      // A CORS preflight carries no trace headers: each would be a one-span trace of its own.
      ignoreIncomingRequestHook: (req) => req.method === 'OPTIONS' || untracedPorts.has(req.socket.localPort ?? 0),
    }),
  ],
});
export const tracer = provider.getTracer('checkout-api');

// The one line that sends what is pending when the process ends (beforeExit, SIGTERM, SIGINT).
sentry.flushOnExit();
