import { context, DiagLogLevel, diag, ROOT_CONTEXT, type Span, TraceFlags, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import {
  createClient,
  EMPTY_FROZEN_DSC,
  freezeDsc,
  getLocalRoot,
  getSpanData,
  getTraceFrozenDsc,
  InvalidOptionError,
  type ReadableSpanLike,
  setFrozenDsc,
  setReplayId,
} from '@otel-sentry/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DISCARDED_EVENT_HOOK, SentrySpanProcessor } from '../src/index.js';
import { createHarness, type Harness, settle } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
  vi.useRealTimers();
  diag.disable();
});

const REMOTE_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const REMOTE_SPAN_ID = 'b7ad6b7169203331';

function remoteContext(sampled: boolean) {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: REMOTE_TRACE_ID,
    spanId: REMOTE_SPAN_ID,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

describe('SentrySpanProcessor hooks', () => {
  it('emits spanStart, transactionStart, spanEnd and transactionEnd in that order', async () => {
    h = createHarness();
    const seen: string[] = [];
    h.processor.on('spanStart', (span) => seen.push(`spanStart:${(span as unknown as ReadableSpan).name}`));
    h.processor.on('transactionStart', (span) =>
      seen.push(`transactionStart:${(span as unknown as ReadableSpan).name}`),
    );
    h.processor.on('spanEnd', (span) => seen.push(`spanEnd:${span.name}`));
    h.processor.on('transactionEnd', (root, spans) =>
      seen.push(`transactionEnd:${root.name}:${spans.map((s) => s.name).join('+')}`),
    );

    h.tracer.startActiveSpan('root', (root) => {
      h!.tracer.startActiveSpan('child', (child) => child.end());
      root.end();
    });

    expect(seen).toEqual([
      'spanStart:root',
      'transactionStart:root',
      'spanStart:child',
      'spanEnd:child',
      'spanEnd:root',
      'transactionEnd:root:child+root',
    ]);
  });

  it('passes the parent context to spanStart', () => {
    h = createHarness();
    const contexts: unknown[] = [];
    h.processor.on('spanStart', (_span, parentContext) => contexts.push(trace.getSpan(parentContext)));
    h.tracer.startActiveSpan('root', (root) => {
      h!.tracer.startSpan('child').end();
      root.end();
      expect(contexts).toEqual([undefined, root]);
    });
  });

  it('keeps going when a hook callback throws, and reports it through diag', async () => {
    const errors: string[] = [];
    diag.setLogger(
      {
        error: (message: string) => errors.push(message),
        warn: () => {},
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.ERROR,
    );
    h = createHarness();
    const after: string[] = [];
    for (const name of ['spanStart', 'transactionStart', 'spanEnd', 'transactionEnd'] as const) {
      h.processor.on(name, () => {
        throw new Error(`boom in ${name}`);
      });
      h.processor.on(name, () => after.push(name));
    }

    h.tracer.startActiveSpan('root', (root) => {
      h!.tracer.startSpan('child').end();
      root.end();
    });
    await settle(h.processor.forceFlush());

    expect(after).toEqual(['spanStart', 'transactionStart', 'spanStart', 'spanEnd', 'spanEnd', 'transactionEnd']);
    expect(h.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['child', 'root']);
    expect(errors.length).toBe(6);
  });

  it('lets transactionEnd callbacks add spans to the transaction', async () => {
    h = createHarness();
    const extra = h.tracer.startSpan('extra', {}, ROOT_CONTEXT);
    extra.end();
    await settle(h.processor.forceFlush());
    h.recording.calls.length = 0;
    h.processor.on('transactionEnd', (_root, spans) => spans.push(extra as unknown as ReadableSpanLike));
    h.tracer.startActiveSpan('root', (root) => root.end());
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([['root', 'extra']]);
  });

  it('on() returns a function that unsubscribes', () => {
    h = createHarness();
    const names: string[] = [];
    const off = h.processor.on('spanEnd', (span) => names.push(span.name));
    h.tracer.startSpan('one').end();
    off();
    h.tracer.startSpan('two').end();
    expect(names).toEqual(['one']);
  });

  it('forwards on() to the shared client', () => {
    const client = createClient({ env: false });
    h = createHarness({ client });
    const names: string[] = [];
    client.on('spanEnd', (span) => names.push(span.name));
    h.tracer.startSpan('via-client').end();
    expect(h.processor.client).toBe(client);
    expect(names).toEqual(['via-client']);
  });
});

describe('SentrySpanProcessor side table', () => {
  it('links children and grandchildren to the local root', () => {
    h = createHarness();
    h.tracer.startActiveSpan('root', (root) => {
      h!.tracer.startActiveSpan('child', (child) => {
        const grandchild = h!.tracer.startSpan('grandchild');
        expect(getLocalRoot(grandchild)).toBe(root);
        expect(getLocalRoot(child)).toBe(root);
        expect(getLocalRoot(root)).toBe(root);
        grandchild.end();
        child.end();
      });
      root.end();
    });
  });

  it('makes a span with a remote parent a local root with the frozen DSC and replay id of its context', () => {
    h = createHarness();
    const frozen = freezeDsc({ trace_id: REMOTE_TRACE_ID, sample_rate: '0.5', sample_rand: '0.25' });
    let ctx = setFrozenDsc(remoteContext(true), frozen);
    ctx = setReplayId(ctx, '9d4ad1cdb2a44d0ba5c0b86cd7a9ab1f');
    const starts: string[] = [];
    h.processor.on('transactionStart', (span) => starts.push((span as unknown as ReadableSpan).name));

    const server = h.tracer.startSpan('server', {}, ctx);
    const child = h.tracer.startSpan('db', {}, trace.setSpan(ctx, server));

    expect(starts).toEqual(['server']);
    expect(getLocalRoot(server)).toBe(server);
    expect(getLocalRoot(child)).toBe(server);
    expect(getSpanData(server)?.frozenDsc).toBe(frozen);
    expect(getSpanData(server)?.replayId).toBe('9d4ad1cdb2a44d0ba5c0b86cd7a9ab1f');
    expect(getTraceFrozenDsc(child)).toBe(frozen);
    child.end();
    server.end();
  });

  it('does not give a new trace (root: true) the DSC of the request it starts in', () => {
    h = createHarness();
    const ctx = setFrozenDsc(remoteContext(true), EMPTY_FROZEN_DSC);
    const fresh = h.tracer.startSpan('fresh', { root: true }, ctx);
    expect(fresh.spanContext().traceId).not.toBe(REMOTE_TRACE_ID);
    expect(getSpanData(fresh)?.frozenDsc).toBeUndefined();
    fresh.end();
  });
});

describe('SentrySpanProcessor transactions', () => {
  it('sends nested and async spans of one request as one transaction in one export call', async () => {
    h = createHarness();
    const tracer = h.tracer;
    await tracer.startActiveSpan('GET /orders', async (root) => {
      await Promise.all(
        ['a', 'b', 'c'].map((name) =>
          tracer.startActiveSpan(`load ${name}`, async (span) => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            tracer.startActiveSpan(`query ${name}`, (q) => q.end());
            span.end();
          }),
        ),
      );
      root.end();
    });
    await settle(h.processor.forceFlush());

    expect(h.recording.calls).toHaveLength(1);
    const spans = h.recording.calls[0]!;
    expect(spans).toHaveLength(7);
    expect(spans.at(-1)!.name).toBe('GET /orders');
    const rootId = spans.at(-1)!.spanContext().spanId;
    for (const span of spans.slice(0, -1)) expect(getLocalRoot(span)).toBe(spans.at(-1));
    expect(
      spans
        .filter((s) => s.parentSpanContext?.spanId === rootId)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['load a', 'load b', 'load c']);
  });

  it('keeps two concurrent requests apart', async () => {
    h = createHarness({ maxExportBatchSize: 1 });
    const tracer = h.tracer;
    const request = (name: string, delay: number) =>
      tracer.startActiveSpan(name, async (root) => {
        await new Promise((resolve) => setTimeout(resolve, delay));
        tracer.startSpan(`${name} child`).end();
        root.end();
      });
    await Promise.all([request('first', 5), request('second', 1)]);
    await settle(h.processor.forceFlush());
    expect(h.exportCalls).toEqual([
      ['second child', 'second'],
      ['first child', 'first'],
    ]);
  });

  it('does not buffer recorded but unsampled spans, and counts them', async () => {
    h = createHarness({
      // RECORD only: the SDK calls the processor, but the sampled flag is clear.
      sampler: { shouldSample: () => ({ decision: 1 }), toString: () => 'RecordOnly' },
    });
    h.tracer.startActiveSpan('root', (root) => {
      h!.tracer.startSpan('child').end();
      root.end();
    });
    await settle(h.processor.forceFlush());
    expect(h.exporter.getFinishedSpans()).toEqual([]);
    expect(h.processor.takeDiscards()).toEqual([
      { reason: 'sample_rate', category: 'span', quantity: 2 },
      { reason: 'sample_rate', category: 'transaction', quantity: 1 },
    ]);
  });

  it('sees nothing of spans an SDK sampler drops', () => {
    const exporter = new InMemorySpanExporter();
    const processor = new SentrySpanProcessor({ exporter, env: false });
    const provider = new BasicTracerProvider({ spanProcessors: [processor], sampler: new AlwaysOffSampler() });
    const ends: string[] = [];
    processor.on('spanEnd', (span) => ends.push(span.name));
    provider.getTracer('t').startSpan('dropped').end();
    expect(ends).toEqual([]);
    expect(processor.bufferedSpans).toBe(0);
  });
});

describe('SentrySpanProcessor flush and shutdown', () => {
  it('forceFlush exports pending transactions and flushes the exporter', async () => {
    h = createHarness({ scheduledDelayMillis: 60_000 });
    let exporterFlushed = 0;
    const inner = h.recording.forceFlush.bind(h.recording);
    h.recording.forceFlush = () => {
      exporterFlushed++;
      return inner();
    };
    h.tracer.startSpan('one').end();
    expect(h.exporter.getFinishedSpans()).toEqual([]);
    await settle(h.processor.forceFlush());
    expect(h.exporter.getFinishedSpans().map((s) => s.name)).toEqual(['one']);
    expect(exporterFlushed).toBe(1);
  });

  it('shutdown flushes, shuts the exporter down once, and counts spans ending afterwards', async () => {
    h = createHarness({ scheduledDelayMillis: 60_000 });
    let shutdowns = 0;
    const inner = h.recording.shutdown.bind(h.recording);
    h.recording.shutdown = () => {
      shutdowns++;
      return inner();
    };
    const dropped: Array<[string, string, number]> = [];
    h.client.on(DISCARDED_EVENT_HOOK, (reason: string, category: string, quantity: number) =>
      dropped.push([reason, category, quantity]),
    );
    const late = h.tracer.startSpan('late');
    h.tracer.startSpan('before').end();
    const exported: string[] = [];
    const exportSpy = h.recording.export.bind(h.recording);
    h.recording.export = (spans, done) => {
      exported.push(...spans.map((s) => s.name));
      exportSpy(spans, done);
    };

    await Promise.all([h.processor.shutdown(), h.processor.shutdown()]);
    await settle(h.processor.shutdown());
    late.end();

    expect(exported).toEqual(['before']);
    expect(shutdowns).toBe(1);
    expect(dropped).toEqual([
      ['internal_sdk_error', 'span', 1],
      ['internal_sdk_error', 'transaction', 1],
    ]);
    expect(h.processor.takeDiscards()).toEqual([
      { reason: 'internal_sdk_error', category: 'span', quantity: 1 },
      { reason: 'internal_sdk_error', category: 'transaction', quantity: 1 },
    ]);
    expect(h.processor.takeDiscards()).toEqual([]);
  });

  it('forceFlush after shutdown resolves without exporting', async () => {
    h = createHarness();
    await settle(h.processor.shutdown());
    await expect(h.processor.forceFlush()).resolves.toBeUndefined();
  });
});

describe('SentrySpanProcessor options', () => {
  it('rejects a missing exporter and impossible numbers at construction', () => {
    expect(() => new SentrySpanProcessor({} as never)).toThrow(InvalidOptionError);
    const exporter = new InMemorySpanExporter();
    expect(() => new SentrySpanProcessor({ exporter, maxSpansPerTransaction: 1001 })).toThrow(/maxSpansPerTransaction/);
    expect(() => new SentrySpanProcessor({ exporter, maxBufferedSpans: 0 })).toThrow(/maxBufferedSpans/);
    expect(() => new SentrySpanProcessor({ exporter, orphanTimeoutMillis: -1 })).toThrow(/orphanTimeoutMillis/);
    expect(() => new SentrySpanProcessor({ exporter, lateChildGraceMillis: -1 })).toThrow(/lateChildGraceMillis/);
    expect(() => new SentrySpanProcessor({ exporter, maxConcurrentExports: 1.5 })).toThrow(/maxConcurrentExports/);
    expect(() => new SentrySpanProcessor({ exporter, tracesSampleRate: 2, env: false })).toThrow(/tracesSampleRate/);
  });

  it('creates its own client from its options when none is given', () => {
    const processor = new SentrySpanProcessor({
      exporter: new InMemorySpanExporter(),
      release: 'shop@1.2.3',
      environment: 'staging',
      env: false,
    });
    expect(processor.client.options.release).toBe('shop@1.2.3');
    expect(processor.client.options.environment).toBe('staging');
  });

  it('never throws from onStart or onEnd, even for odd spans', () => {
    const processor = new SentrySpanProcessor({ exporter: new InMemorySpanExporter(), env: false });
    const odd = { spanContext: () => undefined } as unknown as Span;
    expect(() => processor.onStart(odd as never, context.active())).not.toThrow();
    expect(() => processor.onEnd(odd as never)).not.toThrow();
    expect(processor.takeDiscards()).toEqual([{ reason: 'internal_sdk_error', category: 'span', quantity: 1 }]);
  });
});
