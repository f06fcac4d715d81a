/**
 * Resource attributes from async detectors settle before anything reads them: the span
 * processor waits for them in its export path, as OpenTelemetry's `BatchSpanProcessor` does,
 * so the exporter sees `host.id` and OpenTelemetry logs no "Accessing resource attributes
 * before async attributes settled".
 */
import { diag } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SentrySpanProcessor } from '@otel-sentry/span-processor';
import { afterAll, describe, expect, it } from 'vitest';
import { DiagRecorder } from './support/diag-recorder.js';

/** Records what the resource looked like when spans reached the exporter. */
class ResourceProbe implements SpanExporter {
  readonly seen: Array<{ pending: boolean; attributes: Record<string, unknown> }> = [];
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    for (const span of spans) {
      const pending = span.resource.asyncAttributesPending === true;
      this.seen.push({ pending, attributes: { ...span.resource.attributes } });
    }
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const recorder = new DiagRecorder().install();
afterAll(() => diag.disable());

describe('async resource attributes', () => {
  it('are settled before the exporter reads them, and nothing logs an error', async () => {
    const probe = new ResourceProbe();
    const hostId = new Promise<string>((resolve) => setTimeout(() => resolve('host-1'), 40));
    const provider = new BasicTracerProvider({
      spanProcessors: [new SentrySpanProcessor({ exporter: probe, env: false, scheduledDelayMillis: 1 })],
      resource: resourceFromAttributes({ 'service.name': 'svc', 'host.id': hostId }),
    });
    const tracer = provider.getTracer('t');
    tracer.startSpan('job').end();
    tracer.startSpan('another job').end();
    // The flush waits for the resource too: the export is in flight while it settles.
    await provider.forceFlush();
    expect(probe.seen).toEqual([
      { pending: false, attributes: expect.objectContaining({ 'service.name': 'svc', 'host.id': 'host-1' }) },
      { pending: false, attributes: expect.objectContaining({ 'service.name': 'svc', 'host.id': 'host-1' }) },
    ]);
    expect(recorder.errors).toEqual([]);
    await provider.shutdown();
  });
});
