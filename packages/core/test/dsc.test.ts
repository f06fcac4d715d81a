import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, isValidKey, parseBaggage } from '../src/baggage.js';
import {
  deriveSampleRand,
  deriveSampleRandValue,
  dscFromBaggage,
  dscToBaggage,
  EMPTY_FROZEN_DSC,
  freezeDsc,
  parseSampleRate,
  SENTRY_BAGGAGE_PREFIX,
  shouldContinueTrace,
} from '../src/dsc.js';
import { readIncomingDsc } from '../src/incoming-dsc.js';
import { percentEncode, utf8Length } from '../src/percent-encoding.js';
import { unicodeString } from './arbitraries.js';

const TRACE = '771a43a4192642f0b136d5159a501700';

// DSC keys as they appear in baggage: tokens. Integer-like keys are left out because a
// JavaScript object always lists them first, whatever order they were added in.
const dscKey = fc
  .string({ unit: fc.constantFrom(..."abcxyz_-.09!#$&'*+^`|~"), minLength: 1, maxLength: 10 })
  .filter((k) => !/^\d+$/.test(k));
const dscValue = fc.oneof(fc.string({ minLength: 1 }), unicodeString({ minLength: 1 }));
const dscObject = fc.dictionary(dscKey, dscValue, { maxKeys: 12 });

/** Whether `text` holds a control character or DEL (a regular expression of them trips the linter). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

describe('dscFromBaggage', () => {
  it('reads the sentry- members, without the prefix, in order, decoded', () => {
    const dsc = dscFromBaggage(
      `other=1,sentry-trace_id=${TRACE},sentry-sample_rate=0.25, sentry-release=1.0%2B%20beta,vendor-x=2,sentry-transaction=GET%20%2Fusers%2F%3Aid`,
    );
    expect(dsc).toEqual({
      trace_id: TRACE,
      sample_rate: '0.25',
      release: '1.0+ beta',
      transaction: 'GET /users/:id',
    });
    expect(Object.keys(dsc!)).toEqual(['trace_id', 'sample_rate', 'release', 'transaction']);
  });

  it('keeps unknown sentry- keys', () => {
    expect(dscFromBaggage('sentry-new_thing=yes,sentry-trace_id=abc')).toEqual({ new_thing: 'yes', trace_id: 'abc' });
  });

  it('reads several header values', () => {
    expect(dscFromBaggage(['a=1,sentry-environment=prod', 'sentry-release=2'])).toEqual({
      environment: 'prod',
      release: '2',
    });
  });

  it('ignores empty values and the bare prefix; a repeated key keeps its last value', () => {
    expect(dscFromBaggage('sentry-release=,sentry-=x,sentry-environment=a,sentry-environment=b')).toEqual({
      environment: 'b',
    });
  });

  it('gives undefined when there is no sentry- member', () => {
    expect(dscFromBaggage('a=1,sentryx=2,Sentry-release=3')).toBeUndefined();
    expect(dscFromBaggage('')).toBeUndefined();
    expect(dscFromBaggage(undefined)).toBeUndefined();
    expect(dscFromBaggage(null)).toBeUndefined();
    expect(dscFromBaggage([])).toBeUndefined();
    expect(dscFromBaggage('sentry-release=')).toBeUndefined();
    expect(dscFromBaggage('sentry-release=%')).toBeUndefined();
  });

  it('ignores a value that decodes to nothing', () => {
    expect(dscFromBaggage('sentry-release=1,sentry-release=%,sentry-environment=%%')).toEqual({ release: '1' });
  });

  it('never holds an empty value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(dscKey, fc.constantFrom('', '%', '%%', '%2', 'a', '%41')), { maxLength: 6 }),
        (pairs) => {
          const dsc = dscFromBaggage(pairs.map(([k, v]) => `sentry-${k}=${v}`).join(','));
          for (const value of Object.values(dsc ?? {})) expect(value).not.toBe('');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('returns a frozen object', () => {
    const dsc = dscFromBaggage('sentry-release=1') as Record<string, string>;
    expect(Object.isFrozen(dsc)).toBe(true);
    expect(() => {
      dsc.release = '2';
    }).toThrow(TypeError);
    expect(() => {
      dsc.extra = '2';
    }).toThrow(TypeError);
  });

  it('keeps keys that would pollute prototypes as plain data', () => {
    const dsc = dscFromBaggage(
      'sentry-__proto__=%7B%22polluted%22%3A1%7D,sentry-constructor=c,sentry-toString=t,sentry-hasOwnProperty=h',
    )!;
    expect(Object.keys(dsc)).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    expect(Object.getOwnPropertyDescriptor(dsc, '__proto__')?.value).toBe('{"polluted":1}');
    expect(dsc.constructor).toBe('c');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn({}, 'constructor')).toBe(false);
    expect(dscToBaggage(dsc)).toBe(
      'sentry-__proto__={%22polluted%22:1},sentry-constructor=c,sentry-toString=t,sentry-hasOwnProperty=h',
    );
    expect(freezeDsc(dsc).dsc).toEqual(dsc);
  });

  it('applies the W3C limits to the whole baggage', () => {
    const foreign = Array.from({ length: BAGGAGE_MAX_MEMBERS }, (_, i) => `k${i}=1`).join(',');
    expect(dscFromBaggage(`${foreign},sentry-release=1`)).toBeUndefined();
    expect(dscFromBaggage(`sentry-release=${'x'.repeat(BAGGAGE_MAX_BYTES)},sentry-environment=p`)).toEqual({
      environment: 'p',
    });
  });
});

describe('dscToBaggage', () => {
  it('writes sentry- members in key order with encoded values', () => {
    expect(
      dscToBaggage({ trace_id: TRACE, release: '1.0 beta,x', transaction: 'GET /a=b', sampled: 'true', custom: 'é' }),
    ).toBe(
      `sentry-trace_id=${TRACE},sentry-release=1.0%20beta%2Cx,sentry-transaction=GET%20/a%3Db,sentry-sampled=true,sentry-custom=%C3%A9`,
    );
  });

  it('skips undefined and empty values, and non-string values', () => {
    expect(dscToBaggage({ release: undefined, environment: '', trace_id: TRACE })).toBe(`sentry-trace_id=${TRACE}`);
    expect(dscToBaggage({ sample_rate: 0.5 as unknown as string })).toBe('');
    expect(dscToBaggage({})).toBe('');
  });

  it('skips inherited keys', () => {
    const dsc = Object.create({ inherited: 'x' }) as Record<string, string>;
    dsc.own = 'y';
    expect(dscToBaggage(dsc)).toBe('sentry-own=y');
  });

  it('never writes a key that would break the baggage list', () => {
    const out = dscToBaggage({ 'a,b': '1', 'c=d': '2', 'e f': '3', '': '4', é: '5', ok: '6' });
    expect(out).toBe('sentry-ok=6');
  });

  it(`writes at most ${BAGGAGE_MAX_BYTES} bytes, leaving out members that do not fit whole`, () => {
    const out = dscToBaggage({ a: 'x'.repeat(5000), b: 'y'.repeat(4000), c: 'z' });
    expect(out).toBe(`sentry-a=${'x'.repeat(5000)},sentry-c=z`);
  });

  it(`writes at most ${BAGGAGE_MAX_MEMBERS} members`, () => {
    const dsc = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, String(i)]));
    const out = dscToBaggage(dsc);
    expect(out.split(',')).toHaveLength(BAGGAGE_MAX_MEMBERS);
    expect(out.endsWith('sentry-k63=63')).toBe(true);
  });
});

describe('freezeDsc', () => {
  it('writes the members once and keeps a deep-frozen copy', () => {
    const source: Record<string, string | undefined> = { trace_id: TRACE, release: '1 0', environment: undefined };
    const frozen = freezeDsc(source);
    source.release = 'changed';
    source.extra = 'added';
    expect(frozen.baggage).toBe(`sentry-trace_id=${TRACE},sentry-release=1%200`);
    expect(frozen.dsc).toEqual({ trace_id: TRACE, release: '1 0' });
    expect(Object.isFrozen(frozen.dsc)).toBe(true);
    expect(Object.isFrozen(frozen)).toBe(true);
    expect(() => {
      (frozen as { baggage: string }).baggage = 'x';
    }).toThrow(TypeError);
  });

  it('keeps the object and the bytes in agreement when members are left out', () => {
    const frozen = freezeDsc({ a: 'x'.repeat(9000), 'b c': 'bad key', ok: '1' });
    expect(frozen.baggage).toBe('sentry-ok=1');
    expect(frozen.dsc).toEqual(dscFromBaggage(frozen.baggage));
  });

  it('freezes an empty DSC', () => {
    const frozen = freezeDsc({});
    expect(frozen.baggage).toBe('');
    expect(frozen.dsc).toEqual({});
    expect(Object.isFrozen(frozen.dsc)).toBe(true);
  });
});

describe('EMPTY_FROZEN_DSC', () => {
  it('is empty and frozen', () => {
    expect(EMPTY_FROZEN_DSC.baggage).toBe('');
    expect(Object.keys(EMPTY_FROZEN_DSC.dsc)).toEqual([]);
    expect(Object.isFrozen(EMPTY_FROZEN_DSC)).toBe(true);
    expect(Object.isFrozen(EMPTY_FROZEN_DSC.dsc)).toBe(true);
  });
});

describe('readIncomingDsc', () => {
  it('keeps the sentry- members as the bytes they arrived as, without foreign members', () => {
    const incoming = readIncomingDsc(
      `vendor=1, sentry-release=1.0%2b ,sentry-trace_id=${TRACE};prop,other=2,sentry-environment=prod`,
    );
    expect(incoming?.frozen.baggage).toBe(
      `sentry-release=1.0%2b,sentry-trace_id=${TRACE};prop,sentry-environment=prod`,
    );
    expect(incoming).not.toHaveProperty('replayId');
    expect(incoming?.frozen.dsc).toEqual({ release: '1.0+', trace_id: TRACE, environment: 'prod' });
  });

  it('splits off sentry-replay_id', () => {
    const replay = 'ab'.repeat(16);
    const incoming = readIncomingDsc([`sentry-trace_id=${TRACE},sentry-replay_id=${replay}`, 'sentry-sampled=true']);
    expect(incoming?.replayId).toBe(replay);
    expect(incoming?.frozen.baggage).toBe(`sentry-trace_id=${TRACE},sentry-sampled=true`);
    expect(incoming?.frozen.dsc).toEqual({ trace_id: TRACE, sampled: 'true' });
    expect(incoming?.frozen.dsc).not.toHaveProperty('replay_id');
  });

  it('decodes the replay id and ignores an empty one', () => {
    expect(readIncomingDsc('sentry-replay_id=a%20b')?.replayId).toBe('a b');
    expect(readIncomingDsc('sentry-replay_id=abc,sentry-replay_id=%')?.replayId).toBe('abc');
    expect(readIncomingDsc('sentry-replay_id=%')).not.toHaveProperty('replayId');
    expect(readIncomingDsc('sentry-replay_id=,sentry-release=1')).toEqual({
      frozen: expect.objectContaining({ baggage: 'sentry-release=1' }),
    });
  });

  it('freezes an empty DSC when only a replay id arrived', () => {
    const incoming = readIncomingDsc('sentry-replay_id=abc');
    expect(incoming?.frozen).toBe(EMPTY_FROZEN_DSC);
    expect(incoming?.replayId).toBe('abc');
  });

  it('gives undefined when there is no sentry- member', () => {
    expect(readIncomingDsc('a=1,b=2')).toBeUndefined();
    expect(readIncomingDsc(undefined)).toBeUndefined();
    expect(readIncomingDsc(['', 'x=1'])).toBeUndefined();
  });

  it('parses the DSC once, when it is first read, into a frozen object', () => {
    const frozen = readIncomingDsc('sentry-release=1')!.frozen;
    const first = frozen.dsc;
    expect(first).toEqual({ release: '1' });
    expect(frozen.dsc).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(frozen)).toBe(true);
  });

  it('gives an empty frozen DSC for members with nothing dscFromBaggage keeps', () => {
    const frozen = readIncomingDsc('sentry-release=')!.frozen;
    expect(frozen.baggage).toBe('sentry-release=');
    expect(Object.keys(frozen.dsc)).toEqual([]);
  });
});

describe('parseSampleRate', () => {
  it('accepts finite numbers in [0, 1], as numbers or strings', () => {
    expect(parseSampleRate(0)).toBe(0);
    expect(parseSampleRate(1)).toBe(1);
    expect(parseSampleRate(0.25)).toBe(0.25);
    expect(parseSampleRate('0.5')).toBe(0.5);
    expect(parseSampleRate(' 1 ')).toBe(1);
  });

  it('rejects anything else', () => {
    for (const value of [
      -0.1,
      1.1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '',
      ' ',
      'abc',
      '2',
      null,
      undefined,
      {},
      true,
    ]) {
      expect(parseSampleRate(value)).toBeUndefined();
    }
  });
});

describe('deriveSampleRand', () => {
  it('writes six decimals in [0, rate) when sampled and in [rate, 1) when not', () => {
    expect(deriveSampleRand(true, 0.5, () => 0.5)).toBe('0.250000');
    expect(deriveSampleRand(false, 0.5, () => 0.5)).toBe('0.750000');
    expect(deriveSampleRand(true, 0.5, () => 0)).toBe('0.000000');
    expect(deriveSampleRand(false, 0.5, () => 0)).toBe('0.500000');
    expect(deriveSampleRand(undefined, 0.5, () => 0.123456789)).toBe('0.123456');
    expect(deriveSampleRand(true, undefined, () => 0.9)).toBe('0.900000');
  });

  it('keeps sample_rand < sample_rate when sampled, even when rounding would reach the rate', () => {
    const nearlyOne = 1 - Number.EPSILON / 2;
    // 0.00001 * (1 - 2^-53) * 1e6 rounds to 10 in floating point: floor() alone would give the rate itself.
    for (const rate of [0.5, 0.1, 0.3, 0.7, 0.000001, 0.0000005, 0.000005, 0.00001, 0.00008, 0.000123, 1]) {
      expect(Number(deriveSampleRand(true, rate, () => nearlyOne))).toBeLessThan(rate);
    }
  });

  it('keeps sample_rand >= sample_rate when not sampled', () => {
    for (const rate of [0, 0.1, 0.3, 0.7, 0.0000005, 0.9999989, 0.999999]) {
      for (const r of [0, Number.EPSILON, 0.5, 1 - Number.EPSILON / 2]) {
        expect(Number(deriveSampleRand(false, rate, () => r))).toBeGreaterThanOrEqual(rate);
      }
    }
  });

  it('ignores a rate that is not a number in [0, 1]', () => {
    expect(deriveSampleRand(true, Number.NaN, () => 0.5)).toBe('0.500000');
    expect(deriveSampleRand(false, 7, () => 0.25)).toBe('0.250000');
    expect(deriveSampleRand(true, -1, () => 0.25)).toBe('0.250000');
  });

  it('stays in [0, 1) whatever the random source returns', () => {
    for (const r of [Number.NaN, -1, 1, 2, Number.POSITIVE_INFINITY]) {
      expect(deriveSampleRand(undefined, undefined, () => r)).toMatch(/^0\.\d{6}$/);
      expect(Number(deriveSampleRand(true, 0.5, () => r))).toBeLessThan(0.5);
      expect(Number(deriveSampleRand(false, 0.5, () => r))).toBeGreaterThanOrEqual(0.5);
    }
  });

  it('uses Math.random by default', () => {
    const value = Number(deriveSampleRand(true, 0.5));
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThan(0.5);
  });

  it('holds the invariant sample_rand < sample_rate <=> sampled after rounding', () => {
    const random = fc.oneof(
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      fc.integer({ min: 1, max: 1000 }).map((n) => 1 - n * Number.EPSILON),
      fc.constantFrom(0, 1 - Number.EPSILON / 2),
    );
    const rate = fc.oneof(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1_000_000),
      fc.constantFrom(0.1, 0.2, 0.3, 0.7, 1e-7, 1 - 1e-7, 0.00001, 0.00008, 0.000005),
    );
    fc.assert(
      fc.property(fc.boolean(), rate, random, (sampled, sampleRate, r) => {
        // Sampled at rate 0 cannot hold the invariant, nor can "not sampled" at a rate above
        // 0.999999, the largest six-decimal value below 1.
        fc.pre(sampled ? sampleRate > 0 : sampleRate <= 0.999999);
        const text = deriveSampleRand(sampled, sampleRate, () => r);
        expect(text).toMatch(/^0\.\d{6}$/);
        expect(Number(text) < sampleRate).toBe(sampled);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('deriveSampleRandValue', () => {
  it('is the number deriveSampleRand writes, for the same random draw', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(true, false, undefined),
        fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(undefined, 0, 1, 0.1, 2, -1)),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (sampled, rate, r) => {
          const text = deriveSampleRand(sampled, rate, () => r);
          expect(deriveSampleRandValue(sampled, rate, () => r)).toBe(Number(text));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('shouldContinueTrace', () => {
  it('continues unless both org ids are known and differ', () => {
    expect(shouldContinueTrace('1', '1')).toBe(true);
    expect(shouldContinueTrace('1', '2')).toBe(false);
    expect(shouldContinueTrace(undefined, '2')).toBe(true);
    expect(shouldContinueTrace('1', undefined)).toBe(true);
    expect(shouldContinueTrace(undefined, undefined)).toBe(true);
    expect(shouldContinueTrace('', '2')).toBe(true);
  });

  it('in strict mode continues only when both match or neither is known', () => {
    expect(shouldContinueTrace('1', '1', true)).toBe(true);
    expect(shouldContinueTrace('1', '2', true)).toBe(false);
    expect(shouldContinueTrace(undefined, '2', true)).toBe(false);
    expect(shouldContinueTrace('1', undefined, true)).toBe(false);
    expect(shouldContinueTrace(undefined, undefined, true)).toBe(true);
  });
});

describe('DSC properties', () => {
  it('dscFromBaggage and readIncomingDsc never throw, on strings, unicode strings and arrays', () => {
    const piece = fc.oneof(
      fc.string(),
      unicodeString(),
      fc.string({
        unit: fc.constantFrom('sentry-', 'replay_id', '__proto__', 'a', '=', ',', ';', '%', '%FF', ' ', 'é'),
      }),
    );
    fc.assert(
      fc.property(fc.oneof(piece, fc.array(piece, { maxLength: 3 })), (header) => {
        const dsc = dscFromBaggage(header);
        if (dsc !== undefined) expect(Object.isFrozen(dsc)).toBe(true);
        const incoming = readIncomingDsc(header);
        if (incoming !== undefined) {
          expect(Object.isFrozen(incoming.frozen.dsc)).toBe(true);
          expect(incoming.frozen.dsc).not.toHaveProperty('replay_id');
          for (const m of parseBaggage(incoming.frozen.baggage))
            expect(m.key.startsWith(SENTRY_BAGGAGE_PREFIX)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('readIncomingDsc gives what dscFromBaggage gives, replay_id aside', () => {
    const member = fc.oneof(
      fc.tuple(
        fc.constantFrom('sentry-', 'other-', 'sentry'),
        fc.oneof(dscKey, fc.constant('replay_id')),
        dscValue.map(percentEncode),
      ),
      fc.tuple(fc.constant('sentry-'), fc.oneof(dscKey, fc.constant('replay_id')), fc.constantFrom('', '%', '%%')),
    );
    fc.assert(
      fc.property(fc.array(member, { maxLength: 10 }), fc.constantFrom(',', ' , ', ',,'), (members, sep) => {
        const header = members.map(([prefix, key, raw]) => `${prefix}${key}=${raw}`).join(sep);
        const expected = dscFromBaggage(header);
        const incoming = readIncomingDsc(header);
        if (expected === undefined) {
          expect(incoming === undefined || Object.keys(incoming.frozen.dsc).length === 0).toBe(true);
          return;
        }
        const { replay_id, ...rest } = expected;
        expect(incoming?.frozen.dsc).toEqual(rest);
        expect(incoming?.replayId).toBe(replay_id);
      }),
      { numRuns: 200 },
    );
  });

  it('a frozen bare member list (no whitespace, no properties) is read as the general scanner reads it, order included', () => {
    // The frozen DSC's lazy parse takes a shortcut for such lists; the scanner is the reference.
    const member = fc.tuple(
      fc.constantFrom('sentry-', 'sentry-', 'other-', 'sentry'),
      fc.oneof(dscKey, fc.constantFrom('__proto__', 'a=b', '')),
      fc.oneof(dscValue.map(percentEncode), fc.constantFrom('', '%', '%41', 'x=y', '%zz')),
    );
    fc.assert(
      fc.property(fc.array(member, { maxLength: 12 }), fc.constantFrom(',', ',,'), (members, sep) => {
        const header = members.map(([prefix, key, raw]) => `${prefix}${key}=${raw}`).join(sep);
        fc.pre(!/[ \t;]/.test(header));
        const expected = dscFromBaggage(header);
        const incoming = readIncomingDsc(header);
        const lazy = incoming?.frozen.dsc;
        const { replay_id: _replay, ...rest } = expected ?? {};
        expect(lazy === undefined ? {} : { ...lazy }).toEqual(rest);
        expect(Object.keys(lazy ?? {})).toEqual(Object.keys(rest));
      }),
      { numRuns: 300 },
    );
  });

  it('dscToBaggage -> dscFromBaggage round-trips DSC objects, order included', () => {
    fc.assert(
      fc.property(dscObject, (dsc) => {
        // Values with a control character are never written (receivers drop them at extract).
        const writable = Object.fromEntries(Object.entries(dsc).filter(([, v]) => !hasControl(v)));
        fc.pre(Object.keys(writable).length > 0);
        const back = dscFromBaggage(dscToBaggage(dsc));
        expect(back).toEqual(writable);
        expect(Object.keys(back!)).toEqual(Object.keys(writable));
      }),
      { numRuns: 300 },
    );
  });

  it('freezeDsc -> readIncomingDsc re-propagates the same bytes and the same DSC', () => {
    fc.assert(
      fc.property(dscObject, (dsc) => {
        fc.pre(!('replay_id' in dsc));
        const frozen = freezeDsc(dsc);
        const incoming = readIncomingDsc(`vendor=1,${frozen.baggage}`);
        if (frozen.baggage === '') {
          expect(incoming).toBeUndefined();
          return;
        }
        expect(incoming?.frozen.baggage).toBe(frozen.baggage);
        expect(incoming?.frozen.dsc).toEqual(frozen.dsc);
      }),
      { numRuns: 200 },
    );
  });

  it('dscToBaggage always stays within the W3C limits and writes whole, valid members', () => {
    const anyDsc = fc.dictionary(
      fc.oneof(dscKey, fc.string()),
      fc.oneof(fc.string({ maxLength: 600 }), unicodeString({ maxLength: 300 })),
      { maxKeys: 90 },
    );
    fc.assert(
      fc.property(anyDsc, (dsc) => {
        const out = dscToBaggage(dsc);
        expect(utf8Length(out)).toBeLessThanOrEqual(BAGGAGE_MAX_BYTES);
        const members = out === '' ? [] : out.split(',');
        expect(members.length).toBeLessThanOrEqual(BAGGAGE_MAX_MEMBERS);
        for (const m of members) {
          const key = m.slice(0, m.indexOf('='));
          expect(isValidKey(key)).toBe(true);
          expect(key.startsWith(SENTRY_BAGGAGE_PREFIX)).toBe(true);
          expect(dsc[key.slice(SENTRY_BAGGAGE_PREFIX.length)]).toBeDefined();
        }
      }),
      { numRuns: 100 },
    );
  });
});
