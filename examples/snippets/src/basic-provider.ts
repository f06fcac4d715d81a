import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createSentrySetup } from '@otel-sentry/node';

const sentry = createSentrySetup({ release: 'checkout@1.4.2' });
const provider = new BasicTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(sentry.textMapPropagator);
trace.setGlobalTracerProvider(provider);
sentry.flushOnExit();

// A server-rendered page continues its trace in the browser through two meta tags.
const page = trace.getTracer('web').startActiveSpan('GET /', (span) => {
  const html = `<html><head>${sentry.getTraceMetaTags()}</head><body>…</body></html>`;
  span.end();
  return html;
});
console.log(page);
