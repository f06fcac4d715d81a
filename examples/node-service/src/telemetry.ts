/**
 * OpenTelemetry set-up with the three otel-sentry plugins, as a service would have it in its
 * `instrumentation.ts`. Imported before anything loads `http`, so the instrumentation can
 * patch it.
 */
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { SentryPropagator } from '@otel-sentry/propagator';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';

/** Where envelopes go when no DSN is set (design decision 7: nothing is lost while developing). */
export const OUTBOX = new URL('../sentry-outbox/', import.meta.url).pathname;

// One client: options and hooks shared by the propagator, the processor and the exporter.
// SENTRY_DSN, SENTRY_RELEASE, SENTRY_ENVIRONMENT and SENTRY_TRACES_SAMPLE_RATE are read too.
export const client = createClient({ release: 'checkout-api@1.4.2', environment: 'demo' });

export const exporter = new SentryEnvelopeExporter({ client, outboxDir: OUTBOX });
export const processor = new SentrySpanProcessor({ client, exporter });

const provider = new BasicTracerProvider({ sampler: new SentrySampler({ client }), spanProcessors: [processor] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(
  new CompositePropagator({
    // Sentry's propagator goes last, so it appends to the baggage the W3C one writes.
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new SentryPropagator({ client })],
  }),
);
registerInstrumentations({ tracerProvider: provider, instrumentations: [new HttpInstrumentation()] });
export const tracer = provider.getTracer('checkout-api');

/** Exports what is pending and stops the pipeline. */
export async function shutdown(): Promise<void> {
  await provider.forceFlush();
  await provider.shutdown();
}
