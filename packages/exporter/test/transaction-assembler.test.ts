import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ensureSpanData, type ReadableSpanLike } from '@otel-sentry/core';
import { describe, expect, it } from 'vitest';
import { TransactionAssembler } from '../src/transaction-assembler.js';
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

function assembler(drops: Array<[number, string]> = [], timeoutMs = 1000, maxPending = 100) {
  return new TransactionAssembler({ timeoutMs, maxPending, onDrop: (n, why) => drops.push([n, why]) });
}

const ids = (list: readonly ReadableSpanLike[]) => list.map((s) => s.name).sort();

describe('TransactionAssembler', () => {
  it('groups a whole batch', () => {
    const s = spans();
    const groups = assembler().add([s.grandchild, s.child, s.root, s.other], 0);
    expect(groups.map((g) => [g.root.name, ids(g.children)])).toEqual([
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

  it('gives up on children whose root never comes (counted)', () => {
    const s = spans();
    const drops: Array<[number, string]> = [];
    const a = assembler(drops, 1000);
    a.add([s.child, s.grandchild], 0);
    expect(a.expire(999)).toBe(0);
    expect(a.expire(1000)).toBe(2);
    expect(drops).toEqual([[2, 'timeout']]);
    expect(a.add([s.root], 1001)[0]!.children).toEqual([]);
  });

  it('is bounded: the oldest waiting span is evicted (counted)', () => {
    const s = spans();
    const drops: Array<[number, string]> = [];
    const a = assembler(drops, 1000, 1);
    a.add([s.grandchild], 0);
    a.add([s.child], 1);
    expect(a.pendingCount).toBe(1);
    expect(drops).toEqual([[1, 'overflow']]);
  });
});
