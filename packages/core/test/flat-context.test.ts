import { type Context, createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getFrozenDsc, getReplayId, setFrozenDsc, setReplayId } from '../src/context.js';
import { freezeDsc } from '../src/dsc.js';
import { flatContext } from '../src/flat-context.js';

const KEYS = Array.from({ length: 40 }, (_, i) => createContextKey(`flat-context test key ${i}`));
const [A, B, C] = KEYS as [symbol, symbol, symbol];

describe('flatContext', () => {
  it("reads the parent's values, and a set or delete on top shadows them without touching the parent", () => {
    const parent = ROOT_CONTEXT.setValue(A, 'a').setValue(B, 'b');
    const flat = flatContext(parent);
    expect(flat.getValue(A)).toBe('a');
    expect(flat.getValue(C)).toBeUndefined();

    const set = flat.setValue(A, 'A').setValue(C, 'c');
    const deleted = set.deleteValue(B);
    expect([set.getValue(A), set.getValue(B), set.getValue(C)]).toEqual(['A', 'b', 'c']);
    expect([deleted.getValue(A), deleted.getValue(B), deleted.getValue(C)]).toEqual(['A', undefined, 'c']);
    // Immutable, as every Context: nothing above changed what an earlier context reads.
    expect([flat.getValue(A), flat.getValue(B), flat.getValue(C)]).toEqual(['a', 'b', undefined]);
    expect([parent.getValue(A), parent.getValue(B)]).toEqual(['a', 'b']);
    expect(set.getValue(B)).toBe('b');
  });

  it('gives back a flat context as it is, and contexts derived from it stay flat', () => {
    const flat = flatContext(ROOT_CONTEXT);
    expect(flatContext(flat)).toBe(flat);
    const derived = flat.setValue(A, 1);
    expect(flatContext(derived)).toBe(derived);
  });

  it('reads as the API context does after any sequence of sets and deletes, past 16 keys too', () => {
    const op = fc.record({
      key: fc.integer({ min: 0, max: KEYS.length - 1 }),
      value: fc.option(fc.integer(), { nil: undefined }),
      del: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 0, max: 5 }), (ops, parentKeys) => {
        let base: Context = ROOT_CONTEXT;
        for (let i = 0; i < parentKeys; i++) base = base.setValue(KEYS[i]!, `parent ${i}`);
        let flat = flatContext(base);
        let expected = base;
        const seen: Context[] = [];
        for (const { key, value, del } of ops) {
          const k = KEYS[key]!;
          flat = del ? flat.deleteValue(k) : flat.setValue(k, value);
          expected = del ? expected.deleteValue(k) : expected.setValue(k, value);
          seen.push(flat);
          for (const each of KEYS) expect(flat.getValue(each)).toBe(expected.getValue(each));
        }
        // Every intermediate context still reads what it read when it was made.
        let replay: Context = base;
        ops.forEach(({ key, value, del }, i) => {
          const k = KEYS[key]!;
          replay = del ? replay.deleteValue(k) : replay.setValue(k, value);
          for (const each of KEYS) expect(seen[i]!.getValue(each)).toBe(replay.getValue(each));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('keeps every value when more keys are set than it holds in its array', () => {
    let flat = flatContext(ROOT_CONTEXT.setValue(A, 'parent'));
    let expected: Context = ROOT_CONTEXT.setValue(A, 'parent');
    for (const [i, key] of KEYS.entries()) {
      flat = i % 5 === 4 ? flat.deleteValue(KEYS[i - 2]!) : flat.setValue(key, i);
      expected = i % 5 === 4 ? expected.deleteValue(KEYS[i - 2]!) : expected.setValue(key, i);
    }
    flat = flat.setValue(B, 'again');
    expected = expected.setValue(B, 'again');
    expect(KEYS.map((key) => flat.getValue(key))).toEqual(KEYS.map((key) => expected.getValue(key)));
    // 32 set, 8 of them deleted again: 24 values, most of them past the array.
    expect(KEYS.filter((key) => flat.getValue(key) !== undefined).length).toBe(24);
  });

  it("carries the API's span and this package's values like any context", () => {
    const spanContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true };
    const frozen = freezeDsc({ trace_id: 'a'.repeat(32) });
    let ctx = trace.setSpanContext(flatContext(ROOT_CONTEXT), spanContext);
    ctx = setReplayId(setFrozenDsc(ctx, frozen), 'ABCDEF0123456789ABCDEF0123456789');
    expect(trace.getSpanContext(ctx)).toEqual(spanContext);
    expect(getFrozenDsc(ctx)).toBe(frozen);
    expect(getReplayId(ctx)).toBe('abcdef0123456789abcdef0123456789');
    expect(getReplayId(setReplayId(ctx, undefined))).toBeUndefined();
  });
});
