/**
 * Every parser of untrusted input, against hostile input (issue 12): it never throws, never
 * gives a value that cannot go back into a header, and reads at most its cap — proved by
 * counting the characters it visits (work-meter.ts), not by timing it:
 * work ≤ C · min(n, cap) + K for an input of n characters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendBaggage, BAGGAGE_MAX_READ_CHARS, formatBaggage, parseBaggage } from '../src/baggage.js';
import { dscFromBaggage, dscToBaggage } from '../src/dsc.js';
import { DSN_MAX_CHARS, InvalidDsnError, parseDsn } from '../src/dsn.js';
import { ENVELOPE_MAX_BYTES, parseEnvelope, salvageEnvelope } from '../src/envelope.js';
import { readIncomingDsc } from '../src/incoming-dsc.js';
import { percentDecode } from '../src/percent-encoding.js';
import { formatSentryTrace, parseSentryTrace, SENTRY_TRACE_MAX_CHARS } from '../src/sentry-trace.js';
import { measureWork } from './work-meter.js';

/** Characters visited per character read, at most, and a constant for fixed costs. */
const C = 16;
const K = 512;

/** Bytes an HTTP header value may carry: tab and visible ASCII (and space). */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** A percent-escape a receiver would decode into a control character. */
const ESCAPED_CONTROL = /%(?:[01][0-9a-fA-F]|7[fF])/;

/** Whether `text` holds a control character or DEL (a regular expression of them trips the linter). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function expectHeaderSafe(value: string): void {
  expect(value).toMatch(HEADER_VALUE);
  expect(value).not.toMatch(ESCAPED_CONTROL);
}

function expectCapped(work: number, n: number, cap: number): void {
  expect(work).toBeLessThanOrEqual(C * Math.min(n, cap) + K);
}

// The shapes that once cost quadratic time, and their relatives: long runs with no ';' after
// many members, runs of separators, of escapes that take the slow decoding path, of
// `sentry-` inside values, of whitespace.
const ATOMS = [
  'b=c,',
  'sentry-a=x,',
  'sentry-',
  'sentry-release=1.0,',
  'x',
  'é',
  ',',
  ';',
  '=',
  ' ',
  '\t',
  '%',
  '%E0',
  '%0A',
  '%41',
  '\r\n',
  '\u0000',
  'sentry-k=v;p=1,',
  'a=b;c;d,',
];
const atoms = fc.array(fc.constantFrom(...ATOMS), { minLength: 1, maxLength: 5 }).map((a) => a.join(''));

/** A header of `size` characters: a prefix, then `body` repeated. */
function build(prefix: string, body: string, size: number): string {
  const rest = Math.max(0, size - prefix.length);
  return (prefix + body.repeat(Math.ceil(rest / body.length))).slice(0, Math.max(size, prefix.length));
}

const hostileHeader = fc
  .tuple(
    fc.constantFrom('', `sentry-a=${'x'.repeat(8183)},`, `sentry-a=${'x'.repeat(8182)}é,`, 'sentry-trace_id=0af7,'),
    atoms,
    fc.integer({ min: 1, max: 4 * BAGGAGE_MAX_READ_CHARS }),
  )
  .map(([prefix, body, size]) => build(prefix, body, size));

/** The header of issue 12: one member filling the byte limit, then 260,000 members (1 MiB). */
const ISSUE_HEADER = `sentry-a=${'x'.repeat(8183)},${'b=c,'.repeat(260_000)}`;

describe('the work meter', () => {
  it('sees the quadratic scan issue 12 found: a search for ";" to the end, member after member', () => {
    const quadratic = (header: string) => {
      let members = 0;
      for (let pos = 0; pos < header.length; ) {
        let end = header.indexOf(',', pos);
        if (end === -1) end = header.length;
        header.indexOf(';', pos); // the old scanner's search, bounded by nothing
        members++;
        pos = end + 1;
      }
      return members;
    };
    const header = 'b=c,'.repeat(2000);
    expect(measureWork(() => quadratic(header)).work).toBeGreaterThan(100 * header.length);
  });
});

describe('baggage parsers read at most their cap, linearly, and never throw', () => {
  const parsers: Array<[string, (h: string | string[]) => unknown]> = [
    ['parseBaggage', (h) => parseBaggage(h)],
    ['dscFromBaggage', (h) => dscFromBaggage(h)],
    // The DSC object is parsed on first read: read it, so that work is counted too.
    ['readIncomingDsc', (h) => readIncomingDsc(h)?.frozen.dsc],
  ];

  it.each(parsers)('%s on the 1 MiB header of issue 12', (_name, parse) => {
    const { work } = measureWork(() => parse(ISSUE_HEADER));
    expectCapped(work, ISSUE_HEADER.length, BAGGAGE_MAX_READ_CHARS);
  });

  it.each(parsers)('%s on hostile headers of up to four times the cap', (_name, parse) => {
    fc.assert(
      fc.property(hostileHeader, (header) => {
        const { work } = measureWork(() => parse(header));
        expectCapped(work, header.length, BAGGAGE_MAX_READ_CHARS);
      }),
      { numRuns: 40 },
    );
  });

  it.each(parsers)('%s on a carrier of many values (repeated headers)', (_name, parse) => {
    fc.assert(
      fc.property(atoms, fc.integer({ min: 1, max: 50_000 }), (value, count) => {
        const values = new Array<string>(count).fill(value);
        const n = count * (value.length + 1);
        const { work } = measureWork(() => parse(values));
        expectCapped(work, n, BAGGAGE_MAX_READ_CHARS);
      }),
      { numRuns: 20 },
    );
  });

  it('appendBaggage onto a large outgoing value reads at most the cap of it', () => {
    fc.assert(
      fc.property(hostileHeader, (existing) => {
        const addition = 'sentry-trace_id=0af7651916cd43dd8448eb211c80319c,sentry-sampled=true';
        const { result, work } = measureWork(() => appendBaggage(existing, addition));
        expectCapped(work, existing.length + addition.length, BAGGAGE_MAX_READ_CHARS);
        expect(result.startsWith(existing)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe('what the baggage parsers give can always go back into a header', () => {
  const header = fc.oneof(
    hostileHeader.filter((h) => h.length < 4096),
    fc
      .array(fc.constantFrom(...ATOMS, 'sentry-replay_id=6a2b1f0c9d8e4f7a8b3c2d1e0f9a8b7c,'), { maxLength: 40 })
      .map((a) => a.join('')),
    fc.string(),
  );

  it('readIncomingDsc freezes only valid header bytes, and a clean replay id', () => {
    fc.assert(
      fc.property(header, (h) => {
        const incoming = readIncomingDsc(h);
        if (incoming === undefined) return;
        expectHeaderSafe(incoming.frozen.baggage);
        if (incoming.replayId !== undefined) expect(incoming.replayId).toMatch(/^[\x21-\x7e]*$/);
        for (const value of Object.values(incoming.frozen.dsc)) {
          expect(hasControl(value as string)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('dscFromBaggage and parseBaggage give what writes back as a valid header value', () => {
    fc.assert(
      fc.property(header, (h) => {
        const dsc = dscFromBaggage(h);
        if (dsc !== undefined) expectHeaderSafe(dscToBaggage(dsc));
        expect(formatBaggage(parseBaggage(h))).toMatch(HEADER_VALUE);
      }),
      { numRuns: 300 },
    );
  });

  it('drops, at extract, a sentry- member holding CR/LF, NUL, DEL or non-ASCII — raw or escaped', () => {
    for (const bad of [
      'sentry-release=a\r\nX-Injected: 1',
      'sentry-release=a%0D%0AX-Injected:%201',
      'sentry-release=a\u0000b',
      'sentry-release=a%00b',
      'sentry-release=a\u007fb',
      'sentry-release=a%7Fb',
      'sentry-release=café',
      'sentry-release=a;p=\r\n',
    ]) {
      const incoming = readIncomingDsc(`sentry-trace_id=abc,${bad},sentry-environment=prod`);
      expect(incoming?.frozen.baggage).toBe('sentry-trace_id=abc,sentry-environment=prod');
      expect(incoming?.frozen.dsc).toEqual({ trace_id: 'abc', environment: 'prod' });
      expect(dscFromBaggage(`sentry-trace_id=abc,${bad}`)).toEqual({ trace_id: 'abc' });
    }
    // Non-ASCII text the W3C way, percent-encoded UTF-8, is kept and re-sent as it came.
    expect(readIncomingDsc('sentry-release=caf%C3%A9')?.frozen.baggage).toBe('sentry-release=caf%C3%A9');
    expect(readIncomingDsc('sentry-release=caf%C3%A9')?.frozen.dsc.release).toBe('café');
  });
});

describe('sentry-trace', () => {
  const hostile = fc
    .tuple(atoms, fc.integer({ min: 1, max: 100_000 }))
    .map(([body, size]) => build(`0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331`, body, size));

  it('reads at most its cap, never throws, and gives ids that format to a valid header', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.string()), (header) => {
        const { result, work } = measureWork(() => parseSentryTrace(header));
        expectCapped(work, header.length, SENTRY_TRACE_MAX_CHARS);
        if (result !== undefined) expectHeaderSafe(formatSentryTrace(result));
      }),
      { numRuns: 200 },
    );
    const padded = `${' '.repeat(1_000_000)}0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331`;
    expect(measureWork(() => parseSentryTrace(padded)).work).toBeLessThanOrEqual(K);
  });
});

describe('DSN', () => {
  it('reads at most its cap and throws nothing but InvalidDsnError', () => {
    const hostile = fc
      .tuple(atoms, fc.integer({ min: 1, max: 20_000 }))
      .map(([body, size]) => build('https://pub:secret@', body, size));
    fc.assert(
      fc.property(fc.oneof(hostile, fc.string()), (text) => {
        const { work } = measureWork(() => {
          try {
            return parseDsn(text);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidDsnError);
            expect((error as Error).message).not.toContain('secret');
            return undefined;
          }
        });
        expectCapped(work, text.length, DSN_MAX_CHARS);
      }),
      { numRuns: 100 },
    );
  });

  it('gives only public keys a header can carry', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        try {
          const dsn = parseDsn(`https://${encodeURIComponent(key)}@host.example/1`);
          expect(dsn.publicKey).toMatch(/^[\x20-\x7e]+$/);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidDsnError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('envelopes', () => {
  const envelopeBody = (items: number) =>
    `{"event_id":"0af7651916cd43dd8448eb211c80319c"}\n${'{"type":"transaction","length":2}\n{}\n'.repeat(items)}`;
  const hostile = fc.oneof(
    fc.integer({ min: 1, max: 20_000 }).map(envelopeBody),
    fc.tuple(atoms, fc.integer({ min: 1, max: 100_000 })).map(([body, size]) => build('{}\n', body, size)),
    fc
      .tuple(
        fc.constantFrom('\n', '{"type":"x"}\n', '{"type":"x","length":99999999}\n', '[', '{"a":'),
        fc.integer({ min: 1, max: 20_000 }),
      )
      .map(([body, count]) => `{}\n${body.repeat(count)}`),
    fc.string(),
  );

  it('parseEnvelope and salvageEnvelope are linear and never throw', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        for (const parse of [parseEnvelope, salvageEnvelope]) {
          const { work } = measureWork(() => parse(input));
          expectCapped(work, input.length, ENVELOPE_MAX_BYTES);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('salvages what is whole of an envelope cut short, and names what is not', () => {
    const whole = `{"event_id":"0af7651916cd43dd8448eb211c80319c"}\n{"type":"event","length":13}\n{"message":1}\n{"type":"transaction","length":40}\n{"type":"transaction","spans":[{},{}]}`;
    const cut = whole.slice(0, -10);
    expect(parseEnvelope(cut)).toBeUndefined();
    const salvaged = salvageEnvelope(cut)!;
    expect(salvaged.envelope.items.map((i) => i.headers.type)).toEqual(['event']);
    expect(salvaged.damaged.map((h) => h.type)).toEqual(['transaction']);
    expect(salvageEnvelope('garbage')).toBeUndefined();
    // A JSON item whose payload is not JSON: parseEnvelope keeps its text, salvaging calls it damaged.
    const broken = '{}\n{"type":"event"}\n{"message":\n';
    expect(parseEnvelope(broken)?.items[0]?.payload).toBe('{"message":');
    expect(salvageEnvelope(broken)?.damaged.map((h) => h.type)).toEqual(['event']);
  });
});

describe('percent-decoding', () => {
  it('is linear on runs of escapes that take the slow path', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('%', '%E0', '%0', '%41', '%C3%A9', 'x%'),
        fc.integer({ min: 1, max: 20_000 }),
        (body, count) => {
          const value = body.repeat(count);
          const { result, work } = measureWork(() => percentDecode(value));
          expect(typeof result).toBe('string');
          expectCapped(work, value.length, Number.POSITIVE_INFINITY);
        },
      ),
      { numRuns: 30 },
    );
  });
});
