import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendBaggage,
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  type BaggageMember,
  formatBaggage,
  formatBaggageMember,
  isValidKey,
  parseBaggage,
} from '../src/baggage.js';
import { percentDecode, utf8Length } from '../src/percent-encoding.js';
import { unicodeString } from './arbitraries.js';

const UNLIMITED = { maxMembers: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };

const tchar = fc.constantFrom(..."!#$%&'*+-.^_`|~0123456789azAZbyBY");
const key = fc.string({ unit: tchar, minLength: 1, maxLength: 12 });
const propertyText = fc
  .string({ unit: fc.constantFrom(...'abz09-_=. '), minLength: 1, maxLength: 10 })
  .map((s) => s.trim())
  .filter((s) => s !== '');
const member: fc.Arbitrary<BaggageMember> = fc
  .record({
    key,
    value: fc.oneof(fc.string(), unicodeString()),
    properties: fc.array(propertyText, { minLength: 1, maxLength: 3 }),
  })
  .map((m) => (m.properties.length % 2 === 0 ? { key: m.key, value: m.value } : m));
const anyValue = fc.oneof(
  fc.string(),
  unicodeString(),
  fc.string({ unit: fc.constantFrom('a', 'b=', '=', ',', ';', ' ', '\t', '%', '%2C', 'é', 'k=v', ';p', 'sentry-') }),
);

function bytesOfAll(members: readonly BaggageMember[]): number {
  return members.reduce((total, m, i) => total + utf8Length(formatBaggageMember(m)) + (i > 0 ? 1 : 0), 0);
}

describe('parseBaggage', () => {
  it('reads members in order, decoding values and trimming whitespace', () => {
    expect(parseBaggage(' a = 1 ,b=%20two%2C\t, c=x%3Dy ')).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: ' two,' },
      { key: 'c', value: 'x=y' },
    ]);
  });

  it('keeps properties, raw and in order', () => {
    expect(parseBaggage('k=v;p1;p2=x ; p3 = y,other=1')).toEqual([
      { key: 'k', value: 'v', properties: ['p1', 'p2=x', 'p3 = y'] },
      { key: 'other', value: '1' },
    ]);
    expect(parseBaggage('k=v;')).toEqual([{ key: 'k', value: 'v' }]);
    expect(parseBaggage('k=;p')).toEqual([{ key: 'k', value: '', properties: ['p'] }]);
  });

  it('keeps a value that holds "="', () => {
    expect(parseBaggage('k=a=b')).toEqual([{ key: 'k', value: 'a=b' }]);
  });

  it('skips members without a valid key or "="', () => {
    expect(parseBaggage('novalue,=x,a b=1,"q"=2,é=3,ok=1,,  ,')).toEqual([{ key: 'ok', value: '1' }]);
  });

  it('reads several header values as one list', () => {
    expect(parseBaggage(['a=1,b=2', 'c=3', ''])).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
      { key: 'c', value: '3' },
    ]);
  });

  it('keeps repeated keys as separate members', () => {
    expect(parseBaggage('a=1,a=2')).toEqual([
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
    ]);
  });

  it('gives nothing for missing headers and ignores non-string array entries', () => {
    expect(parseBaggage(undefined)).toEqual([]);
    expect(parseBaggage(null)).toEqual([]);
    expect(parseBaggage('')).toEqual([]);
    expect(parseBaggage([1 as unknown as string, 'a=1'])).toEqual([{ key: 'a', value: '1' }]);
  });

  it('never throws on invalid percent-encoding', () => {
    expect(parseBaggage('a=%,b=%ZZ,c=%FF,d=100%25')).toEqual([
      { key: 'a', value: '' },
      { key: 'b', value: 'ZZ' },
      { key: 'c', value: '\uFFFD' },
      { key: 'd', value: '100%' },
    ]);
  });

  it('treats keys that name Object.prototype members as plain data', () => {
    const members = parseBaggage('__proto__=polluted,constructor=x,toString=y,hasOwnProperty=z');
    expect(members.map((m) => [m.key, m.value])).toEqual([
      ['__proto__', 'polluted'],
      ['constructor', 'x'],
      ['toString', 'y'],
      ['hasOwnProperty', 'z'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(members[0])).toBe(Object.prototype);
  });

  it(`stops after ${BAGGAGE_MAX_MEMBERS} members, across header values`, () => {
    const many = Array.from({ length: 100 }, (_, i) => `k${i}=${i}`);
    const parsed = parseBaggage(many.join(','));
    expect(parsed).toHaveLength(BAGGAGE_MAX_MEMBERS);
    expect(parsed.at(-1)).toEqual({ key: 'k63', value: '63' });
    expect(parseBaggage([many.slice(0, 40).join(','), many.slice(40).join(',')])).toEqual(parsed);
  });

  it(`keeps at most ${BAGGAGE_MAX_BYTES} bytes, leaving out whole members`, () => {
    const big = `big=${'x'.repeat(5000)}`;
    const parsed = parseBaggage([big, `big2=${'y'.repeat(4000)}`, 'small=1']);
    expect(parsed.map((m) => m.key)).toEqual(['big', 'small']);
    expect(parseBaggage(`huge=${'x'.repeat(9000)},a=1`)).toEqual([{ key: 'a', value: '1' }]);
  });

  it('counts bytes as UTF-8 and the separators between members', () => {
    // 8190 bytes: 'a=' + 4094 two-byte characters
    const nearlyFull = `a=${'é'.repeat(4094)}`;
    expect(parseBaggage(nearlyFull)).toHaveLength(1);
    expect(parseBaggage(`${nearlyFull},b=1`).map((m) => m.key)).toEqual(['a']);
    expect(parseBaggage(`${nearlyFull},b=`).map((m) => m.key)).toEqual(['a']);
    expect(parseBaggage(`a=${'x'.repeat(8186)},b=`).map((m) => m.key)).toEqual(['a', 'b']);
  });

  it('counts bytes even in a short header of three-byte characters', () => {
    // 2802 UTF-16 units but 8402 bytes
    expect(parseBaggage(`a=${'€'.repeat(2800)},b=1`)).toEqual([{ key: 'b', value: '1' }]);
    expect(parseBaggage([`a=${'€'.repeat(1400)}`, `c=${'€'.repeat(1400)}`]).map((m) => m.key)).toEqual(['a']);
  });

  it('applies custom limits', () => {
    expect(parseBaggage('a=1,b=2,c=3', { maxMembers: 2 })).toHaveLength(2);
    expect(parseBaggage('a=1,bb=22,c=3', { maxBytes: 7 }).map((m) => m.key)).toEqual(['a', 'c']);
  });
});

describe('formatBaggage', () => {
  it('writes members with encoded values and properties', () => {
    expect(
      formatBaggage([
        { key: 'a', value: 'x y' },
        { key: 'b', value: 'é,;=%', properties: ['p', 'q=1'] },
      ]),
    ).toBe('a=x%20y,b=%C3%A9%2C%3B%3D%25;p;q=1');
    expect(formatBaggage([])).toBe('');
  });

  it('leaves out members with an invalid key', () => {
    expect(
      formatBaggage([
        { key: '', value: '1' },
        { key: 'a b', value: '2' },
        { key: 'a,b', value: '3' },
        { key: 'ok', value: '4' },
      ]),
    ).toBe('ok=4');
  });

  it('never writes a property that would break the list', () => {
    const out = formatBaggage([{ key: 'k', value: 'v', properties: ['ok', 'x,evil=1', 'a;b', '', 'new\nline'] }]);
    expect(parseBaggage(out, UNLIMITED)).toEqual([{ key: 'k', value: 'v', properties: ['ok'] }]);
  });

  it(`writes at most ${BAGGAGE_MAX_MEMBERS} members`, () => {
    const members = Array.from({ length: 70 }, (_, i) => ({ key: `k${i}`, value: String(i) }));
    const out = formatBaggage(members);
    expect(out.split(',')).toHaveLength(BAGGAGE_MAX_MEMBERS);
    expect(out.endsWith(',k63=63')).toBe(true);
  });

  it(`writes at most ${BAGGAGE_MAX_BYTES} bytes, leaving out members that do not fit whole`, () => {
    const out = formatBaggage([
      { key: 'a', value: 'x'.repeat(5000) },
      { key: 'b', value: 'é'.repeat(1000) },
      { key: 'c', value: '1' },
    ]);
    expect(parseBaggage(out).map((m) => m.key)).toEqual(['a', 'c']);
    expect(formatBaggage([{ key: 'a', value: 'x'.repeat(8190) }])).toBe(`a=${'x'.repeat(8190)}`);
    expect(formatBaggage([{ key: 'a', value: 'x'.repeat(8191) }])).toBe('');
  });
});

describe('appendBaggage', () => {
  it('appends to an existing value, or returns whichever is set', () => {
    expect(appendBaggage('a=1', 'sentry-x=2')).toBe('a=1,sentry-x=2');
    expect(appendBaggage(undefined, 'b=2')).toBe('b=2');
    expect(appendBaggage('', 'b=2')).toBe('b=2');
    expect(appendBaggage('a=1', '')).toBe('a=1');
  });

  it('keeps the result within the member limit', () => {
    const existing = Array.from({ length: 63 }, (_, i) => `k${i}=1`).join(',');
    expect(appendBaggage(existing, 'x=1,y=2')).toBe(`${existing},x=1`);
  });

  it('keeps the result within the byte limit, skipping whole members', () => {
    const existing = `a=${'x'.repeat(8180)}`;
    expect(appendBaggage(existing, `b=${'y'.repeat(20)},c=1`)).toBe(`${existing},c=1`);
  });

  it('keeps an existing value that alone breaks the limits', () => {
    const existing = `a=${'x'.repeat(9000)}`;
    expect(appendBaggage(existing, 'b=1')).toBe(existing);
  });
});

describe('isValidKey', () => {
  it('accepts tokens only', () => {
    expect(isValidKey('sentry-trace_id')).toBe(true);
    expect(isValidKey("!#$%&'*+-.^_`|~09AZaz")).toBe(true);
    expect(isValidKey('')).toBe(false);
    expect(isValidKey('a b')).toBe(false);
    expect(isValidKey('a=b')).toBe(false);
    expect(isValidKey('é')).toBe(false);
    expect(isValidKey('(x)')).toBe(false);
  });
});

// A plain reading of the W3C rules, written for clarity rather than speed: the parser must
// give exactly what this gives.
function referenceParse(values: readonly string[], maxMembers = BAGGAGE_MAX_MEMBERS, maxBytes = BAGGAGE_MAX_BYTES) {
  const out: BaggageMember[] = [];
  let members = 0;
  let bytes = 0;
  for (const value of values) {
    for (const piece of value.split(',')) {
      const text = piece.replace(/^[ \t]+|[ \t]+$/g, '');
      const match = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*([^;]*?)[ \t]*(;.*)?$/s.exec(text);
      if (!match) continue;
      if (members >= maxMembers) return out;
      const size = new TextEncoder().encode(text).length + (members > 0 ? 1 : 0);
      if (bytes + size > maxBytes) continue;
      members++;
      bytes += size;
      const [, key = '', raw = '', tail] = match;
      const properties =
        tail === undefined
          ? []
          : tail
              .split(';')
              .map((p) => p.trim())
              .filter((p) => p !== '');
      const decoded = percentDecode(raw);
      out.push(properties.length > 0 ? { key, value: decoded, properties } : { key, value: decoded });
    }
  }
  return out;
}

describe('baggage properties', () => {
  it('parseBaggage gives what a plain reading of the W3C rules gives', () => {
    const piece = fc.oneof(
      anyValue,
      fc
        .tuple(key, fc.string({ unit: fc.constantFrom('x', 'é', '€', '😀', '%41', ' '), maxLength: 1500 }))
        .map(([k, v]) => `${k}=${v}`),
    );
    const values = fc.array(
      fc.array(piece, { maxLength: 12 }).map((p) => p.join(',')),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(values, fc.constantFrom(undefined, { maxMembers: 3 }, { maxBytes: 100 }), (list, limits) => {
        expect(parseBaggage(list, limits)).toEqual(referenceParse(list, limits?.maxMembers, limits?.maxBytes));
        if (list.length === 1) expect(parseBaggage(list[0], limits)).toEqual(parseBaggage(list, limits));
      }),
      { numRuns: 200 },
    );
  });

  it('counts the separator between header values against the byte limit', () => {
    const first = `a=${'x'.repeat(8188)}`;
    expect(parseBaggage([first, 'b=']).map((m) => m.key)).toEqual(['a']);
    expect(parseBaggage([first.slice(0, -1), 'b=']).map((m) => m.key)).toEqual(['a', 'b']);
  });

  it('parseBaggage never throws on arbitrary strings, unicode strings and arrays', () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.array(anyValue, { maxLength: 4 })), (header) => {
        const members = parseBaggage(header);
        expect(members.length).toBeLessThanOrEqual(BAGGAGE_MAX_MEMBERS);
        for (const m of members) expect(isValidKey(m.key)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('every parsed member is a whole member of the input, in input order', () => {
    fc.assert(
      fc.property(fc.array(anyValue, { minLength: 1, maxLength: 3 }), (values) => {
        // Each comma-separated piece parsed alone is the only thing a parsed member may be.
        const candidates = values.flatMap((v) => v.split(',')).flatMap((piece) => parseBaggage(piece, UNLIMITED));
        const parsed = parseBaggage(values);
        let at = 0;
        for (const m of parsed) {
          while (at < candidates.length && JSON.stringify(candidates[at]) !== JSON.stringify(m)) at++;
          expect(at).toBeLessThan(candidates.length);
          at++;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('parsing respects the limits on large inputs', () => {
    const bigMembers = fc.array(fc.tuple(key, fc.string({ unit: fc.constantFrom('x', 'é', '€'), maxLength: 400 })), {
      maxLength: 120,
    });
    fc.assert(
      fc.property(bigMembers, (pairs) => {
        const raw = pairs.map(([k, v]) => `${k}=${v}`);
        const parsed = parseBaggage(raw.join(','));
        expect(parsed.length).toBeLessThanOrEqual(BAGGAGE_MAX_MEMBERS);
        // the raw size of what was kept: keys and values are raw here (no escapes)
        const kept = parsed.map((m) => `${m.key}=${m.value}`);
        expect(utf8Length(kept.join(','))).toBeLessThanOrEqual(BAGGAGE_MAX_BYTES);
        // and every member kept is one of the input's, whole
        for (const text of kept) expect(raw).toContain(text);
      }),
      { numRuns: 60 },
    );
  });

  it('formatted baggage always holds <= 64 members and <= 8192 UTF-8 bytes', () => {
    const members = fc.array(
      fc.record(
        {
          key: fc.oneof(key, fc.string()),
          value: fc.oneof(fc.string({ maxLength: 300 }), unicodeString({ maxLength: 300 })),
          properties: fc.array(anyValue, { maxLength: 2 }),
        },
        { requiredKeys: ['key', 'value'] },
      ),
      { maxLength: 100 },
    );
    fc.assert(
      fc.property(members, (list) => {
        const out = formatBaggage(list);
        expect(utf8Length(out)).toBeLessThanOrEqual(BAGGAGE_MAX_BYTES);
        expect(parseBaggage(out, UNLIMITED).length).toBeLessThanOrEqual(BAGGAGE_MAX_MEMBERS);
        expect(out === '' ? 0 : out.split(',').length).toBeLessThanOrEqual(Math.min(list.length, BAGGAGE_MAX_MEMBERS));
      }),
      { numRuns: 100 },
    );
  });

  it('format -> parse round-trips members within the limits', () => {
    fc.assert(
      fc.property(fc.array(member, { maxLength: 10 }), (list) => {
        fc.pre(bytesOfAll(list) <= BAGGAGE_MAX_BYTES);
        expect(parseBaggage(formatBaggage(list))).toEqual(list);
      }),
      { numRuns: 300 },
    );
  });

  it('parse -> format -> parse keeps every key and value, and then is stable', () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 })), (header) => {
        const once = parseBaggage(header);
        const formatted = formatBaggage(once);
        const twice = parseBaggage(formatted);
        expect(twice.map((m) => [m.key, m.value])).toEqual(once.map((m) => [m.key, m.value]));
        expect(formatBaggage(twice)).toBe(formatted);
      }),
      { numRuns: 300 },
    );
  });

  it('appendBaggage never takes a value within the limits past them', () => {
    fc.assert(
      fc.property(fc.array(member, { maxLength: 70 }), fc.array(member, { maxLength: 20 }), (a, b) => {
        const existing = formatBaggage(a);
        const out = appendBaggage(existing, formatBaggage(b));
        expect(out.startsWith(existing)).toBe(true);
        expect(utf8Length(out)).toBeLessThanOrEqual(BAGGAGE_MAX_BYTES);
        expect(parseBaggage(out, UNLIMITED).length).toBeLessThanOrEqual(BAGGAGE_MAX_MEMBERS);
      }),
      { numRuns: 100 },
    );
  });
});
