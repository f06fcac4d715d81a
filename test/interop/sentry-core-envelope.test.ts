/**
 * Interop with the real Sentry SDK (`@sentry/core` 10 and 11) for envelopes: what we
 * serialize, their parser reads to the same headers and payloads; what they serialize,
 * our parser reads the same.
 *
 * Our serializer writes `length` on every item (protocol.md §4: always safe), so their
 * parser hands every item back as bytes, JSON items included: those are decoded and
 * JSON-parsed before comparing.
 */
import {
  createEnvelope,
  dscFromBaggage,
  type Envelope,
  parseEnvelope,
  serializeEnvelope,
  serializeEnvelopeBytes,
} from '@otel-sentry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attachmentArb,
  envelopeHeadersArb,
  jsonItemArb,
  SENTRY_SDKS,
  type SentryCoreApi,
  type SentryEnvelope,
  utf8,
  viaJson,
} from './sentry-sdks.js';

const encoder = new TextEncoder();

const TRACE_ID = '771a43a4192642f0b136d5159a501700';

function realisticTransactionEnvelope(): Envelope {
  const start = 1_763_740_800.123;
  const spans = Array.from({ length: 5 }, (_, i) => ({
    span_id: `${(i + 1).toString(16).padStart(16, 'a')}`,
    parent_span_id: 'aaaaaaaaaaaaaaa0',
    trace_id: TRACE_ID,
    op: i % 2 === 0 ? 'db' : 'http.client',
    description: i % 2 === 0 ? 'SELECT * FROM "users" WHERE id = $1' : 'GET https://api.example.com/ünïcödé?q=a\nb',
    start_timestamp: start + i / 100,
    timestamp: start + i / 100 + 0.005,
    status: 'ok',
    origin: 'auto.otel',
    data: { 'db.system': 'postgresql', 'http.response.status_code': 200, 'emoji 😀': '日本語' },
  }));
  return createEnvelope(
    {
      event_id: '9ec79c33ec9942ab8353589fcb2e04dc',
      sent_at: '2025-11-21T12:00:00.000Z',
      sdk: { name: 'otel-sentry.javascript', version: '0.1.0' },
      trace: dscFromBaggage(
        'sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-public_key=49d0f7386ad645858ae85020e393bef3,' +
          'sentry-sample_rate=0.25,sentry-sampled=true,sentry-release=app%401.0%20%C3%BC',
      )!,
    },
    [
      {
        headers: { type: 'transaction' },
        payload: {
          type: 'transaction',
          event_id: '9ec79c33ec9942ab8353589fcb2e04dc',
          transaction: 'GET /users/:id',
          transaction_info: { source: 'route' },
          start_timestamp: start,
          timestamp: start + 0.1,
          platform: 'node',
          contexts: { trace: { trace_id: TRACE_ID, span_id: 'aaaaaaaaaaaaaaa0', op: 'http.server', status: 'ok' } },
          spans,
        },
      },
      { headers: { type: 'client_report' }, payload: { timestamp: start, discarded_events: [] } },
    ],
  );
}

/** What their parser should give for an envelope we serialized: JSON as a receiver sees it, `length` added. */
function expectTheirParseMatches(theirs: SentryEnvelope, ours: Envelope): void {
  const [headers, items] = theirs;
  expect(headers).toEqual(viaJson(ours.headers));
  expect(items).toHaveLength(ours.items.length);
  ours.items.forEach((item, i) => {
    const [itemHeaders, payload] = items[i] ?? [];
    const bytes =
      item.payload instanceof Uint8Array
        ? item.payload
        : encoder.encode(typeof item.payload === 'string' ? item.payload : JSON.stringify(item.payload));
    expect(itemHeaders).toEqual({ ...viaJson(item.headers), length: bytes.length });
    expect(payload).toBeInstanceOf(Uint8Array);
    if (item.payload instanceof Uint8Array) {
      expect(payload).toEqual(item.payload);
    } else {
      expect(JSON.parse(utf8(payload))).toEqual(viaJson(item.payload));
    }
  });
}

/** What our parser should give for an envelope they serialized. */
function expectOurParseMatches(ours: Envelope | undefined, theirs: SentryEnvelope): void {
  expect(ours).toBeDefined();
  const [headers, items] = theirs;
  expect(ours?.headers).toEqual(viaJson(headers));
  expect(ours?.items).toHaveLength(items.length);
  items.forEach(([itemHeaders, payload], i) => {
    const item = ours?.items[i];
    expect(item?.headers).toEqual(viaJson(itemHeaders));
    if (payload instanceof Uint8Array) {
      expect(item?.payload).toBeInstanceOf(Uint8Array);
      expect(item?.payload).toEqual(payload);
    } else {
      expect(item?.payload).toEqual(viaJson(payload));
    }
  });
}

function attachmentItem(filename: string, data: Uint8Array) {
  return { headers: { type: 'attachment', filename, content_type: 'application/octet-stream' }, payload: data };
}

describe.each(SENTRY_SDKS)('envelope interop with $name', ({ sdk }: { sdk: SentryCoreApi }) => {
  describe('ours → theirs', () => {
    it('parses a realistic transaction envelope we serialize, as a string and as bytes', () => {
      const envelope = realisticTransactionEnvelope();
      const text = serializeEnvelope(envelope);
      expect(typeof text).toBe('string');
      expectTheirParseMatches(sdk.parseEnvelope(text), envelope);
      expectTheirParseMatches(sdk.parseEnvelope(serializeEnvelopeBytes(envelope)), envelope);
    });

    it('parses a binary attachment (newlines, "{", invalid UTF-8) beside a JSON item', () => {
      const data = new Uint8Array([0x0a, 0x7b, 0xff, 0xfe, 0x00, 0x0a, 0x7d, 0xc3]);
      const envelope = createEnvelope({ event_id: TRACE_ID }, [
        { headers: { type: 'event' }, payload: { message: 'line 1\nline 2', level: 'error' } },
        attachmentItem('dump ü.bin', data),
      ]);
      const bytes = serializeEnvelope(envelope);
      expect(bytes).toBeInstanceOf(Uint8Array);
      const parsed = sdk.parseEnvelope(bytes);
      expectTheirParseMatches(parsed, envelope);
      expect(parsed[1][1]?.[1]).toEqual(data);
    });

    it('parses every envelope we serialize to the same headers and payloads (property)', () => {
      fc.assert(
        fc.property(
          envelopeHeadersArb,
          fc.array(
            fc.oneof(
              jsonItemArb,
              attachmentArb.map((a) => attachmentItem(a.filename, a.data)),
            ),
            {
              maxLength: 5,
            },
          ),
          fc.boolean(),
          (headers, items, asBytes) => {
            const envelope = createEnvelope(headers, items);
            const wire = asBytes ? serializeEnvelopeBytes(envelope) : serializeEnvelope(envelope);
            expectTheirParseMatches(sdk.parseEnvelope(wire), envelope);
          },
        ),
        { numRuns: 200 },
      );
    });

    it('a string payload on a JSON item is sent as it is', () => {
      const raw = '{"already":"serialized","n":1}';
      const envelope = createEnvelope({}, [{ headers: { type: 'event' }, payload: raw }]);
      const [, items] = sdk.parseEnvelope(serializeEnvelope(envelope));
      expect(utf8(items[0]?.[1])).toBe(raw);
    });
  });

  describe('theirs → ours', () => {
    it('parses a realistic transaction envelope they serialize', () => {
      const ours = realisticTransactionEnvelope();
      const theirs = sdk.createEnvelope(
        ours.headers,
        ours.items.map((item) => [item.headers, item.payload]),
      );
      const wire = sdk.serializeEnvelope(theirs);
      expect(typeof wire).toBe('string');
      expectOurParseMatches(parseEnvelope(wire), theirs);
      // Their JSON items carry no `length`; ours reads them up to the newline.
      expect(parseEnvelope(wire)?.items[0]?.headers).not.toHaveProperty('length');
    });

    it('parses their binary attachment item beside a JSON item', () => {
      const data = new Uint8Array([0x0a, 0x7b, 0xff, 0xfe, 0x00, 0x0a, 0x7d, 0xc3]);
      const theirs = sdk.createEnvelope({ event_id: TRACE_ID }, [
        [{ type: 'event' }, { message: 'line 1\nline 2', level: 'error' }],
        sdk.createAttachmentEnvelopeItem({ data, filename: 'dump ü.bin', contentType: 'application/octet-stream' }),
      ]);
      const wire = sdk.serializeEnvelope(theirs);
      expect(wire).toBeInstanceOf(Uint8Array);
      const ours = parseEnvelope(wire);
      expectOurParseMatches(ours, theirs);
      expect(ours?.items[1]?.payload).toEqual(data);
      expect(ours?.items[1]?.headers).toMatchObject({
        type: 'attachment',
        length: data.length,
        filename: 'dump ü.bin',
      });
    });

    it('parses every envelope they serialize to the same headers and payloads (property)', () => {
      fc.assert(
        fc.property(
          envelopeHeadersArb,
          fc.array(
            fc.oneof(
              jsonItemArb.map((item): [Record<string, unknown>, unknown] => [item.headers, item.payload]),
              attachmentArb.map((a) => sdk.createAttachmentEnvelopeItem({ data: a.data, filename: a.filename })),
            ),
            { maxLength: 5 },
          ),
          (headers, items) => {
            const theirs = sdk.createEnvelope(headers, items);
            const wire = sdk.serializeEnvelope(theirs);
            expectOurParseMatches(parseEnvelope(wire), theirs);
            // the bytes of a string envelope read the same
            if (typeof wire === 'string') expectOurParseMatches(parseEnvelope(encoder.encode(wire)), theirs);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe('round trips through both', () => {
    it('ours → theirs → ours keeps the envelope (property)', () => {
      fc.assert(
        fc.property(envelopeHeadersArb, fc.array(jsonItemArb, { maxLength: 4 }), (headers, items) => {
          const envelope = createEnvelope(headers, items);
          const [theirHeaders, theirItems] = sdk.parseEnvelope(serializeEnvelope(envelope));
          // their parser hands JSON items back as bytes: turn them back into values to re-send
          const resent = sdk.serializeEnvelope(
            sdk.createEnvelope(
              theirHeaders,
              theirItems.map(([h, p]) => {
                const { length: _length, ...rest } = h;
                return [rest, JSON.parse(utf8(p))];
              }),
            ),
          );
          const back = parseEnvelope(resent);
          expect(back?.headers).toEqual(viaJson(envelope.headers));
          expect(back?.items.map((i) => i.payload)).toEqual(envelope.items.map((i) => viaJson(i.payload)));
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('documented differences (ours pinned)', () => {
    it('an empty payload with "length": 0: we read it, their parser throws', () => {
      // protocol.md §4: `length` is the payload's byte count, and 0 bytes is a valid payload
      // (an empty attachment). Their parser treats `length: 0` as "no length" and JSON-parses
      // an empty line. We still write `length: 0` because it is what the protocol says and what
      // Relay reads; nothing we send has an empty payload in practice.
      const envelope = createEnvelope({ event_id: TRACE_ID }, [attachmentItem('empty.txt', new Uint8Array(0))]);
      const wire = serializeEnvelope(envelope);
      expect(utf8(wire)).toBe(
        `{"event_id":"${TRACE_ID}"}\n{"type":"attachment","filename":"empty.txt","content_type":"application/octet-stream","length":0}\n`,
      );
      expect(parseEnvelope(wire)?.items[0]?.payload).toEqual(new Uint8Array(0));
      expect(() => sdk.parseEnvelope(wire)).toThrow(SyntaxError);
    });

    it('agree on one trailing newline (allowed by the grammar), with and without `length`', () => {
      // protocol.md §4: `Envelope = Headers { "\n" Item } [ "\n" ]`.
      for (const wire of [
        `{"event_id":"${TRACE_ID}"}\n{"type":"event"}\n{"message":"x"}\n`,
        `{"event_id":"${TRACE_ID}"}\n{"type":"event","length":15}\n{"message":"x"}\n`,
      ]) {
        const ours = parseEnvelope(wire);
        const [theirHeaders, theirItems] = sdk.parseEnvelope(wire);
        expect(ours?.headers).toEqual(theirHeaders);
        expect(ours?.items).toHaveLength(1);
        expect(theirItems).toHaveLength(1);
        const theirPayload = theirItems[0]?.[1];
        expect(ours?.items[0]?.payload).toEqual(
          theirPayload instanceof Uint8Array ? JSON.parse(utf8(theirPayload)) : theirPayload,
        );
        expect(ours?.items[0]?.payload).toEqual({ message: 'x' });
      }
    });
  });
});
