import { type Context, ROOT_CONTEXT, type Span, type Tracer, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError } from '../src/client.js';
import { getDetachReason } from '../src/detached-transaction.js';
import { freezeDsc } from '../src/dsc.js';
import {
  ensureSpanData,
  getLocalRoot,
  getSpanData,
  getTraceFrozenDsc,
  isTransactionRoot,
  linkToLocalRoot,
} from '../src/span-data.js';
import {
  RECENT_ROOTS,
  TRANSACTION_ASSEMBLER_DEFAULTS,
  TransactionAssembler,
  type TransactionAssemblerOptions,
} from '../src/transaction-assembler.js';
import type { ReadableSpanLike } from '../src/types.js';

type Options = Omit<TransactionAssemblerOptions, 'onTransaction'>;

/** What an assembler handed on and reported, as span names. */
interface Recorder {
  /** Each transaction as `[root, ...children]`. */
  readonly sent: string[][];
  readonly roots: ReadableSpanLike[];
  readonly drops: Array<[number, string]>;
  readonly detaches: Array<[number, string]>;
}

function recorder(): Recorder & {
  options: Pick<TransactionAssemblerOptions, 'onTransaction' | 'onDrop' | 'onDetach'>;
} {
  const r: Recorder = { sent: [], roots: [], drops: [], detaches: [] };
  return {
    ...r,
    options: {
      onTransaction: (root, children) => {
        r.roots.push(root);
        r.sent.push([root.name, ...children.map((s) => s.name)]);
      },
      onDrop: (quantity, reason) => r.drops.push([quantity, reason]),
      onDetach: (quantity, reason) => r.detaches.push([quantity, reason]),
    },
  };
}

const child = (tracer: Tracer, name: string, parent: Span, startTime?: number): Span =>
  tracer.startSpan(name, startTime === undefined ? {} : { startTime }, trace.setSpan(ROOT_CONTEXT, parent));

// ---------------------------------------------------------------------------------- live spans

/**
 * A real provider whose only processor feeds the assembler the way SentrySpanProcessor does:
 * every span linked to its local root at start, then `spanStarted` / `spanEnded`.
 */
function live(options: Options = {}) {
  const rec = recorder();
  const assembler = new TransactionAssembler({ ...options, ...rec.options });
  const feeder: SpanProcessor = {
    onStart(span: Span, parentContext: Context) {
      const parent = trace.getSpan(parentContext);
      const parentData = parent === undefined ? undefined : getSpanData(parent);
      if (parent !== undefined && parentData !== undefined) {
        const root = parentData.root ?? parent;
        linkToLocalRoot(span, root);
        assembler.spanStarted(span, root);
      } else {
        ensureSpanData(span);
      }
    },
    onEnd(span: ReadableSpan) {
      assembler.spanEnded(span, getLocalRoot(span));
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const provider = new BasicTracerProvider({ spanProcessors: [feeder] });
  return { ...rec, assembler, tracer: provider.getTracer('test') };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('TransactionAssembler, live spans', () => {
  it('hands on a root with its finished children, in one piece', () => {
    const t = live();
    const root = t.tracer.startSpan('GET /');
    child(t.tracer, 'a', root).end();
    child(t.tracer, 'b', root).end();
    expect(t.assembler.size).toBe(2);
    root.end();
    expect(t.sent).toEqual([['GET /', 'a', 'b']]);
    expect(t.assembler.size).toBe(0);
    expect(t.drops).toEqual([]);
    expect(t.detaches).toEqual([]);
  });

  it('files grandchildren under the local root', () => {
    const t = live();
    const root = t.tracer.startSpan('root');
    const a = child(t.tracer, 'a', root);
    child(t.tracer, 'a1', a).end();
    a.end();
    root.end();
    expect(t.sent).toEqual([['root', 'a1', 'a']]);
  });

  describe('late children', () => {
    it('sends a child that ends after its root was handed on as a transaction of its own', () => {
      const t = live({ lateChildGraceMillis: 0 });
      const frozen = freezeDsc({ trace_id: 'x', sample_rand: '0.5' });
      const root = t.tracer.startSpan('GET /checkout');
      ensureSpanData(root).frozenDsc = frozen;
      ensureSpanData(root).replayId = 'a'.repeat(32);
      const background = child(t.tracer, 'send receipt email', root);
      root.end();
      expect(t.sent).toEqual([['GET /checkout']]);
      background.end();
      expect(t.sent).toEqual([['GET /checkout'], ['send receipt email']]);
      expect(getDetachReason(background)).toBe('late');
      expect(getLocalRoot(background)).toBe(background);
      expect(isTransactionRoot(background as unknown as ReadableSpan)).toBe(true);
      // It keeps the trace's DSC and replay id, so its envelope carries the same trace header.
      expect(getTraceFrozenDsc(background)).toBe(frozen);
      expect(getSpanData(background)?.replayId).toBe('a'.repeat(32));
      expect(getSpanData(background)?.detachedFrom).toBe(root);
      expect(getDetachReason(root)).toBeUndefined();
      expect(t.detaches).toEqual([[1, 'late']]);
    });
  });

  describe('late-child grace', () => {
    it('holds a finished root until the children started under it have ended', () => {
      vi.useFakeTimers();
      const t = live();
      const root = t.tracer.startSpan('GET /users');
      child(t.tracer, 'middleware', root).end();
      const handler = child(t.tracer, 'request handler', root);
      root.end();
      expect(t.sent).toEqual([]);
      expect(t.assembler.size).toBe(2); // the held root counts
      vi.advanceTimersByTime(3);
      handler.end();
      expect(t.sent).toEqual([['GET /users', 'middleware', 'request handler']]);
      expect(getDetachReason(handler)).toBeUndefined();
      expect(t.assembler.size).toBe(0);
      expect(t.detaches).toEqual([]);
    });

    it('waits for grandchildren too', () => {
      const t = live();
      const root = t.tracer.startSpan('root');
      const a = child(t.tracer, 'a', root);
      const a1 = child(t.tracer, 'a1', a);
      a.end();
      root.end();
      expect(t.sent).toEqual([]);
      a1.end();
      expect(t.sent).toEqual([['root', 'a', 'a1']]);
    });

    it('waits 100 ms by default, then a child ending later is late', () => {
      vi.useFakeTimers();
      const t = live();
      expect(TRANSACTION_ASSEMBLER_DEFAULTS.lateChildGraceMillis).toBe(100);
      const root = t.tracer.startSpan('root');
      const slow = child(t.tracer, 'slow', root);
      root.end();
      vi.advanceTimersByTime(99);
      expect(t.sent).toEqual([]);
      expect(t.assembler.nextDeadline).toBe(Date.now() + 1);
      vi.advanceTimersByTime(1);
      expect(t.sent).toEqual([['root']]);
      slow.end();
      expect(t.sent).toEqual([['root'], ['slow']]);
      expect(getDetachReason(slow)).toBe('late');
    });

    it('is cut short by flush() and flushAll()', () => {
      const t = live({ lateChildGraceMillis: 60_000 });
      const first = t.tracer.startSpan('first');
      const running = child(t.tracer, 'running', first);
      first.end();
      expect(t.sent).toEqual([]);
      t.assembler.flush();
      expect(t.sent).toEqual([['first']]);
      running.end();
      expect(getDetachReason(running)).toBe('late');

      const second = t.tracer.startSpan('second');
      child(t.tracer, 'done', second).end();
      child(t.tracer, 'still running', second);
      second.end();
      t.assembler.flushAll();
      expect(t.sent.at(-1)).toEqual(['second', 'done']);
      expect(t.assembler.size).toBe(0);
    });

    it('hands a root on at once when holding it would pass the bound', () => {
      const t = live({ maxBufferedSpans: 1 });
      const root = t.tracer.startSpan('root');
      child(t.tracer, 'done', root).end();
      const running = child(t.tracer, 'running', root);
      root.end();
      expect(t.sent).toEqual([['root', 'done']]);
      running.end();
      expect(getDetachReason(running)).toBe('late');
      expect(t.drops).toEqual([]);
    });

    it('counts what is held elsewhere against the bound', () => {
      const t = live({ maxBufferedSpans: 3, heldElsewhere: () => 3 });
      const root = t.tracer.startSpan('root');
      child(t.tracer, 'a', root).end();
      expect(t.drops).toEqual([[1, 'buffer_overflow']]);
      root.end();
      expect(t.sent).toEqual([['root']]);
    });

    it('is off with lateChildGraceMillis 0', () => {
      const t = live({ lateChildGraceMillis: 0 });
      const root = t.tracer.startSpan('root');
      child(t.tracer, 'running', root);
      root.end();
      expect(t.sent).toEqual([['root']]);
      expect(getSpanData(root)?.openChildren).toBeUndefined();
    });
  });

  describe('orphans', () => {
    it('sends children whose root never ends after orphanTimeoutMillis, grouped under their top-most span', () => {
      vi.useFakeTimers();
      const t = live({ orphanTimeoutMillis: 10_000 });
      const root = t.tracer.startSpan('stuck request');
      ensureSpanData(root).sampleRand = 0.25;
      const a = child(t.tracer, 'a', root);
      const a1 = child(t.tracer, 'a1', a);
      a1.end();
      a.end();
      child(t.tracer, 'b', root).end();

      vi.advanceTimersByTime(9_999);
      expect(t.sent).toEqual([]);
      expect(t.assembler.size).toBe(3);
      vi.advanceTimersByTime(1);
      expect(t.sent).toEqual([['a', 'a1'], ['b']]);
      expect(getDetachReason(a)).toBe('orphan');
      expect(getSpanData(a)?.sampleRand).toBe(0.25);
      expect(getSpanData(a)?.detachedFrom).toBe(root);
      expect(getDetachReason(t.roots[1]!)).toBe('orphan');
      expect(getDetachReason(a1)).toBeUndefined();
      expect(getLocalRoot(a1)).toBe(a);
      expect(t.assembler.size).toBe(0);
      expect(t.detaches).toEqual([[3, 'orphan']]);

      // The root ending later goes out alone; nothing was dropped.
      root.end();
      expect(t.sent.at(-1)).toEqual(['stuck request']);
      expect(t.drops).toEqual([]);
    });

    it('waits 300 s by default', () => {
      vi.useFakeTimers();
      const t = live();
      const root = t.tracer.startSpan('long poll');
      child(t.tracer, 'tick', root).end();
      vi.advanceTimersByTime(299_999);
      expect(t.sent).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(t.sent).toEqual([['tick']]);
    });

    it('sends waiting children as orphans at flushAll instead of dropping them', () => {
      const t = live();
      const root = t.tracer.startSpan('never ends');
      child(t.tracer, 'done', root).end();
      t.assembler.flushAll();
      expect(t.sent).toEqual([['done']]);
      expect(t.drops).toEqual([]);
    });
  });

  describe('span cap', () => {
    it('keeps the earliest started spans of a transaction and counts the rest', () => {
      const t = live({ maxSpansPerTransaction: 4 });
      const root = t.tracer.startSpan('root', { startTime: 1000 });
      // They end in reverse start order, so arrival order differs from start order.
      const children = [0, 1, 2, 3, 4, 5].map((i) => child(t.tracer, `c${i}`, root, 1001 + i));
      for (const c of children.reverse()) c.end();
      root.end();
      expect(t.sent).toHaveLength(1);
      expect([...t.sent[0]!].sort()).toEqual(['c0', 'c1', 'c2', 'root']);
      expect(t.drops).toEqual([
        [1, 'buffer_overflow'],
        [1, 'buffer_overflow'],
        [1, 'buffer_overflow'],
      ]);
      expect(t.assembler.size).toBe(0);
    });

    it('sends only the root when the cap is 1', () => {
      const t = live({ maxSpansPerTransaction: 1 });
      const root = t.tracer.startSpan('root');
      child(t.tracer, 'a', root).end();
      child(t.tracer, 'b', root).end();
      root.end();
      expect(t.sent).toEqual([['root']]);
      expect(t.drops.reduce((n, [q]) => n + q, 0)).toBe(2);
    });

    it('holds 1000 spans per transaction by default', () => {
      const t = live();
      const root = t.tracer.startSpan('root');
      for (let i = 0; i < 1005; i++) child(t.tracer, `c${i}`, root).end();
      root.end();
      expect(t.sent[0]).toHaveLength(1000);
      expect(t.drops.reduce((n, [q]) => n + q, 0)).toBe(6);
    });

    it('caps again a transaction that hooks lengthened, keeping the root', () => {
      const t = live({ maxSpansPerTransaction: 2 });
      const root = t.tracer.startSpan('root', { startTime: 1000 });
      const late = child(t.tracer, 'late', root, 1002);
      const early = child(t.tracer, 'early', root, 1001);
      const spans = [late, early, root] as unknown as ReadableSpan[];
      expect(t.assembler.capTransaction(spans[2]!, spans).map((s) => s.name)).toEqual(['early', 'root']);
      expect(t.drops).toEqual([[1, 'buffer_overflow']]);
      expect(t.assembler.capTransaction(spans[2]!, spans.slice(1))).toHaveLength(2);
    });
  });

  describe('bound', () => {
    it('refuses finished spans past maxBufferedSpans, counts them, and keeps the rest', () => {
      const t = live({ maxBufferedSpans: 5 });
      const root = t.tracer.startSpan('root');
      for (let i = 0; i < 7; i++) child(t.tracer, `c${i}`, root).end();
      expect(t.assembler.size).toBe(5);
      expect(t.drops).toEqual([
        [1, 'buffer_overflow'],
        [1, 'buffer_overflow'],
      ]);
      root.end();
      expect(t.sent).toEqual([['root', 'c0', 'c1', 'c2', 'c3', 'c4']]);
      expect(t.assembler.size).toBe(0);
    });
  });

  describe('failures', () => {
    it('counts a transaction the receiver threw on, and goes on with the others', () => {
      vi.useFakeTimers();
      const drops: Array<[number, string]> = [];
      let calls = 0;
      const assembler = new TransactionAssembler({
        orphanTimeoutMillis: 10,
        onTransaction: () => {
          calls++;
          throw new Error('boom');
        },
        onDrop: (q, reason) => drops.push([q, reason]),
      });
      const tracer = new BasicTracerProvider().getTracer('t');
      for (const name of ['r1', 'r2']) {
        const root = tracer.startSpan(name);
        const c = child(tracer, `${name}-child`, root);
        c.end();
        assembler.spanEnded(c as unknown as ReadableSpan, root);
      }
      // Both orphans come out of one timer callback; neither throw escapes it.
      expect(() => vi.advanceTimersByTime(10)).not.toThrow();
      expect(calls).toBe(2);
      expect(drops).toEqual([
        [1, 'internal_sdk_error'],
        [1, 'internal_sdk_error'],
      ]);
      expect(assembler.size).toBe(0);
    });

    it('rejects settings that cannot work, naming the option', () => {
      const onTransaction = () => {};
      expect(() => new TransactionAssembler({ onTransaction, orphanTimeoutMillis: -1 })).toThrow(
        /"orphanTimeoutMillis"/,
      );
      expect(() => new TransactionAssembler({ onTransaction, maxBufferedSpans: 0 })).toThrow(InvalidOptionError);
      expect(() => new TransactionAssembler({ onTransaction, maxSpansPerTransaction: 1.5 })).toThrow(
        /"maxSpansPerTransaction"/,
      );
      expect(
        () => new TransactionAssembler({ onTransaction, lateChildGraceMillis: '100' as unknown as number }),
      ).toThrow(/"lateChildGraceMillis"/);
      expect(() => new TransactionAssembler({} as TransactionAssemblerOptions)).toThrow(/"onTransaction"/);
    });
  });
});

// ------------------------------------------------------------------------------ export batches

/** Finished SDK spans, ended in the order given; no span processor links them. */
function finished(build: (tracer: Tracer) => void): Map<string, ReadableSpan> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  build(provider.getTracer('test'));
  return new Map(memory.getFinishedSpans().map((s) => [s.name, s]));
}

function family() {
  const spans = finished((tracer) => {
    const root = tracer.startSpan('root', { startTime: 1000 });
    const c = child(tracer, 'child', root, 1001);
    const g = child(tracer, 'grandchild', c, 1002);
    g.end();
    c.end();
    root.end();
    tracer.startSpan('other').end();
  });
  return {
    root: spans.get('root')!,
    child: spans.get('child')!,
    grandchild: spans.get('grandchild')!,
    other: spans.get('other')!,
  };
}

function batches(options: Options = {}) {
  const rec = recorder();
  const assembler = new TransactionAssembler({
    ...options,
    ...rec.options,
    sweepTimers: false,
    lateChildGraceMillis: 0,
  });
  return { ...rec, assembler };
}

const sorted = (names: string[] | undefined) => (names === undefined ? [] : [names[0], ...names.slice(1).sort()]);

describe('TransactionAssembler, export batches', () => {
  it('groups a whole batch', () => {
    const s = family();
    const t = batches();
    t.assembler.add([s.grandchild, s.child, s.root, s.other], 0);
    expect(t.sent.map(sorted)).toEqual([['root', 'child', 'grandchild'], ['other']]);
    expect(t.assembler.size).toBe(0);
  });

  it('holds children that arrive before their root until it comes', () => {
    const s = family();
    const t = batches();
    t.assembler.add([s.grandchild], 0);
    t.assembler.add([s.child], 10);
    expect(t.sent).toEqual([]);
    expect(t.assembler.size).toBe(2);
    t.assembler.add([s.root], 20);
    expect(t.sent.map(sorted)).toEqual([['root', 'child', 'grandchild']]);
    expect(t.assembler.size).toBe(0);
  });

  it('joins a waiting child with loose descendants that arrive with the root', () => {
    const s = family();
    const t = batches();
    t.assembler.add([s.child], 0);
    t.assembler.add([s.grandchild, s.root], 1);
    expect(t.sent.map(sorted)).toEqual([['root', 'child', 'grandchild']]);
  });

  it('uses the root link of a span processor when the parent never arrives', () => {
    const s = family();
    ensureSpanData(s.grandchild).root = s.root;
    const t = batches();
    t.assembler.add([s.grandchild], 0);
    t.assembler.add([s.root], 1);
    expect(t.sent).toEqual([['root', 'grandchild']]);
  });

  it('passes transactions a span processor assembled straight through, without buffering', () => {
    const s = family();
    ensureSpanData(s.root);
    ensureSpanData(s.child).root = s.root;
    ensureSpanData(s.grandchild).root = s.root;
    const t = batches({ maxBufferedSpans: 1 });
    t.assembler.add([s.grandchild, s.child, s.root, s.other], 0);
    expect(t.sent).toEqual([['root', 'grandchild', 'child'], ['other']]);
    expect(t.assembler.size).toBe(0);
    expect(t.assembler.nextDeadline).toBeUndefined();
    expect(t.drops).toEqual([]);
  });

  it('assembles what a plain BatchSpanProcessor exports in small batches', async () => {
    const rec = recorder();
    const assembler = new TransactionAssembler({ ...rec.options, sweepTimers: false });
    const calls: number[] = [];
    const exporter: SpanExporter = {
      export(spans, done) {
        calls.push(spans.length);
        assembler.add(spans, Date.now());
        done({ code: 0 });
      },
      shutdown: () => Promise.resolve(),
    };
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 2, scheduledDelayMillis: 1 })],
    });
    const tracer = provider.getTracer('test');
    const root = tracer.startSpan('root');
    for (let i = 0; i < 5; i++) child(tracer, `c${i}`, root).end();
    await provider.forceFlush(); // children exported, root still running
    expect(assembler.size).toBe(5);
    root.end();
    await provider.forceFlush();
    expect(calls.length).toBeGreaterThan(2);
    expect(rec.sent.map(sorted)).toEqual([['root', 'c0', 'c1', 'c2', 'c3', 'c4']]);
    expect(assembler.size).toBe(0);
    await provider.shutdown();
  });

  describe('orphans', () => {
    it('sends children whose root never comes as transactions of their own after the timeout', () => {
      const s = family();
      const t = batches({ orphanTimeoutMillis: 1000 });
      t.assembler.add([s.child, s.grandchild], 0);
      expect(t.assembler.nextDeadline).toBe(1000);
      t.assembler.sweep(999);
      expect(t.sent).toEqual([]);
      t.assembler.sweep(1000);
      expect(t.sent).toEqual([['child', 'grandchild']]);
      expect(getDetachReason(s.child)).toBe('orphan');
      expect(isTransactionRoot(s.child)).toBe(true);
      expect(getLocalRoot(s.grandchild)).toBe(s.child);
      expect(t.detaches).toEqual([[2, 'orphan']]);
      expect(t.drops).toEqual([]);
      expect(t.assembler.size).toBe(0);
      // The root coming after all goes out alone.
      t.assembler.add([s.root], 1001);
      expect(t.sent.at(-1)).toEqual(['root']);
    });

    it('counts the timeout from the first waiting descendant, even when its parent arrives later', () => {
      const s = family();
      const t = batches({ orphanTimeoutMillis: 1000 });
      t.assembler.add([s.grandchild], 0);
      t.assembler.add([s.child], 900);
      t.assembler.sweep(1000);
      // One transaction, not two: the grandchild waited with its parent.
      expect(t.sent).toEqual([['child', 'grandchild']]);
    });

    it('waits 300 s by default', () => {
      const s = family();
      const t = batches();
      t.assembler.add([s.child], 0);
      t.assembler.sweep(299_999);
      expect(t.sent).toEqual([]);
      t.assembler.sweep(300_000);
      expect(t.sent).toEqual([['child']]);
    });

    it('sends every waiting child at flushAll', () => {
      const s = family();
      const t = batches();
      t.assembler.add([s.grandchild], 0);
      t.assembler.add([s.other], 0);
      t.assembler.flushAll();
      expect(t.sent).toEqual([['other'], ['grandchild']]);
      expect(t.assembler.size).toBe(0);
    });
  });

  describe('late children', () => {
    it('sends a child that arrives after its root at once, marked late, with its descendants', () => {
      const s = family();
      const t = batches();
      t.assembler.add([s.root, s.other], 0);
      t.assembler.add([s.grandchild, s.child], 5);
      expect(t.sent).toEqual([['root'], ['other'], ['child', 'grandchild']]);
      expect(getDetachReason(s.child)).toBe('late');
      expect(getLocalRoot(s.grandchild)).toBe(s.child);
      expect(t.assembler.size).toBe(0);
      expect(t.detaches).toEqual([[2, 'late']]);
    });

    it(`remembers the last ${RECENT_ROOTS} roots`, () => {
      const s = family();
      const t = batches();
      t.assembler.add([s.root], 0);
      const others = finished((tracer) => {
        for (let i = 0; i < RECENT_ROOTS; i++) tracer.startSpan(`r${i}`).end();
      });
      t.assembler.add([...others.values()], 1);
      t.assembler.add([s.child], 2);
      expect(t.assembler.size).toBe(1);
    });
  });

  describe('bounds', () => {
    it('refuses the newest span when the buffer is full (counted)', () => {
      const s = family();
      const t = batches({ maxBufferedSpans: 1 });
      t.assembler.add([s.grandchild], 0);
      t.assembler.add([s.child], 1);
      expect(t.assembler.size).toBe(1);
      expect(t.drops).toEqual([[1, 'buffer_overflow']]);
      t.assembler.add([s.root], 2);
      expect(t.sent).toEqual([['root']]);
      // The grandchild waited for a child that was refused: it goes out as an orphan.
      t.assembler.flushAll();
      expect(t.sent.at(-1)).toEqual(['grandchild']);
    });

    it('keeps the earliest started spans of a transaction', () => {
      const spans = finished((tracer) => {
        const root = tracer.startSpan('root', { startTime: 1000 });
        const children = [0, 1, 2, 3, 4].map((i) => child(tracer, `c${i}`, root, 1001 + i));
        for (const c of children.reverse()) c.end();
        root.end();
      });
      const list = [...spans.values()];
      const t = batches({ maxSpansPerTransaction: 3 });
      // Waiting across batches, and all in one batch.
      t.assembler.add(list.slice(0, -1), 0);
      expect(t.assembler.size).toBe(2);
      t.assembler.add(list.slice(-1), 1);
      t.assembler.add(list, 2);
      expect(t.sent.map(sorted)).toEqual([
        ['root', 'c0', 'c1'],
        ['root', 'c0', 'c1'],
      ]);
      expect(t.drops.reduce((n, [q]) => n + q, 0)).toBe(6);
    });

    it('keeps one copy of a span exported twice', () => {
      const s = family();
      const t = batches();
      t.assembler.add([s.child], 0);
      t.assembler.add([s.child], 1);
      expect(t.assembler.size).toBe(1);
    });
  });
});
