import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addEnvelopeItem,
  createEnvelope,
  type Envelope,
  itemTypeToCategory,
  parseEnvelope,
  serializeEnvelope,
  serializeEnvelopeBytes,
  serializeEnvelopeSized,
} from '../src/envelope.js';
import { unicodeString, utf16String } from './arbitraries.js';

const EVENT_ID = '9ec79c33ec9942ab8353589fcb2e04dc';
const encoder = new TextEncoder();
// ignoreBOM: a payload that starts with U+FEFF must come back with it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function text(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : decoder.decode(value);
}

describe('createEnvelope and addEnvelopeItem', () => {
  it('build an envelope in order', () => {
    const envelope = createEnvelope({ event_id: EVENT_ID });
    expect(envelope).toEqual({ headers: { event_id: EVENT_ID }, items: [] });
    const first = { headers: { type: 'event' }, payload: { a: 1 } };
    const second = { headers: { type: 'client_report' }, payload: { b: 2 } };
    expect(addEnvelopeItem(envelope, first)).toBe(envelope);
    addEnvelopeItem(envelope, second);
    expect(envelope.items).toEqual([first, second]);
    expect(createEnvelope({}, [first]).items).toEqual([first]);
  });
});

describe('serializeEnvelope', () => {
  it('writes headers and items as lines, with the length of each payload', () => {
    const envelope = createEnvelope({ event_id: EVENT_ID, sdk: { name: 'n', version: '1' } }, [
      { headers: { type: 'event' }, payload: { message: 'hi' } },
      { headers: { type: 'client_report' }, payload: '{"x":1}' },
    ]);
    expect(serializeEnvelope(envelope)).toBe(
      `{"event_id":"${EVENT_ID}","sdk":{"name":"n","version":"1"}}\n` +
        '{"type":"event","length":16}\n{"message":"hi"}\n' +
        '{"type":"client_report","length":7}\n{"x":1}',
    );
  });

  it('writes an envelope without items as its headers alone', () => {
    expect(serializeEnvelope(createEnvelope({}))).toBe('{}');
  });

  it('counts length in UTF-8 bytes, not characters', () => {
    const out = serializeEnvelope(
      createEnvelope({}, [{ headers: { type: 'event' }, payload: { message: 'é€😀\n' } }]),
    ) as string;
    const payload = JSON.stringify({ message: 'é€😀\n' });
    expect(out).toBe(`{}\n{"type":"event","length":${encoder.encode(payload).length}}\n${payload}`);
    expect(encoder.encode(payload).length).toBe(payload.length + 1 + 2 + 2);
  });

  it('replaces a wrong length and keeps other item headers', () => {
    const out = serializeEnvelope(
      createEnvelope({}, [{ headers: { type: 'attachment', length: 999, filename: 'a.txt' }, payload: 'abc' }]),
    );
    expect(out).toBe('{}\n{"type":"attachment","length":3,"filename":"a.txt"}\nabc');
  });

  it('writes bytes when a payload is a Uint8Array', () => {
    const binary = new Uint8Array([0, 10, 255, 13, 10]);
    const out = serializeEnvelope(
      createEnvelope({ event_id: EVENT_ID }, [
        { headers: { type: 'event' }, payload: { a: 'é' } },
        { headers: { type: 'attachment', filename: 'b.bin' }, payload: binary },
      ]),
    );
    expect(out).toBeInstanceOf(Uint8Array);
    const head = encoder.encode(
      `{"event_id":"${EVENT_ID}"}\n{"type":"event","length":10}\n{"a":"é"}\n{"type":"attachment","filename":"b.bin","length":5}\n`,
    );
    expect([...(out as Uint8Array)]).toEqual([...head, ...binary]);
  });

  it('never throws on values JSON cannot hold', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    const out = text(
      serializeEnvelope(
        createEnvelope({ event_id: EVENT_ID }, [
          { headers: { type: 'event' }, payload: cyclic },
          { headers: { type: 'event' }, payload: { big: 10n } },
          { headers: { type: 'event' }, payload: undefined },
        ]),
      ),
    );
    const parsed = parseEnvelope(out);
    expect(parsed?.items.map((i) => i.payload)).toEqual([{ name: 'x', self: '[Circular]' }, { big: '10' }, null]);
  });
});

describe('serializeEnvelopeSized', () => {
  const utf8 = (body: string | Uint8Array): number =>
    typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;

  it('gives the body serializeEnvelope gives, and its UTF-8 bytes', () => {
    // Non-ASCII in the envelope headers (a DSC transaction name), item headers and payloads,
    // a payload built of pieces (a rope, as the exporter's transaction JSON is) and a lone surrogate.
    const pieces = ['{"spans":[', '"é"', ',"😀"', ',"\ud800"', ']}'];
    const envelope = createEnvelope({ event_id: EVENT_ID, trace: { transaction: 'GET /café' } }, [
      { headers: { type: 'transaction', note: 'ñ' }, payload: pieces.reduce((a, b) => a + b) },
      { headers: { type: 'event' }, payload: { message: 'é€😀\n', lone: '\ud800x' } },
      { headers: { type: 'client_report' }, payload: '{"x":1}' },
    ]);
    const sized = serializeEnvelopeSized(envelope);
    expect(sized.body).toBe(serializeEnvelope(envelope));
    expect(sized.bytes).toBe(utf8(sized.body));
    expect(sized.bytes).toBeGreaterThan((sized.body as string).length);
  });

  it('counts an envelope of any text exactly', () => {
    fc.assert(
      fc.property(unicodeString(), utf16String(), unicodeString(), (name, payload, message) => {
        const sized = serializeEnvelopeSized(
          createEnvelope({ trace: { transaction: name } }, [
            { headers: { type: 'attachment', filename: name }, payload },
            { headers: { type: 'event' }, payload: { message } },
          ]),
        );
        expect(sized.bytes).toBe(utf8(sized.body));
      }),
    );
  });

  it('gives bytes and their length when a payload is binary', () => {
    const sized = serializeEnvelopeSized(
      createEnvelope({}, [{ headers: { type: 'attachment' }, payload: new Uint8Array([1, 2, 3]) }]),
    );
    expect(sized.body).toBeInstanceOf(Uint8Array);
    expect(sized.bytes).toBe((sized.body as Uint8Array).length);
    expect(text(sized.body)).toBe('{}\n{"type":"attachment","length":3}\n\u0001\u0002\u0003');
  });
});

describe('serializeEnvelopeBytes', () => {
  it('gives the UTF-8 bytes of the string form', () => {
    const envelope = createEnvelope({ event_id: EVENT_ID }, [
      { headers: { type: 'transaction' }, payload: { transaction: 'GET /ü', spans: [] } },
    ]);
    expect(serializeEnvelopeBytes(envelope)).toEqual(encoder.encode(serializeEnvelope(envelope) as string));
  });
});

describe('parseEnvelope', () => {
  it('reads the example envelope of the Sentry docs, with binary and JSON items', () => {
    const head = encoder.encode(
      '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://e12d836b15bb49d7bbf99e64295d995b:@sentry.io/42"}\n' +
        '{"type":"attachment","length":10,"content_type":"text/plain","filename":"hello.txt"}\n',
    );
    const attachment = new Uint8Array([0xef, 0xbb, 0xbf, 72, 101, 108, 108, 111, 13, 10]);
    const tail = encoder.encode(
      '\n{"type":"event","length":41,"content_type":"application/json","filename":"application.log"}\n' +
        '{"message":"hello world","level":"error"}\n',
    );
    const envelope = parseEnvelope(new Uint8Array([...head, ...attachment, ...tail]));
    expect(envelope?.headers.event_id).toBe(EVENT_ID);
    expect(envelope?.items).toHaveLength(2);
    expect(envelope?.items[0]?.payload).toEqual(attachment);
    expect(envelope?.items[1]).toEqual({
      headers: { type: 'event', length: 41, content_type: 'application/json', filename: 'application.log' },
      payload: { message: 'hello world', level: 'error' },
    });
  });

  it('reads items without length up to the end of the line', () => {
    const envelope = parseEnvelope(
      `{"event_id":"${EVENT_ID}"}\n{"type":"attachment"}\nhelloworld\n{"type":"event"}\n{"message":"x"}`,
    );
    expect(envelope?.items.map((i) => i.headers.type)).toEqual(['attachment', 'event']);
    expect(envelope?.items[0]?.payload).toEqual(encoder.encode('helloworld'));
    expect(envelope?.items[1]?.payload).toEqual({ message: 'x' });
  });

  it('tolerates a trailing newline, or none', () => {
    const body = '{}\n{"type":"event","length":2}\n{}';
    expect(parseEnvelope(body)?.items).toHaveLength(1);
    expect(parseEnvelope(`${body}\n`)?.items).toHaveLength(1);
    expect(parseEnvelope(`${body}\n\n`)?.items).toHaveLength(1);
    expect(parseEnvelope('{}')).toEqual({ headers: {}, items: [] });
    expect(parseEnvelope('{}\n')).toEqual({ headers: {}, items: [] });
  });

  it('reads an empty payload', () => {
    expect(parseEnvelope('{}\n{"type":"event","length":0}\n')?.items[0]?.payload).toEqual({});
    expect(parseEnvelope('{}\n{"type":"attachment","length":0}\n')?.items[0]?.payload).toEqual(new Uint8Array(0));
  });

  it('keeps unknown item types', () => {
    const envelope = parseEnvelope('{}\n{"type":"future_thing","length":7}\n{"a":1}\n{"type":"event","length":2}\n{}');
    expect(envelope?.items.map((i) => [i.headers.type, i.payload])).toEqual([
      ['future_thing', { a: 1 }],
      ['event', {}],
    ]);
  });

  it('gives bytes for non-JSON content types and text for a JSON item that is not JSON', () => {
    const envelope = parseEnvelope(
      '{}\n{"type":"log","content_type":"text/plain","length":3}\nabc\n{"type":"event","length":3}\nnot',
    );
    expect(envelope?.items[0]?.payload).toEqual(encoder.encode('abc'));
    expect(envelope?.items[1]?.payload).toBe('not');
  });

  it('reads JSON content types with parameters as JSON', () => {
    const envelope = parseEnvelope('{}\n{"type":"event","content_type":"application/json; charset=utf-8"}\n[1]');
    expect(envelope?.items[0]?.payload).toEqual([1]);
  });

  it('does not fail an envelope whose content_type is not a string', () => {
    const envelope = parseEnvelope('{}\n{"type":"event","content_type":42,"length":2}\n{}');
    expect(envelope?.items).toHaveLength(1);
    expect(envelope?.items[0]?.payload).toEqual({});
  });

  it('counts length in bytes in text with non-ASCII characters', () => {
    const envelope = parseEnvelope(
      '{"x":"ü"}\n{"type":"event","length":15}\n{"m":"€😀"}\n{"type":"event","length":2}\n{}',
    );
    expect(envelope?.items.map((i) => i.payload)).toEqual([{ m: '€😀' }, {}]);
  });

  it.each([
    ['', 'empty input'],
    ['not json', 'garbage'],
    ['[1,2]', 'headers that are not an object'],
    ['null', 'null headers'],
    ['{}\n{"length":2}\n{}', 'an item without a type'],
    ['{}\n{"type":5}\n{}', 'an item type that is not a string'],
    ['{}\n[]\n{}', 'item headers that are not an object'],
    ['{}\n{"type":"event","length":50}\n{}', 'a length past the end'],
    ['{}\nnope\n{}', 'item headers that are not JSON'],
  ])('returns undefined for %j (%s)', (input) => {
    expect(parseEnvelope(input)).toBeUndefined();
    expect(parseEnvelope(encoder.encode(input))).toBeUndefined();
  });

  it('returns undefined for input that is neither a string nor bytes', () => {
    expect(parseEnvelope(42 as unknown as string)).toBeUndefined();
    expect(parseEnvelope(null as unknown as string)).toBeUndefined();
  });
});

describe('itemTypeToCategory', () => {
  it('maps item types to rate-limit categories', () => {
    expect(itemTypeToCategory('event')).toBe('error');
    expect(itemTypeToCategory('transaction')).toBe('transaction');
    expect(itemTypeToCategory('session')).toBe('session');
    expect(itemTypeToCategory('sessions')).toBe('session');
    expect(itemTypeToCategory('client_report')).toBe('internal');
    expect(itemTypeToCategory('span')).toBe('span');
    expect(itemTypeToCategory('attachment')).toBe('attachment');
    expect(itemTypeToCategory('replay_recording')).toBe('replay');
    expect(itemTypeToCategory('check_in')).toBe('monitor');
    expect(itemTypeToCategory('log')).toBe('log_item');
    expect(itemTypeToCategory('profile')).toBe('profile');
  });

  it('maps unknown types, prototype names included, to default', () => {
    expect(itemTypeToCategory('something_new')).toBe('default');
    expect(itemTypeToCategory('__proto__')).toBe('default');
    expect(itemTypeToCategory('constructor')).toBe('default');
    expect(itemTypeToCategory('')).toBe('default');
  });
});

describe('envelope properties', () => {
  const jsonValue = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  // JSON.stringify escapes lone surrogates, so they survive a JSON payload too.
  const unicodeJson = fc.dictionary(unicodeString(), fc.oneof(unicodeString(), utf16String()), { maxKeys: 4 });
  const jsonItem = fc.record({
    headers: fc.record({ type: fc.constantFrom('event', 'transaction', 'session', 'client_report', 'unknown_type') }),
    // A string payload is text written as it is, not a JSON string: leave top-level strings out.
    payload: fc.oneof(
      unicodeJson,
      jsonValue.filter((v) => typeof v !== 'string'),
    ),
  });
  const binaryItem = fc.record({
    headers: fc.record(
      { type: fc.constantFrom('attachment', 'replay_recording'), filename: unicodeString() },
      { requiredKeys: ['type'] },
    ),
    payload: fc.uint8Array({ maxLength: 64 }),
  });
  const textAttachment = fc.record({
    headers: fc.constant({ type: 'attachment', content_type: 'text/plain' }),
    payload: unicodeString(),
  });
  const headers = fc.record(
    {
      event_id: fc.constant(EVENT_ID),
      sent_at: fc.constant('2026-11-21T17:00:00.000Z'),
      trace: fc.dictionary(fc.string(), unicodeString(), { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  );

  function expectSameEnvelope(parsed: Envelope | undefined, original: Envelope): void {
    expect(parsed).toBeDefined();
    expect(parsed!.headers).toEqual(original.headers);
    expect(parsed!.items).toHaveLength(original.items.length);
    original.items.forEach((item, i) => {
      const back = parsed!.items[i]!;
      const { length, ...rest } = back.headers;
      expect(rest).toEqual(item.headers);
      if (item.payload instanceof Uint8Array) {
        expect(length).toBe(item.payload.length);
        expect(back.payload).toEqual(item.payload);
      } else if (typeof item.payload === 'string') {
        expect(length).toBe(encoder.encode(item.payload).length);
        expect(decoder.decode(back.payload as Uint8Array)).toBe(item.payload);
      } else {
        expect(length).toBe(encoder.encode(JSON.stringify(item.payload)).length);
        expect(back.payload).toEqual(item.payload);
      }
    });
  }

  it('parseEnvelope never throws on strings, unicode strings and bytes', () => {
    const lines = fc
      .array(
        fc.oneof(
          fc.constantFrom('{}', '{"type":"event"}', '{"type":"attachment","length":3}', '{"type":"x","length":-1}', ''),
          fc.string(),
          unicodeString(),
        ),
        { maxLength: 5 },
      )
      .map((l) => l.join('\n'));
    const input = fc.oneof(
      fc.string(),
      unicodeString(),
      lines,
      fc.uint8Array(),
      lines.map((l) => encoder.encode(l)),
    );
    fc.assert(
      fc.property(input, (value) => {
        const envelope = parseEnvelope(value);
        if (envelope !== undefined) {
          for (const item of envelope.items) expect(typeof item.headers.type).toBe('string');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('serialize -> parse round-trips JSON, unicode and binary payloads', () => {
    fc.assert(
      fc.property(headers, fc.array(fc.oneof(jsonItem, binaryItem, textAttachment), { maxLength: 5 }), (h, items) => {
        const envelope = createEnvelope(h, items);
        const serialized = serializeEnvelope(envelope);
        expectSameEnvelope(parseEnvelope(serialized), envelope);
        expectSameEnvelope(parseEnvelope(serializeEnvelopeBytes(envelope)), envelope);
        if (typeof serialized === 'string') {
          expectSameEnvelope(parseEnvelope(`${serialized}\n`), envelope);
          expect(serializeEnvelopeBytes(envelope)).toEqual(encoder.encode(serialized));
        }
      }),
      { numRuns: 120 },
    );
  });

  it('always writes length = the payload bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(jsonItem, binaryItem, textAttachment), { minLength: 1, maxLength: 4 }), (items) => {
        const bytes = serializeEnvelopeBytes(createEnvelope({}, items));
        // Walk the envelope by the written lengths alone.
        let pos = bytes.indexOf(10) + 1;
        for (const item of items) {
          const nl = bytes.indexOf(10, pos);
          const header = JSON.parse(decoder.decode(bytes.subarray(pos, nl))) as { type: string; length: number };
          expect(header.type).toBe(item.headers.type);
          pos = nl + 1 + header.length;
          expect(pos === bytes.length || bytes[pos] === 10).toBe(true);
          pos++;
        }
        expect(pos).toBe(bytes.length + 1);
      }),
      { numRuns: 200 },
    );
  });
});
