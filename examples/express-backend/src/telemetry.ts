/**
 * OpenTelemetry set-up with the three otel-sentry plugins for an express backend, as a
 * service would have it in its `instrumentation.ts`. Imported before anything loads `http`
 * or `express`, so the instrumentations can patch them.
 */
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { SentryPropagator } from '@otel-sentry/propagator';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';

/** Where envelopes go when no DSN is set (design decision 7: nothing is lost while developing). */
export const OUTBOX = new URL('../sentry-outbox/', import.meta.url).pathname;

// One client: options and hooks shared by the sampler, the propagator, the processor and the
// exporter. SENTRY_DSN, SENTRY_RELEASE, SENTRY_ENVIRONMENT and SENTRY_TRACES_SAMPLE_RATE are read too.
export const client = createClient({ release: 'shop-api@2.3.0', environment: 'demo' });

export const exporter = new SentryEnvelopeExporter({ client, outboxDir: OUTBOX });
// Frameworks end some spans just after the HTTP server span (express's request handler):
// the processor waits briefly for them (`lateChildGraceMillis`, 100 ms by default), so each
// request is one transaction.
const processor = new SentrySpanProcessor({ client, exporter });
const provider = new BasicTracerProvider({ sampler: new SentrySampler({ client }), spanProcessors: [processor] });

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(
  new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new SentryPropagator({ client })] }),
);
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    // The inventory service of this demo runs in the same process but stands for another one.
    new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url?.startsWith('/stock/') === true }),
    new ExpressInstrumentation(),
  ],
});
export const tracer = provider.getTracer('shop-api');

/** Exports what is pending and stops the pipeline (one line at process exit in a real service). */
export async function shutdown(): Promise<void> {
  await provider.forceFlush();
  await provider.shutdown();
}
