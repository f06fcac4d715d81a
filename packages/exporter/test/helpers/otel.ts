/** Real OpenTelemetry SDK objects for tests. */
import { context, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

export function provider(
  exporter: SpanExporter,
  options: {
    batch?: { maxExportBatchSize?: number; scheduledDelayMillis?: number };
    resource?: Record<string, string>;
  } = {},
): { provider: BasicTracerProvider; tracer: Tracer } {
  const processor = options.batch
    ? new BatchSpanProcessor(exporter, {
        maxExportBatchSize: options.batch.maxExportBatchSize ?? 512,
        scheduledDelayMillis: options.batch.scheduledDelayMillis ?? 10,
        maxQueueSize: 100_000,
      })
    : new SimpleSpanProcessor(exporter);
  const p = new BasicTracerProvider({
    spanProcessors: [processor],
    resource: resourceFromAttributes({ 'service.name': 'test-service', ...options.resource }),
  });
  return { provider: p, tracer: p.getTracer('test', '1.0.0') };
}

/** Runs a server span with `children` child spans under it; returns the root. */
export function serverTransaction(
  tracer: Tracer,
  children: number,
  options: { route?: string; error?: Error; childError?: Error } = {},
): Span {
  const root = tracer.startSpan('GET', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'url.path': '/users/42?token=abc',
      ...(options.route ? { 'http.route': options.route } : {}),
      'http.response.status_code': 200,
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  for (let i = 0; i < children; i++) {
    const child = tracer.startSpan(
      `child ${i}`,
      { attributes: { 'db.system.name': 'postgresql', 'db.query.text': `SELECT ${i}` } },
      ctx,
    );
    if (i === 0 && options.childError) child.recordException(options.childError);
    child.end();
  }
  if (options.error) root.recordException(options.error);
  root.end();
  return root;
}
