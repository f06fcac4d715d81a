/**
 * Set-up 2, `otel-otlp`: plain OpenTelemetry. `BasicTracerProvider` with `BatchSpanProcessor`
 * defaults and `OTLPTraceExporter` (JSON over HTTP) to the receiver's `/v1/traces`, W3C trace
 * context and baggage propagators, `HttpInstrumentation`. Sampling: `ParentBased` around
 * `TraceIdRatioBasedSampler(E2E_SAMPLE_RATE)`.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { RootCounter, readSetupConfig, registerSetup, within } from './setup-api.js';

const config = readSetupConfig();
const counter = new RootCounter();
const provider = new BasicTracerProvider({
  sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRate) }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.otlpUrl })), counter],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(
  new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
);
trace.setGlobalTracerProvider(provider);
registerInstrumentations({ tracerProvider: provider, instrumentations: [new HttpInstrumentation()] });

registerSetup({
  flush: (timeoutMs) => within(provider.forceFlush(), timeoutMs),
  sampledRoots: () => counter.count,
});
