/**
 * `stream` and `otlp` modes (design decisions 9 and 11): the processor learns the mode from
 * the exporter's `spans` property (or its own `spans` option) and hands each span on as it
 * ends; hooks still fire, `transactionEnd` once, when the root ends.
 */
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createClient, getLocalRoot, InvalidOptionError, type SpansMode } from '@otel-sentry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SentrySpanProcessor } from '../src/index.js';
import { createHarness, type Harness, RecordingExporter } from './harness.js';

/** An exporter that says how it sends spans, as `SentryEnvelopeExporter` does. */
class ModeExporter extends RecordingExporter {
  constructor(readonly spans: SpansMode) {
    super(new InMemorySpanExporter());
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('span streaming hand-off', () => {
  it.each(['stream', 'otlp'] as const)('reads %s from the exporter and hands each span on as it ends', async (mode) => {
    const exporter = new ModeExporter(mode);
    const client = createClient({ env: false });
    const processor = new SentrySpanProcessor({ exporter, client, scheduledDelayMillis: 0 });
    expect(processor.spans).toBe(mode);
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('t');
    const ends: Array<{ root: string; spans: string[] }> = [];
    const spanEnds: string[] = [];
    client.on('transactionEnd', (root, spans) => ends.push({ root: root.name, spans: spans.map((s) => s.name) }));
    client.on('spanEnd', (span) => spanEnds.push(span.name));

    const root = tracer.startSpan('root');
    const ctx = trace.setSpan(context.active(), root);
    const child = tracer.startSpan('child', {}, ctx);
    child.end();
    // The child leaves before its root ends: a long transaction leaves in pieces.
    await processor.forceFlush();
    expect(exporter.calls.flat().map((s) => s.name)).toEqual(['child']);
    expect(ends).toEqual([]);
    root.end();
    await processor.forceFlush();
    expect(exporter.calls.flat().map((s) => s.name)).toEqual(['child', 'root']);
    expect(spanEnds).toEqual(['child', 'root']);
    expect(ends).toEqual([{ root: 'root', spans: ['root'] }]);
    // The side table still links the child to its root, for the exporter's segment attributes.
    expect(getLocalRoot(exporter.calls[0]![0]!)).toBe(root);
    await provider.shutdown();
  });

  it('assembles transactions for an exporter that says nothing, or says transactions', async () => {
    h = createHarness({ scheduledDelayMillis: 0, lateChildGraceMillis: 0 });
    expect(h.processor.spans).toBe('transactions');
    const root = h.tracer.startSpan('root');
    h.tracer.startSpan('child', {}, trace.setSpan(context.active(), root)).end();
    await h.processor.forceFlush();
    expect(h.exportCalls).toEqual([]);
    root.end();
    await h.processor.forceFlush();
    expect(h.exportCalls).toEqual([['child', 'root']]);
    const explicit = new SentrySpanProcessor({ exporter: new ModeExporter('transactions') });
    expect(explicit.spans).toBe('transactions');
    await explicit.shutdown();
  });

  it('takes its own spans option for an exporter that cannot say, and refuses one that contradicts it', async () => {
    const wrapped = new RecordingExporter(new InMemorySpanExporter());
    const processor = new SentrySpanProcessor({ exporter: wrapped, spans: 'stream' });
    expect(processor.spans).toBe('stream');
    await processor.shutdown();
    expect(() => new SentrySpanProcessor({ exporter: new ModeExporter('otlp'), spans: 'stream' })).toThrow(
      InvalidOptionError,
    );
    expect(() => new SentrySpanProcessor({ exporter: new ModeExporter('otlp'), spans: 'stream' })).toThrow(
      /option "spans" is 'stream' but the exporter sends spans as 'otlp'/,
    );
    expect(() => new SentrySpanProcessor({ exporter: wrapped, spans: 'streaming' as unknown as SpansMode })).toThrow(
      /option "spans" must be one of/,
    );
    // Options of the transaction assembler are checked in every mode.
    expect(() => new SentrySpanProcessor({ exporter: new ModeExporter('stream'), lateChildGraceMillis: -1 })).toThrow(
      InvalidOptionError,
    );
  });

  it('counts spans past maxBufferedSpans, one by one, as buffer_overflow', async () => {
    const exporter = new ModeExporter('stream');
    const client = createClient({ env: false });
    const processor = new SentrySpanProcessor({ exporter, client, maxBufferedSpans: 2, scheduledDelayMillis: 60_000 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('t');
    for (let i = 0; i < 5; i++) tracer.startSpan(`s${i}`).end();
    expect(processor.takeDiscards()).toEqual([{ reason: 'buffer_overflow', category: 'span', quantity: 3 }]);
    await processor.forceFlush();
    expect(exporter.calls.flat().map((s: ReadableSpan) => s.name)).toEqual(['s0', 's1']);
    await provider.shutdown();
  });
});
