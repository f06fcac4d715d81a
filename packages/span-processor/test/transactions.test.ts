/**
 * What SentrySpanProcessor hands the exporter, through core's TransactionAssembler: whole
 * transactions, late-child grace, late children, orphans, the span cap, and the bound it
 * shares with the export queue. The assembler's own rules are tested in core.
 */
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { freezeDsc, getLocalRoot, getSpanData, getTraceFrozenDsc, setFrozenDsc } from '@otel-sentry/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getDetachReason } from '../src/index.js';
import { createHarness, type Harness, settle } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
  vi.useRealTimers();
});

function names(spans: readonly ReadableSpan[]): string[] {
  return spans.map((s) => s.name);
}

describe('late children', () => {
  it('sends a child that ends after its root as a transaction of its own, marked late', async () => {
    h = createHarness();
    const frozen = freezeDsc({ trace_id: 'x', sample_rand: '0.5' });
    let background: ReturnType<typeof h.tracer.startSpan> | undefined;
    h.tracer.startActiveSpan('GET /checkout', (root) => {
      getSpanData(root)!.frozenDsc = frozen;
      h!.tracer.startSpan('render').end();
      background = h!.tracer.startSpan('send receipt email');
      root.end();
    });
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([['render', 'GET /checkout']]);

    const transactionEnds: string[] = [];
    h.processor.on('transactionEnd', (root, spans) => transactionEnds.push(`${root.name}:${spans.length}`));
    background!.end();
    await settle(h.processor.forceFlush());

    expect(h.exportCalls).toEqual([['render', 'GET /checkout'], ['send receipt email']]);
    expect(transactionEnds).toEqual(['send receipt email:1']);
    expect(getDetachReason(background!)).toBe('late');
    expect(getLocalRoot(background!)).toBe(background);
    // It keeps the trace's DSC, so its envelope carries the same trace header.
    expect(getTraceFrozenDsc(background!)).toBe(frozen);
    expect(getDetachReason(h.recording.calls[0]![1]!)).toBeUndefined();
  });
});

describe('late-child grace', () => {
  it("joins a span a framework ends just after the server span (express's request handler)", async () => {
    vi.useFakeTimers();
    h = createHarness({ scheduledDelayMillis: 1 });
    const transactionEnds: string[] = [];
    h.processor.on('transactionEnd', (root, spans) => transactionEnds.push(`${root.name}:${spans.length}`));
    let handler: ReturnType<typeof h.tracer.startSpan> | undefined;
    h.tracer.startActiveSpan('GET /users/:id', (server) => {
      h!.tracer.startSpan('middleware - query').end();
      handler = h!.tracer.startSpan('request handler - /users/:id');
      server.end();
    });
    // The server span waits, and counts against the bound meanwhile.
    expect(transactionEnds).toEqual([]);
    expect(h.processor.bufferedSpans).toBe(2);
    await vi.advanceTimersByTimeAsync(2);
    handler!.end();
    expect(transactionEnds).toEqual(['GET /users/:id:3']);
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([['middleware - query', 'request handler - /users/:id', 'GET /users/:id']]);
    expect(getDetachReason(handler!)).toBeUndefined();
    expect(h.processor.takeDiscards()).toEqual([]);
  });

  it('hands the root on after lateChildGraceMillis; a child ending later is late', async () => {
    vi.useFakeTimers();
    h = createHarness({ scheduledDelayMillis: 1, lateChildGraceMillis: 50 });
    let slow: ReturnType<typeof h.tracer.startSpan> | undefined;
    h.tracer.startActiveSpan('GET /report', (root) => {
      slow = h!.tracer.startSpan('render pdf');
      root.end();
    });
    await vi.advanceTimersByTimeAsync(49);
    expect(h.exportCalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(h.exportCalls).toEqual([['GET /report']]);
    slow!.end();
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([['GET /report'], ['render pdf']]);
    expect(getDetachReason(slow!)).toBe('late');
  });

  it('waits 100 ms by default', async () => {
    vi.useFakeTimers();
    h = createHarness({ scheduledDelayMillis: 1 });
    h.tracer.startActiveSpan('root', (root) => {
      h!.tracer.startSpan('never ends');
      root.end();
    });
    await vi.advanceTimersByTimeAsync(98);
    expect(h.exportCalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(5);
    expect(h.exportCalls).toEqual([['root']]);
  });

  it('is cut short by forceFlush and by shutdown', async () => {
    h = createHarness({ lateChildGraceMillis: 60_000 });
    h.tracer.startActiveSpan('first', (root) => {
      h!.tracer.startSpan('running');
      root.end();
    });
    await h.processor.forceFlush();
    expect(h.exportCalls).toEqual([['first']]);
    h.tracer.startActiveSpan('second', (root) => {
      h!.tracer.startSpan('done').end();
      h!.tracer.startSpan('running');
      root.end();
    });
    await h.processor.shutdown();
    expect(h.exportCalls).toEqual([['first'], ['done', 'second']]);
    expect(h.processor.takeDiscards()).toEqual([]);
  });

  it('is off with lateChildGraceMillis 0', async () => {
    h = createHarness({ lateChildGraceMillis: 0 });
    h.tracer.startActiveSpan('root', (root) => {
      h!.tracer.startSpan('running');
      root.end();
    });
    await h.processor.forceFlush();
    expect(h.exportCalls).toEqual([['root']]);
  });
});

describe('orphans', () => {
  it('flushes children whose root never ends after orphanTimeoutMillis, grouped under their top-most span', async () => {
    vi.useFakeTimers();
    h = createHarness({ orphanTimeoutMillis: 10_000, scheduledDelayMillis: 100 });
    const tracer = h.tracer;
    const root = tracer.startSpan('stuck request');
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    const a = tracer.startSpan('a', {}, ctx);
    const a1 = tracer.startSpan('a1', {}, trace.setSpan(ctx, a));
    a1.end();
    a.end();
    tracer.startSpan('b', {}, ctx).end();

    await vi.advanceTimersByTimeAsync(9_000);
    expect(h.exportCalls).toEqual([]);
    expect(h.processor.bufferedSpans).toBe(3);

    await vi.advanceTimersByTimeAsync(1_200);
    expect(h.exportCalls).toHaveLength(1);
    expect(h.exportCalls[0]).toEqual(['a1', 'a', 'b']);
    expect(getDetachReason(a)).toBe('orphan');
    expect(getDetachReason(h.recording.calls[0]!.find((s) => s.name === 'b')!)).toBe('orphan');
    expect(getDetachReason(a1)).toBeUndefined();
    expect(getLocalRoot(a1)).toBe(a);
    expect(h.processor.bufferedSpans).toBe(0);

    // The root ending later goes out alone; nothing was dropped.
    root.end();
    await settle(h.processor.forceFlush());
    expect(names(h.recording.calls.at(-1)!)).toEqual(['stuck request']);
    expect(h.processor.takeDiscards()).toEqual([]);
  });

  it('waits 300 s by default', async () => {
    vi.useFakeTimers();
    h = createHarness({ scheduledDelayMillis: 1 });
    const root = h.tracer.startSpan('long poll');
    h.tracer.startSpan('tick', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
    await vi.advanceTimersByTimeAsync(299_000);
    expect(h.exportCalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.exportCalls).toEqual([['tick']]);
    root.end();
  });

  it('flushes waiting children as orphans at shutdown instead of dropping them', async () => {
    h = createHarness();
    const root = h.tracer.startSpan('never ends');
    h.tracer.startSpan('done', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
    await settle(h.processor.shutdown());
    expect(h.exportCalls).toEqual([['done']]);
    expect(h.processor.takeDiscards()).toEqual([]);
  });
});

describe('span cap', () => {
  it('keeps the earliest started spans of a transaction and counts the rest', async () => {
    vi.useFakeTimers();
    h = createHarness({ maxSpansPerTransaction: 4 });
    const tracer = h.tracer;
    const root = tracer.startSpan('root');
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    // Started 1 ms apart; they end in reverse order so arrival order differs from start order.
    const children = [];
    for (let i = 0; i < 6; i++) {
      children.push(tracer.startSpan(`c${i}`, {}, ctx));
      vi.advanceTimersByTime(1);
    }
    for (const child of children.reverse()) child.end();
    root.end();
    await settle(h.processor.forceFlush());

    expect(h.exportCalls).toHaveLength(1);
    expect([...h.exportCalls[0]!].sort()).toEqual(['c0', 'c1', 'c2', 'root']);
    expect(h.processor.takeDiscards()).toEqual([{ reason: 'buffer_overflow', category: 'span', quantity: 3 }]);
  });

  it('sends only the root when the cap is 1', async () => {
    h = createHarness({ maxSpansPerTransaction: 1 });
    h.tracer.startActiveSpan('root', (root) => {
      h!.tracer.startSpan('a').end();
      h!.tracer.startSpan('b').end();
      root.end();
    });
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([['root']]);
    expect(h.processor.takeDiscards()).toEqual([{ reason: 'buffer_overflow', category: 'span', quantity: 2 }]);
  });

  it('holds 1000 spans per transaction by default', async () => {
    h = createHarness();
    h.tracer.startActiveSpan('root', (root) => {
      for (let i = 0; i < 1005; i++) h!.tracer.startSpan(`c${i}`).end();
      root.end();
    });
    await settle(h.processor.forceFlush());
    expect(h.recording.calls.flat()).toHaveLength(1000);
    expect(h.processor.takeDiscards()).toEqual([{ reason: 'buffer_overflow', category: 'span', quantity: 6 }]);
  });

  it('applies the cap again after transactionEnd callbacks added spans', async () => {
    h = createHarness({ maxSpansPerTransaction: 2 });
    const extras = [h.tracer.startSpan('x1'), h.tracer.startSpan('x2')];
    for (const x of extras) x.end();
    await settle(h.processor.forceFlush());
    h.recording.calls.length = 0;
    h.processor.on('transactionEnd', (_root, spans) => spans.push(...(extras as unknown as ReadableSpan[])));
    h.tracer.startSpan('root').end();
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([['x1', 'root']]);
    expect(h.processor.takeDiscards()).toEqual([{ reason: 'buffer_overflow', category: 'span', quantity: 1 }]);
  });
});

describe('global bound', () => {
  it('drops finished spans past maxBufferedSpans, counts them, and keeps the rest', async () => {
    h = createHarness({ maxBufferedSpans: 5, scheduledDelayMillis: 60_000, maxExportBatchSize: 1000 });
    const tracer = h.tracer;
    const dropped: string[] = [];
    h.client.on('discardedEvent', (reason: string, category: string, quantity: number) =>
      dropped.push(`${reason}/${category}/${quantity}`),
    );
    const root = tracer.startSpan('root');
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    for (let i = 0; i < 7; i++) tracer.startSpan(`c${i}`, {}, ctx).end();
    expect(h.processor.bufferedSpans).toBe(5);
    expect(dropped).toEqual(['buffer_overflow/span/1', 'buffer_overflow/span/1']);

    // The root ending would make 6: the whole transaction is dropped and counted.
    root.end();
    expect(dropped.slice(2)).toEqual(['buffer_overflow/transaction/1', 'buffer_overflow/span/6']);
    expect(h.processor.bufferedSpans).toBe(0);
    expect(h.processor.takeDiscards()).toEqual([
      { reason: 'buffer_overflow', category: 'span', quantity: 8 },
      { reason: 'buffer_overflow', category: 'transaction', quantity: 1 },
    ]);

    // Room again: the next transaction goes through.
    tracer.startSpan('next').end();
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([['next']]);
  });

  it('counts queued exports against the bound too', async () => {
    h = createHarness({ maxBufferedSpans: 3, scheduledDelayMillis: 60_000, maxExportBatchSize: 1000 });
    for (let i = 0; i < 5; i++) h.tracer.startSpan(`t${i}`).end();
    expect(h.processor.bufferedSpans).toBe(3);
    expect(h.processor.takeDiscards()).toEqual([
      { reason: 'buffer_overflow', category: 'transaction', quantity: 2 },
      { reason: 'buffer_overflow', category: 'span', quantity: 2 },
    ]);
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([['t0', 't1', 't2']]);
  });
});

describe('frozen DSC of continued traces', () => {
  it('keeps the root entry in the side table for the exporter', () => {
    h = createHarness();
    const frozen = freezeDsc({ trace_id: '0af7651916cd43dd8448eb211c80319c' });
    const ctx = setFrozenDsc(
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 1,
        isRemote: true,
      }),
      frozen,
    );
    const root = h.tracer.startSpan('server', {}, ctx);
    expect(getSpanData(root)?.frozenDsc).toBe(frozen);
    root.end();
  });
});
