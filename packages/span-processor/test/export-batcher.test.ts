import { context } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHarness, type Harness, settle } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
  vi.useRealTimers();
});

/** An exporter that answers only when told to, to see what is in flight. */
class GatedExporter implements SpanExporter {
  readonly inner = new InMemorySpanExporter();
  readonly waiting: Array<{ spans: ReadableSpan[]; answer: () => void }> = [];
  suppressed: boolean[] = [];
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.suppressed.push(isTracingSuppressed(context.active()));
    this.waiting.push({ spans, answer: () => done({ code: 0 }) });
  }
  shutdown(): Promise<void> {
    for (const w of this.waiting.splice(0)) w.answer();
    return Promise.resolve();
  }
}

describe('export batching', () => {
  it('sends several finished transactions together after scheduledDelayMillis', async () => {
    vi.useFakeTimers();
    h = createHarness({ scheduledDelayMillis: 1000 });
    h.tracer.startSpan('t1').end();
    await vi.advanceTimersByTimeAsync(400);
    h.tracer.startSpan('t2').end();
    expect(h.exportCalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(600);
    expect(h.exportCalls).toEqual([['t1', 't2']]);
  });

  it('by default, transactions that end within 40 ms share an export, and none waits longer', async () => {
    // Their envelopes then leave in one write and come back in one burst of answers.
    vi.useFakeTimers();
    h = createHarness({});
    h.tracer.startSpan('t1').end();
    await vi.advanceTimersByTimeAsync(30);
    h.tracer.startSpan('t2').end();
    expect(h.exportCalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(h.exportCalls).toEqual([['t1', 't2']]);
  });

  it('by default, a batch leaves at once when it holds 128 spans', () => {
    // Under load the delay never runs out: spans held past V8's young-generation cycle would be
    // promoted to the old generation, which costs more than the batching saves.
    vi.useFakeTimers();
    h = createHarness({});
    for (let i = 0; i < 64; i++) {
      h.tracer.startActiveSpan(`r${i}`, (root) => {
        h!.tracer.startSpan(`c${i}`).end();
        root.end();
      });
      if (i === 62) expect(h.exportCalls).toEqual([]);
    }
    expect(h.exportCalls.length).toBe(1);
    expect(h.exportCalls[0]!.length).toBe(128);
  });

  it('sends a batch at once when it reaches maxExportBatchSize spans, never splitting a transaction', async () => {
    vi.useFakeTimers();
    h = createHarness({ scheduledDelayMillis: 60_000, maxExportBatchSize: 3 });
    h.tracer.startActiveSpan('a', (root) => {
      h!.tracer.startSpan('a child').end();
      root.end();
    });
    expect(h.exportCalls).toEqual([]);
    h.tracer.startActiveSpan('b', (root) => {
      h!.tracer.startSpan('b child').end();
      root.end();
    });
    // 4 spans queued: the first batch takes `a` (2 spans; `b` would make 4 > 3).
    expect(h.exportCalls).toEqual([['a child', 'a']]);
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([
      ['a child', 'a'],
      ['b child', 'b'],
    ]);
  });

  it('keeps no more than maxConcurrentExports exports in flight', async () => {
    const gated = new GatedExporter();
    h = createHarness({ exporter: gated, maxExportBatchSize: 1, maxConcurrentExports: 2 });
    for (let i = 0; i < 5; i++) h.tracer.startSpan(`t${i}`).end();
    expect(gated.waiting.map((w) => w.spans[0]!.name)).toEqual(['t0', 't1']);
    expect(h.processor.bufferedSpans).toBe(3);

    gated.waiting[0]!.answer();
    expect(gated.waiting.map((w) => w.spans[0]!.name)).toEqual(['t0', 't1', 't2']);

    const flushed = h.processor.forceFlush();
    for (let i = 1; i < 5; i++) {
      gated.waiting[i]!.answer();
      await Promise.resolve();
    }
    await flushed;
    expect(gated.waiting.map((w) => w.spans[0]!.name)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(gated.suppressed).toEqual([true, true, true, true, true]);
  });

  it('stops waiting for an export that never answers after exportTimeoutMillis', async () => {
    vi.useFakeTimers();
    const gated = new GatedExporter();
    h = createHarness({
      exporter: gated,
      maxConcurrentExports: 1,
      exportTimeoutMillis: 5_000,
      scheduledDelayMillis: 10,
    });
    h.tracer.startSpan('stuck').end();
    await vi.advanceTimersByTimeAsync(10);
    h.tracer.startSpan('next').end();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(gated.waiting.map((w) => w.spans[0]!.name)).toEqual(['stuck']);
    await vi.advanceTimersByTimeAsync(4_100);
    expect(gated.waiting.map((w) => w.spans[0]!.name)).toEqual(['stuck', 'next']);
  });

  it('counts the spans of an export that throws', async () => {
    const throwing: SpanExporter = {
      export: () => {
        throw new Error('exporter bug');
      },
      shutdown: () => Promise.resolve(),
    };
    h = createHarness({ exporter: throwing });
    h.tracer.startActiveSpan('root', (root) => {
      h!.tracer.startSpan('child').end();
      root.end();
    });
    await h.processor.forceFlush();
    expect(h.processor.takeDiscards()).toEqual([
      { reason: 'internal_sdk_error', category: 'transaction', quantity: 1 },
      { reason: 'internal_sdk_error', category: 'span', quantity: 2 },
    ]);
  });
});
