/**
 * OpenTelemetry set-up for an express backend, as a service would have it in its
 * `instrumentation.ts`: `@otel-sentry/node` builds the sampler, the propagator, the span
 * processor and the exporter on one client. Imported before anything loads `http` or
 * `express`, so the instrumentations can patch them.
 */
import { rmSync } from 'node:fs';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createSentrySetup } from '@otel-sentry/node';

/** Where envelopes go when no DSN is set (design decision 7: nothing is lost while developing). */
export const OUTBOX = new URL('../sentry-outbox/', import.meta.url).pathname;
// Only this run's envelopes: emptied before the exporter exists (it writes a session at start).
rmSync(OUTBOX, { recursive: true, force: true });

// One call: the sampler, the propagator (with W3C trace context), the span processor and the
// exporter on one client. SENTRY_DSN, SENTRY_RELEASE, SENTRY_ENVIRONMENT and
// SENTRY_TRACES_SAMPLE_RATE are read too. Frameworks end some spans just after the HTTP server
// span (express's request handler): the processor waits briefly for them
// (`lateChildGraceMillis`, 100 ms by default), so each request is one transaction.
export const sentry = createSentrySetup({
  release: 'shop-api@2.3.0',
  environment: 'demo',
  exporter: { outboxDir: OUTBOX },
});

const provider = new BasicTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(sentry.textMapPropagator);
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    // The inventory service of this demo runs in the same process but stands for another one.
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url?.startsWith('/stock/') === true }),
    new ExpressInstrumentation(),
  ],
});
export const tracer = provider.getTracer('shop-api');

// The one line that sends what is pending when the process ends (beforeExit, SIGTERM, SIGINT).
sentry.flushOnExit();
