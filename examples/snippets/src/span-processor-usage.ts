import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { SentryPropagator } from '@otel-sentry/propagator';
import { ownershipRouting, SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';

// One client: options and hooks shared by the whole pipeline.
const client = createClient({ release: 'shop@1.4.2', tracesSampleRate: 0.2 });

const processor = new SentrySpanProcessor({ exporter: new SentryEnvelopeExporter({ client }), client });
processor.on('transactionEnd', (root, spans) => {
  // Runs once per transaction, before it is exported. `spans` includes the root.
  if (spans.length > 500) console.warn(`transaction ${root.name} has ${spans.length} spans`);
});
ownershipRouting({ rules: [{ route: '/billing/*', team: 'payments' }] }).setup(processor);

const provider = new BasicTracerProvider({
  sampler: new SentrySampler({ client }),
  spanProcessors: [processor],
});
// sdk-trace-base 2.x providers have no `register()`: set the globals through the API.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new SentryPropagator({ client }));
trace.setGlobalTracerProvider(provider);
