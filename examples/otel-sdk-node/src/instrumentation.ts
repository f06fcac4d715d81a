// instrumentation.ts — an existing OpenTelemetry set-up (NodeSDK, OTLP to a Collector). The one
// addition for Sentry: SentryPropagator, so traces continue to and from Sentry SDKs.
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { SentryPropagator } from '@otel-sentry/propagator';

export const sdk = new NodeSDK({
  serviceName: 'inventory',
  traceExporter: new OTLPTraceExporter(), // to OTEL_EXPORTER_OTLP_ENDPOINT (a Collector)
  instrumentations: [new HttpInstrumentation()],
  textMapPropagator: new CompositePropagator({
    // SentryPropagator last: it appends its members to the baggage the W3C one writes.
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new SentryPropagator()],
  }),
});
sdk.start();
