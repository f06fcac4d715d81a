import { describe, expect, it } from 'vitest';
import { freezeDsc } from '../src/dsc.js';
import {
  ensureSpanData,
  freezeTraceDsc,
  getLocalRoot,
  getSpanData,
  getTraceFrozenDsc,
  linkToLocalRoot,
} from '../src/span-data.js';

describe('span side table', () => {
  it('has no entry for an unknown span', () => {
    const span = {};
    expect(getSpanData(span)).toBeUndefined();
    expect(getTraceFrozenDsc(span)).toBeUndefined();
  });

  it('creates an entry once and hands back the same one for editing', () => {
    const span = {};
    const data = ensureSpanData(span);
    expect(data).toEqual({});
    data.replayId = 'r';
    expect(ensureSpanData(span)).toBe(data);
    expect(getSpanData(span)).toEqual({ replayId: 'r' });
    expect(getSpanData({})).toBeUndefined();
  });

  it('never touches the span itself', () => {
    const span = Object.freeze({ name: 'frozen span' });
    ensureSpanData(span).sampleRate = 0.5;
    expect(Object.keys(span)).toEqual(['name']);
    expect(getSpanData(span)?.sampleRate).toBe(0.5);
  });

  it('finds the local root of a span, or the span itself', () => {
    const root = {};
    const child = {};
    ensureSpanData(child).root = root;
    expect(getLocalRoot(child)).toBe(root);
    expect(getLocalRoot(root)).toBe(root);
    const lone = {};
    expect(getLocalRoot(lone)).toBe(lone);
  });

  it("reads the trace's frozen DSC from the local root", () => {
    const root = {};
    const child = {};
    ensureSpanData(child).root = root;
    const frozen = freezeDsc({ trace_id: 't' });
    ensureSpanData(root).frozenDsc = frozen;
    expect(getTraceFrozenDsc(child)).toBe(frozen);
    expect(getTraceFrozenDsc(root)).toBe(frozen);
  });

  it('freezes a DSC on the root once; later calls get the same one', () => {
    const root = {};
    const child = {};
    ensureSpanData(child).root = root;
    const first = freezeDsc({ release: '1' });
    let created = 0;
    const create = () => {
      created++;
      return created === 1 ? first : freezeDsc({ release: '2' });
    };
    expect(freezeTraceDsc(child, create)).toBe(first);
    expect(freezeTraceDsc(root, create)).toBe(first);
    expect(freezeTraceDsc(child, create)).toBe(first);
    expect(created).toBe(1);
    expect(getSpanData(root)?.frozenDsc).toBe(first);
    expect(getSpanData(child)?.frozenDsc).toBeUndefined();
  });

  it('keeps an incoming frozen DSC instead of creating one', () => {
    const root = {};
    const incoming = freezeDsc({ trace_id: 'incoming' });
    ensureSpanData(root).frozenDsc = incoming;
    expect(freezeTraceDsc(root, () => freezeDsc({ trace_id: 'new' }))).toBe(incoming);
  });

  it('shares its table through a global symbol, for other copies of this package', () => {
    const table = (globalThis as Record<symbol, unknown>)[Symbol.for('otel-sentry.span-data.v1')];
    expect(table).toBeInstanceOf(WeakMap);
    const span = {};
    ensureSpanData(span).sampleRand = 0.25;
    expect((table as WeakMap<object, unknown>).get(span)).toEqual({ sampleRand: 0.25 });
  });
});

describe('linkToLocalRoot and detached spans', () => {
  it('links a child to its root in one step', () => {
    const root = {};
    const child = {};
    linkToLocalRoot(child, root);
    expect(getLocalRoot(child)).toBe(root);
    expect(getSpanData(child)).toEqual({ root });
  });

  it('gives a detached span the DSC of the root it was cut off from, and freezes only there', () => {
    const root = {};
    const late = {};
    ensureSpanData(late).detached = 'late';
    ensureSpanData(late).detachedFrom = root;
    expect(getTraceFrozenDsc(late)).toBeUndefined();
    const frozen = freezeTraceDsc(late, () => freezeDsc({ trace_id: 'a'.repeat(32) }));
    expect(getSpanData(root)?.frozenDsc).toBe(frozen);
    expect(getSpanData(late)?.frozenDsc).toBeUndefined();
    expect(getTraceFrozenDsc(late)).toBe(frozen);
    expect(freezeTraceDsc(late, () => freezeDsc({ trace_id: 'b'.repeat(32) }))).toBe(frozen);
  });

  it('stops following detached links after a bounded number of hops', () => {
    const a = {};
    const b = {};
    ensureSpanData(a).detachedFrom = b;
    ensureSpanData(b).detachedFrom = a;
    expect(getTraceFrozenDsc(a)).toBeUndefined();
    const frozen = freezeTraceDsc(a, () => freezeDsc({ release: 'r' }));
    expect(getTraceFrozenDsc(a)).toBe(frozen);
  });
});
