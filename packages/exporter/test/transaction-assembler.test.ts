/**
 * The exporter's adapter over core's TransactionAssembler: the API the exporter calls. The
 * assembler's rules (bounds, cap, orphans, late children) are tested in core.
 */
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ensureSpanData, getDetachReason, type ReadableSpanLike } from '@otel-sentry/core';
import { describe, expect, it } from 'vitest';
import { type AssemblerSettings, type SpanGroup, TransactionAssembler } from '../src/transaction-assembler.js';
import { provider } from './helpers/otel.js';

function spans(): { root: ReadableSpan; child: ReadableSpan; grandchild: ReadableSpan; other: ReadableSpan } {
  const memory = new InMemorySpanExporter();
  const { tracer } = provider(memory);
  const root = tracer.startSpan('root');
  const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), root));
  const grandchild = tracer.startSpan('grandchild', {}, trace.setSpan(context.active(), child));
  grandchild.end();
  child.end();
  root.end();
  const other = tracer.startSpan('other');
  other.end();
  const [g, c, r, o] = memory.getFinishedSpans();
  return { root: r!, child: c!, grandchild: g!, other: o! };
}

function assembler(drops: Array<[number, string]> = [], settings: Partial<AssemblerSettings> = {}) {
  return new TransactionAssembler({
    orphanTimeoutMillis: 1000,
    maxBufferedSpans: 100,
    onDrop: (n, reason) => drops.push([n, reason]),
    ...settings,
  });
}

const ids = (list: readonly ReadableSpanLike[]) => list.map((s) => s.name).sort();
const shape = (groups: SpanGroup[]) => groups.map((g) => [g.root.name, ids(g.children)]);

describe('TransactionAssembler (exporter)', () => {
  it('groups a whole batch', () => {
    const s = spans();
    const groups = assembler().add([s.grandchild, s.child, s.root, s.other], 0);
    expect(shape(groups)).toEqual([
      ['root', ['child', 'grandchild']],
      ['other', []],
    ]);
  });

  it('children that arrive before their root wait for it', () => {
    const s = spans();
    const a = assembler();
    expect(a.add([s.grandchild], 0)).toEqual([]);
    expect(a.add([s.child], 10)).toEqual([]);
    expect(a.pendingCount).toBe(2);
    const groups = a.add([s.root], 20);
    expect(ids(groups[0]!.children)).toEqual(['child', 'grandchild']);
    expect(a.pendingCount).toBe(0);
  });

  it('uses the root link of the span processor when the parent never arrives', () => {
    const s = spans();
    ensureSpanData(s.grandchild).root = s.root;
    const a = assembler();
    a.add([s.grandchild], 0);
    expect(ids(a.add([s.root], 1)[0]!.children)).toEqual(['grandchild']);
  });

  it('returns children whose root never comes as orphan transactions after orphanTimeoutMillis', () => {
    const s = spans();
    const drops: Array<[number, string]> = [];
    const detaches: Array<[number, string]> = [];
    const a = assembler(drops, { onDetach: (n, reason) => detaches.push([n, reason]) });
    a.add([s.child, s.grandchild], 0);
    expect(a.nextExpiry).toBe(1000);
    expect(a.expire(999)).toEqual([]);
    const groups = a.expire(1000);
    expect(shape(groups)).toEqual([['child', ['grandchild']]]);
    expect(getDetachReason(s.child)).toBe('orphan');
    expect(detaches).toEqual([[2, 'orphan']]);
    expect(drops).toEqual([]);
    expect(a.pendingCount).toBe(0);
    expect(a.add([s.root], 1001)[0]!.children).toEqual([]);
  });

  it('returns every waiting child at clear() (shutdown)', () => {
    const s = spans();
    const a = assembler();
    a.add([s.grandchild], 0);
    expect(shape(a.clear())).toEqual([['grandchild', []]]);
    expect(a.pendingCount).toBe(0);
  });

  it('returns a child arriving after its root at once, marked late', () => {
    const s = spans();
    const a = assembler();
    a.add([s.root], 0);
    expect(shape(a.add([s.child, s.grandchild], 1))).toEqual([['child', ['grandchild']]]);
    expect(getDetachReason(s.child)).toBe('late');
  });

  it('is bounded: the newest waiting span is refused (counted)', () => {
    const s = spans();
    const drops: Array<[number, string]> = [];
    const a = assembler(drops, { maxBufferedSpans: 1 });
    a.add([s.grandchild], 0);
    a.add([s.child], 1);
    expect(a.pendingCount).toBe(1);
    expect(drops).toEqual([[1, 'buffer_overflow']]);
  });

  it('defaults to the span processor’s bounds', () => {
    const s = spans();
    const a = new TransactionAssembler({ onDrop: () => {} });
    a.add([s.child], 0);
    expect(a.nextExpiry).toBe(300_000);
  });
});
