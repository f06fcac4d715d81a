import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getFrozenDscTraceId } from '../src/dsc.js';
import { readIncomingDsc, scanIncomingDsc, searchIncomingDsc } from '../src/incoming-dsc.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

// Pieces that hit every branch of a baggage parser: keys, OWS, properties, escapes, junk.
const piece = fc.constantFrom(
  'sentry-',
  'sentry-replay_id',
  'sentry-trace_id',
  'replay_id',
  'vendor',
  '=',
  ',',
  ';',
  ' ',
  '\t',
  '%',
  '%20',
  '%E2%82%AC',
  '%ZZ',
  '"',
  'é',
  '6a2b1f0c9d8e4f7a8b3c2d1e0f9a8b7c',
  'a',
  '',
);
const baggageLike = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(''));
const members = fc
  .array(fc.tuple(fc.constantFrom('sentry-release', 'sentry-replay_id', 'sentry-x', 'other', 'sentry-'), fc.string()), {
    maxLength: 80,
  })
  .map((list) => list.map(([k, v]) => `${k}=${v}`).join(','));

// The fast path must answer exactly as the general scanner whenever it is taken.
function same(header: string | string[]) {
  const fast = readIncomingDsc(header, TRACE);
  const reference = scanIncomingDsc(header);
  expect(fast?.frozen.baggage).toBe(reference?.frozen.baggage);
  expect(fast?.replayId).toBe(reference?.replayId);
  expect(fast === undefined).toBe(reference === undefined);
}

describe('readIncomingDsc', () => {
  it('answers as the general scanner does, on baggage-like text', () => {
    fc.assert(
      fc.property(baggageLike, (header) => same(header)),
      { numRuns: 3000 },
    );
  });

  it('answers as the general scanner does, on member lists past the member limit', () => {
    fc.assert(
      fc.property(members, (header) => same(header)),
      { numRuns: 500 },
    );
  });

  it('answers as the general scanner does, on arbitrary strings and arrays', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (header) => same(header)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(baggageLike, { maxLength: 3 }), (header) => same(header)),
      { numRuns: 300 },
    );
  });

  it('slices runs of members that touch, and joins the rest', () => {
    expect(searchIncomingDsc('a=1,sentry-x=1,sentry-y=2,b=2,sentry-z=3', TRACE)?.frozen.baggage).toBe(
      'sentry-x=1,sentry-y=2,sentry-z=3',
    );
  });

  it('parses the DSC only when it is read, and deep-freezes it', () => {
    const { frozen } = readIncomingDsc('sentry-release=a%40b,sentry-__proto__=x', TRACE)!;
    expect(Object.isFrozen(frozen)).toBe(true);
    expect(frozen.dsc.release).toBe('a@b');
    expect(Object.isFrozen(frozen.dsc)).toBe(true);
    expect(Object.hasOwn(frozen.dsc, '__proto__')).toBe(true);
  });

  it('remembers the trace a DSC arrived with', () => {
    const { frozen } = readIncomingDsc('sentry-release=r', TRACE)!;
    expect(getFrozenDscTraceId(frozen)).toBe(TRACE);
    expect(getFrozenDscTraceId(readIncomingDsc('sentry-release=r')!.frozen)).toBeUndefined();
    expect(getFrozenDscTraceId(scanIncomingDsc(['sentry-release=r'], TRACE)!.frozen)).toBe(TRACE);
  });

  it('keeps within 64 members', () => {
    const many = Array.from({ length: 70 }, (_, i) => `sentry-k${i}=v`).join(',');
    expect(readIncomingDsc(many, TRACE)?.frozen.baggage.split(',')).toHaveLength(64);
  });
});
