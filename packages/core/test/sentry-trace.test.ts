import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSentryTrace, parseSentryTrace, SENTRY_TRACE_FLAG_HAS_REPLAY } from '../src/sentry-trace.js';
import { unicodeString } from './arbitraries.js';

const TRACE = '12312012123120121231201212312012';
const SPAN = '1121201211212012';

const hexChar = fc.constantFrom(...'0123456789abcdef');
const hex = (length: number) =>
  fc.string({ unit: hexChar, minLength: length, maxLength: length }).filter((s) => /[1-9a-f]/.test(s));
const traceData = fc.record(
  { traceId: hex(32), spanId: hex(16), sampled: fc.boolean(), flags: fc.integer({ min: 0, max: 255 }) },
  { requiredKeys: ['traceId', 'spanId'] },
);

describe('parseSentryTrace', () => {
  it('reads the three-field form', () => {
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseSentryTrace(`${TRACE}-${SPAN}-0`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
  });

  it('reads the deferred two-field form without a sampled flag', () => {
    const parsed = parseSentryTrace(`${TRACE}-${SPAN}`);
    expect(parsed).toEqual({ traceId: TRACE, spanId: SPAN });
    expect(parsed).not.toHaveProperty('sampled');
    expect(parsed).not.toHaveProperty('flags');
  });

  it('reads the four-field form with flags', () => {
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-01`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
      flags: SENTRY_TRACE_FLAG_HAS_REPLAY,
    });
    expect(parseSentryTrace(`${TRACE}-${SPAN}-0-ff`)).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      sampled: false,
      flags: 255,
    });
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-a0`)?.flags).toBe(0xa0);
  });

  it('ignores surrounding spaces and tabs', () => {
    expect(parseSentryTrace(` \t${TRACE}-${SPAN}-1\t `)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseSentryTrace(`\t${TRACE}-${SPAN}`)).toEqual({ traceId: TRACE, spanId: SPAN });
  });

  it('rejects other surrounding whitespace and inner whitespace', () => {
    expect(parseSentryTrace(`\n${TRACE}-${SPAN}-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1\r\n`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE} -${SPAN}-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN} -1`)).toBeUndefined();
  });

  it('uses the first of several values', () => {
    const other = 'abcdefabcdefabcdefabcdefabcdefab';
    expect(parseSentryTrace([`${TRACE}-${SPAN}-1`, `${other}-${SPAN}-0`])).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      sampled: true,
    });
    expect(parseSentryTrace(['garbage', `${TRACE}-${SPAN}-1`])).toBeUndefined();
    expect(parseSentryTrace([])).toBeUndefined();
  });

  it('rejects missing values', () => {
    expect(parseSentryTrace(undefined)).toBeUndefined();
    expect(parseSentryTrace(null)).toBeUndefined();
    expect(parseSentryTrace('')).toBeUndefined();
    expect(parseSentryTrace(' \t ')).toBeUndefined();
  });

  it('rejects uppercase hex', () => {
    expect(parseSentryTrace(`${TRACE.toUpperCase().replace('1', 'A')}-${SPAN}-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-ABCDEF0123456789-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-0A`)).toBeUndefined();
  });

  it('rejects all-zero ids', () => {
    expect(parseSentryTrace(`${'0'.repeat(32)}-${SPAN}-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${'0'.repeat(16)}-1`)).toBeUndefined();
    expect(parseSentryTrace(`${'0'.repeat(32)}-${'0'.repeat(16)}`)).toBeUndefined();
  });

  it('rejects wrong lengths', () => {
    expect(parseSentryTrace(`${TRACE}0-${SPAN}-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE.slice(1)}-${SPAN}-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}0-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN.slice(1)}-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-001`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-`)).toBeUndefined();
    expect(parseSentryTrace(TRACE)).toBeUndefined();
  });

  it('rejects bad sampled flags, separators and extra fields', () => {
    expect(parseSentryTrace(`${TRACE}-${SPAN}-2`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-t`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}_${SPAN}-1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}_1`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1_01`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-0g`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-01-00`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-01-`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-`)).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${SPAN}-1-01,${TRACE}-${SPAN}-1`)).toBeUndefined();
  });

  it('ignores array entries that are not strings', () => {
    expect(parseSentryTrace([42 as unknown as string, `${TRACE}-${SPAN}-1`])).toBeUndefined();
    expect(parseSentryTrace(42 as unknown as string)).toBeUndefined();
  });
});

describe('formatSentryTrace', () => {
  it('writes three fields when the decision is known and no flags are given', () => {
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN, sampled: true })).toBe(`${TRACE}-${SPAN}-1`);
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN, sampled: false })).toBe(`${TRACE}-${SPAN}-0`);
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN, sampled: true, flags: undefined })).toBe(
      `${TRACE}-${SPAN}-1`,
    );
  });

  it('writes the deferred form without a sampled flag, and then no flags either', () => {
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN })).toBe(`${TRACE}-${SPAN}`);
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN, flags: 1 })).toBe(`${TRACE}-${SPAN}`);
  });

  it('writes four fields when flags are given, as two lowercase hex digits', () => {
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN, sampled: true, flags: 1 })).toBe(`${TRACE}-${SPAN}-1-01`);
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN, sampled: false, flags: 0 })).toBe(`${TRACE}-${SPAN}-0-00`);
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN, sampled: true, flags: 0xab })).toBe(
      `${TRACE}-${SPAN}-1-ab`,
    );
  });

  it('keeps flags to 8 bits', () => {
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN, sampled: true, flags: 0x1ff })).toBe(
      `${TRACE}-${SPAN}-1-ff`,
    );
    expect(formatSentryTrace({ traceId: TRACE, spanId: SPAN, sampled: true, flags: 0x100 })).toBe(
      `${TRACE}-${SPAN}-1-00`,
    );
  });

  it('keeps the default output within the reference Sentry SDK parser', () => {
    const reference = /^[ \t]*([0-9a-f]{32})?-?([0-9a-f]{16})?-?([01])?[ \t]*$/;
    fc.assert(
      fc.property(hex(32), hex(16), fc.option(fc.boolean(), { nil: undefined }), (traceId, spanId, sampled) => {
        const match = reference.exec(formatSentryTrace({ traceId, spanId, sampled }));
        expect(match?.[1]).toBe(traceId);
        expect(match?.[2]).toBe(spanId);
        expect(match?.[3]).toBe(sampled === undefined ? undefined : sampled ? '1' : '0');
      }),
      { numRuns: 200 },
    );
  });
});

// The reference parser's grammar, without its optional parts, plus this project's flags field.
const REFERENCE = /^[ \t]*([0-9a-f]{32})-([0-9a-f]{16})(?:-([01])(?:-([0-9a-f]{2}))?)?[ \t]*$/;

function referenceParse(header: string) {
  const m = REFERENCE.exec(header);
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  const out: Record<string, unknown> = { traceId: m[1], spanId: m[2] };
  if (m[3] !== undefined) out.sampled = m[3] === '1';
  if (m[4] !== undefined) out.flags = Number.parseInt(m[4], 16);
  return out;
}

// Valid headers with one character changed: to its uppercase, to a character above ASCII
// whose low 7 bits are hex, to '0', to whitespace, or removed.
const nearlyValid = fc
  .tuple(traceData, fc.nat(), fc.constantFrom('upper', 'high', 'wide', 'zero', 'space', 'tab', 'newline', 'drop'))
  .map(([data, at, how]) => {
    const header = formatSentryTrace(data);
    const i = at % header.length;
    const c = header.charCodeAt(i);
    const replacement = {
      upper: header[i]!.toUpperCase(),
      high: String.fromCharCode(c | 0x80),
      wide: String.fromCharCode(c + 0x100),
      zero: '0',
      space: ' ',
      tab: '\t',
      newline: '\n',
      drop: '',
    }[how];
    return header.slice(0, i) + replacement + header.slice(i + 1);
  });

describe('sentry-trace properties', () => {
  it('parses exactly what the reference grammar accepts', () => {
    const input = fc.oneof(
      nearlyValid,
      traceData.map((d) => ` ${formatSentryTrace(d)}\t`),
      fc.tuple(hex(32), hex(16)).map(([t, s]) => `${t}-${s}`),
      fc.constant(`${'0'.repeat(32)}-${SPAN}-1`),
      fc.string(),
    );
    fc.assert(
      fc.property(input, (header) => {
        expect(parseSentryTrace(header)).toEqual(referenceParse(header));
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on arbitrary strings, unicode strings and arrays', () => {
    const input = fc.oneof(
      fc.string(),
      unicodeString(),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF- \t01'), maxLength: 60 }),
      fc.array(fc.string()),
      fc.constantFrom(undefined, null),
    );
    fc.assert(
      fc.property(input, (value) => {
        const parsed = parseSentryTrace(value);
        if (parsed !== undefined) {
          expect(parsed.traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(parsed.spanId).toMatch(/^[0-9a-f]{16}$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips format -> parse', () => {
    fc.assert(
      fc.property(traceData, (data) => {
        const expected: Record<string, unknown> = { traceId: data.traceId, spanId: data.spanId };
        if (data.sampled !== undefined) {
          expected.sampled = data.sampled;
          if (data.flags !== undefined) expected.flags = data.flags;
        }
        expect(parseSentryTrace(formatSentryTrace(data))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips parse -> format for every accepted value, whitespace aside', () => {
    const candidate = fc
      .tuple(fc.constantFrom('', ' ', '\t'), traceData, fc.constantFrom('', ' ', '\t '))
      .map(([lead, data, trail]) => `${lead}${formatSentryTrace(data)}${trail}`);
    fc.assert(
      fc.property(candidate, (header) => {
        const parsed = parseSentryTrace(header);
        expect(parsed).toBeDefined();
        expect(formatSentryTrace(parsed!)).toBe(header.trim());
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any header with an uppercase hex digit', () => {
    fc.assert(
      fc.property(traceData, fc.nat(), (data, at) => {
        const header = formatSentryTrace(data);
        const letters = [...header].map((c, i) => (/[a-f]/.test(c) ? i : -1)).filter((i) => i >= 0);
        fc.pre(letters.length > 0);
        const i = letters[at % letters.length]!;
        const upper = header.slice(0, i) + header[i]!.toUpperCase() + header.slice(i + 1);
        expect(parseSentryTrace(upper)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
