import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentDecode, percentEncode, utf8Length } from '../src/percent-encoding.js';
import { unicodeString, utf16String } from './arbitraries.js';

// Strings without lone surrogates: what a UTF-8 round trip can carry.
const wellFormed = unicodeString();
// Any UTF-16 code unit, lone surrogates included.
const anyUnits = utf16String();
const percentSoup = fc.string({
  unit: fc.oneof(
    fc.constantFrom('%', '%2', '%zz', '%C3', '%A9', '%E2%82', '%AC', '%FF', '%ED%A0%80', 'a', '€', ' '),
    fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`),
  ),
});

describe('percentDecode', () => {
  it('returns text without escapes as it is', () => {
    expect(percentDecode('abc def')).toBe('abc def');
    expect(percentDecode('')).toBe('');
  });

  it('decodes escapes, in either case, and multi-byte UTF-8', () => {
    expect(percentDecode('a%20b')).toBe('a b');
    expect(percentDecode('%2c%2C')).toBe(',,');
    expect(percentDecode('%E2%82%AC')).toBe('€');
    expect(percentDecode('%F0%9F%98%80!')).toBe('😀!');
  });

  it('drops a stray % and keeps the text after it', () => {
    expect(percentDecode('100%')).toBe('100');
    expect(percentDecode('a%zzb')).toBe('azzb');
    expect(percentDecode('a%2')).toBe('a2');
    expect(percentDecode('%%41')).toBe('A');
    expect(percentDecode('%E2%82%AC%')).toBe('€');
  });

  it('turns invalid UTF-8 into U+FFFD', () => {
    expect(percentDecode('%FF')).toBe('\uFFFD');
    expect(percentDecode('a%C3b')).toBe('a\uFFFDb');
    expect(percentDecode('%E2%82')).toBe('\uFFFD');
    // an encoded surrogate is not UTF-8
    expect(percentDecode('%ED%A0%80')).not.toMatch(/[\uD800-\uDFFF]/);
    expect(percentDecode('%ED%A0%80')).toMatch(/^\uFFFD+$/);
    // overlong encoding of '/'
    expect(percentDecode('%C0%AF')).toMatch(/^\uFFFD+$/);
  });

  it('keeps a byte order mark', () => {
    expect(percentDecode('%EF%BB%BFa')).toBe('\uFEFFa');
    expect(percentDecode('%EF%BB%BF%FF')).toBe('\uFEFF\uFFFD');
  });

  it('keeps valid escapes next to invalid ones', () => {
    expect(percentDecode('%41%FF%42')).toBe('A\uFFFDB');
    expect(percentDecode('%C3%A9%')).toBe('é');
  });

  it('never throws, and leaves text without "%" as it is', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), anyUnits, percentSoup), (value) => {
        const decoded = percentDecode(value);
        expect(typeof decoded).toBe('string');
        if (!value.includes('%')) expect(decoded).toBe(value);
      }),
      { numRuns: 400 },
    );
  });
});

describe('percentDecode of escaped bytes', () => {
  it('decodes any bytes as UTF-8, with U+FFFD for what is not UTF-8', () => {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.boolean(), (bytes, lower) => {
        let escaped = [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
        if (!lower) escaped = escaped.toUpperCase();
        expect(percentDecode(escaped)).toBe(decoder.decode(bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('percentEncode', () => {
  it('leaves baggage-safe text alone', () => {
    const safe = "abcXYZ019!#$&'()*+-./:<>?@[]^_`{|}~";
    expect(percentEncode(safe)).toBe(safe);
  });

  it('escapes what may not appear raw in a baggage value', () => {
    expect(percentEncode('a b')).toBe('a%20b');
    expect(percentEncode('"')).toBe('%22');
    expect(percentEncode(',;\\')).toBe('%2C%3B%5C');
    expect(percentEncode('%')).toBe('%25');
    expect(percentEncode('=')).toBe('%3D');
    expect(percentEncode('\n\t\x7f')).toBe('%0A%09%7F');
    expect(percentEncode('é€😀')).toBe('%C3%A9%E2%82%AC%F0%9F%98%80');
  });

  it('writes a lone surrogate as the bytes of U+FFFD', () => {
    expect(percentEncode('\uD800')).toBe('%EF%BF%BD');
    expect(percentEncode('a\uDC00b')).toBe('a%EF%BF%BDb');
  });

  it('only ever writes baggage-octets', () => {
    fc.assert(
      fc.property(anyUnits, (value) => {
        expect(percentEncode(value)).toMatch(/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/);
        expect(percentEncode(value)).not.toMatch(/[=]|%(?![0-9A-F]{2})/);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips through percentDecode', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), wellFormed, fc.string({ unit: 'grapheme' })), (value) => {
        expect(percentDecode(percentEncode(value))).toBe(value);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips lone surrogates as U+FFFD', () => {
    fc.assert(
      fc.property(anyUnits, (value) => {
        expect(percentDecode(percentEncode(value))).toBe(
          new TextDecoder('utf-8', { ignoreBOM: true }).decode(new TextEncoder().encode(value)),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('percent-encoding against plain references', () => {
  const encoder = new TextEncoder();
  const bagOctet = /^[\x21\x23-\x24\x26-\x2B\x2D-\x3A\x3C\x3E-\x5B\x5D-\x7E]$/;

  function referenceEncode(value: string): string {
    let out = '';
    for (const ch of value) {
      if (bagOctet.test(ch)) out += ch;
      else for (const b of encoder.encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return out;
  }

  function referenceDecode(value: string): string {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    let out = '';
    let bytes: number[] = [];
    for (let i = 0; i < value.length; ) {
      if (value[i] === '%') {
        const hex = value.slice(i + 1, i + 3);
        if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          i += 3;
        } else {
          i += 1;
        }
        continue;
      }
      out += decoder.decode(new Uint8Array(bytes));
      bytes = [];
      out += value[i];
      i++;
    }
    return out + decoder.decode(new Uint8Array(bytes));
  }

  it('percentEncode escapes exactly the characters outside the baggage octets, and % and =', () => {
    fc.assert(
      fc.property(fc.oneof(anyUnits, wellFormed, fc.string()), (value) => {
        expect(percentEncode(value)).toBe(referenceEncode(value));
      }),
      { numRuns: 300 },
    );
  });

  it('percentDecode decodes runs of escapes as UTF-8 and drops stray %', () => {
    fc.assert(
      fc.property(fc.oneof(percentSoup, anyUnits, fc.string()), (value) => {
        expect(percentDecode(value)).toBe(referenceDecode(value));
      }),
      { numRuns: 300 },
    );
  });
});

describe('utf8Length', () => {
  it('counts bytes', () => {
    expect(utf8Length('')).toBe(0);
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('€')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('\uD800')).toBe(3);
    expect(utf8Length('\uDC00\uD800')).toBe(6);
    expect(utf8Length('a\uD800')).toBe(4);
  });

  it('agrees with TextEncoder on any string', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.oneof(anyUnits, wellFormed), (value) => {
        expect(utf8Length(value)).toBe(encoder.encode(value).length);
      }),
      { numRuns: 300 },
    );
  });
});
