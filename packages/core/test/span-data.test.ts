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

  it('keeps entries under global symbols, so other copies of this package share them', () => {
    const span = {};
    ensureSpanData(span).sampleRand = 0.25;
    expect((span as Record<symbol, unknown>)[Symbol.for('otel-sentry.span-data.v2')]).toEqual({ sampleRand: 0.25 });
    const frozen = Object.freeze({});
    ensureSpanData(frozen).sampleRand = 0.5;
    const fallback = (globalThis as Record<symbol, unknown>)[Symbol.for('otel-sentry.span-data.v2.fallback')];
    expect((fallback as WeakMap<object, unknown>).get(frozen)).toEqual({ sampleRand: 0.5 });
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

describe('where entries live', () => {
  it('is invisible to everything that reads a span: keys, JSON, for-in', () => {
    const span = { name: 'GET /', attributes: { a: 1 } };
    ensureSpanData(span).replayId = 'r';
    linkToLocalRoot(span, {});
    expect(Object.keys(span)).toEqual(['name', 'attributes']);
    expect(JSON.stringify(span)).toBe('{"name":"GET /","attributes":{"a":1}}');
    const seen: string[] = [];
    for (const key in span) seen.push(key);
    expect(seen).toEqual(['name', 'attributes']);
  });

  it('keeps entries of spans that cannot take a slot (frozen, sealed) all the same', () => {
    const root = Object.freeze({ name: 'root' });
    const child = Object.seal({ name: 'child' });
    linkToLocalRoot(child, root);
    ensureSpanData(root).replayId = 'b'.repeat(32);
    expect(getLocalRoot(child)).toBe(root);
    expect(getSpanData(root)).toEqual({ replayId: 'b'.repeat(32) });
    const frozen = freezeTraceDsc(child, () => freezeDsc({ release: 'r' }));
    expect(getTraceFrozenDsc(child)).toBe(frozen);
  });

  it("does not read an entry on a prototype as every instance's", () => {
    const proto = {};
    ensureSpanData(proto).replayId = 'c'.repeat(32);
    const instance = Object.create(proto) as object;
    expect(getSpanData(instance)).toBeUndefined();
    expect(getLocalRoot(instance)).toBe(instance);
  });
});
