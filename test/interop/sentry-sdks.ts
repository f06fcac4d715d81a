/**
 * The real Sentry SDK, in the two majors we interoperate with, behind one narrow
 * interface, plus the fast-check arbitraries the interop tests share.
 *
 * Only the functions the interop tests call are listed; the shapes are loosened to
 * what both majors accept so one test body can run against either.
 */
import * as sentry11 from '@sentry/core';
import * as sentry10 from '@sentry/core-v10';
import fc from 'fast-check';

/** An envelope in the Sentry SDK's tuple form: `[headers, [[itemHeaders, payload], ...]]`. */
export type SentryEnvelope = [Record<string, unknown>, [Record<string, unknown>, unknown][]];

/** What the interop tests use of `@sentry/core`. */
export interface SentryCoreApi {
  extractTraceparentData(
    header?: string,
  ):
    | { traceId?: string | undefined; parentSpanId?: string | undefined; parentSampled?: boolean | undefined }
    | undefined;
  generateSentryTraceHeader(traceId?: string, spanId?: string, sampled?: boolean): string;
  baggageHeaderToDynamicSamplingContext(
    header: string | string[] | null | undefined,
  ): Record<string, string | undefined> | undefined;
  dynamicSamplingContextToSentryBaggageHeader(dsc?: Record<string, string>): string | undefined;
  serializeEnvelope(envelope: SentryEnvelope): string | Uint8Array;
  parseEnvelope(input: string | Uint8Array): SentryEnvelope;
  createEnvelope(headers: Record<string, unknown>, items: [Record<string, unknown>, unknown][]): SentryEnvelope;
  createAttachmentEnvelopeItem(attachment: {
    data: string | Uint8Array;
    filename: string;
    contentType?: string;
  }): [Record<string, unknown>, unknown];
}

function adapt(m: typeof sentry11 | typeof sentry10): SentryCoreApi {
  // The SDK's envelope types are unions of precise item tuples; the tests build envelopes
  // of every kind, so they go through the tuple shape both majors share at run time.
  return {
    extractTraceparentData: (header) => m.extractTraceparentData(header),
    generateSentryTraceHeader: (traceId, spanId, sampled) => m.generateSentryTraceHeader(traceId, spanId, sampled),
    baggageHeaderToDynamicSamplingContext: (header) => m.baggageHeaderToDynamicSamplingContext(header),
    dynamicSamplingContextToSentryBaggageHeader: (dsc) =>
      m.dynamicSamplingContextToSentryBaggageHeader(
        dsc as Parameters<typeof m.dynamicSamplingContextToSentryBaggageHeader>[0],
      ),
    serializeEnvelope: (envelope) => (m.serializeEnvelope as (e: SentryEnvelope) => string | Uint8Array)(envelope),
    parseEnvelope: (input) => m.parseEnvelope(input) as unknown as SentryEnvelope,
    createEnvelope: (headers, items) =>
      (m.createEnvelope as (h: Record<string, unknown>, i: [Record<string, unknown>, unknown][]) => SentryEnvelope)(
        headers,
        items,
      ),
    createAttachmentEnvelopeItem: (attachment) =>
      m.createAttachmentEnvelopeItem(attachment) as unknown as [Record<string, unknown>, unknown],
  };
}

/** Both majors, for `describe.each`. */
export const SENTRY_SDKS: readonly { readonly name: string; readonly sdk: SentryCoreApi }[] = [
  { name: `@sentry/core ${sentry10.SDK_VERSION}`, sdk: adapt(sentry10) },
  { name: `@sentry/core ${sentry11.SDK_VERSION}`, sdk: adapt(sentry11) },
];

// ---------------------------------------------------------------------------------------
// Arbitraries: inputs inside the valid domain of the protocol (protocol.md §1, §2, §4).

const HEX = '0123456789abcdef';

function hexId(length: number): fc.Arbitrary<string> {
  return fc
    .string({ unit: fc.constantFrom(...HEX), minLength: length, maxLength: length })
    .filter((s) => /[1-9a-f]/.test(s)); // an all-zero id is invalid
}

/** 32 lowercase hex characters, not all zeros. */
export const traceIdArb = hexId(32);
/** 16 lowercase hex characters, not all zeros. */
export const spanIdArb = hexId(16);
/** A made-upstream decision, or `undefined` for a deferred one. */
export const sampledArb = fc.option(fc.boolean(), { nil: undefined });

/**
 * A DSC key: the known keys and unknown lowercase ones (unknown `sentry-*` keys are kept).
 * Keys start with a letter so none is an array index, which objects would reorder.
 */
export const dscKeyArb = fc.oneof(
  fc.constantFrom(
    'trace_id',
    'public_key',
    'sample_rate',
    'sample_rand',
    'sampled',
    'release',
    'environment',
    'transaction',
    'org_id',
    'replay_id',
  ),
  fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/),
);

/** Characters that a baggage codec has to escape or that trip naive splitters. */
const TRICKY = [
  ' ',
  '\t',
  '=',
  ',',
  ';',
  '%',
  '%2',
  '%zz',
  '+',
  '"',
  '\\',
  '/',
  '?',
  '&',
  'é',
  '€',
  '😀',
  '\u00a0',
  'a',
];

/** `text` without control characters (U+0000-U+001F) and DEL. */
function withoutControls(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (code >= 0x20 && code !== 0x7f) out += c;
  }
  return out;
}

/**
 * A non-empty DSC value: arbitrary Unicode text (whole graphemes, so no lone surrogates:
 * those are not text and the Sentry SDK's encoder throws on them), or text built from
 * characters that need escaping. No control characters: a value holding one is dropped at
 * extract and never written (design decision 1; tested on its own in sentry-core.test.ts).
 */
export const dscValueArb = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
    fc.string({ unit: fc.constantFrom(...TRICKY), minLength: 1, maxLength: 12 }),
  )
  .map(withoutControls)
  .filter((value) => value !== '');

/** A non-empty DSC, small enough that neither side reaches the 8192-byte limit. */
export const dscArb: fc.Arbitrary<Record<string, string>> = fc.dictionary(dscKeyArb, dscValueArb, {
  minKeys: 1,
  maxKeys: 10,
  noNullPrototype: true,
});

/** A foreign (non-Sentry) baggage member, already encoded: `key=value[;property]`. */
export const foreignMemberArb = fc
  .record({
    key: fc.stringMatching(/^[a-z][a-z0-9_.*-]{0,10}$/).filter((k) => !k.startsWith('sentry-')),
    value: fc.string({ unit: 'grapheme', maxLength: 10 }),
    property: fc.option(fc.constantFrom('p', 'p=1', 'ttl=60'), { nil: undefined }),
  })
  .map(({ key, value, property }) => {
    const member = `${key}=${encodeURIComponent(value)}`;
    return property === undefined ? member : `${member};${property}`;
  });

/** Optional whitespace as W3C baggage allows it around members and `=`. */
export const owsArb = fc.constantFrom('', ' ', '\t', '  ');

/** An envelope header set as the exporter writes it. */
export const envelopeHeadersArb = fc.record(
  {
    event_id: traceIdArb,
    sent_at: fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
    sdk: fc.record({ name: fc.constant('otel-sentry.javascript'), version: fc.constantFrom('0.1.0', '1.2.3-beta.1') }),
    trace: dscArb,
  },
  { requiredKeys: ['event_id'] },
);

/** A JSON object payload with arbitrary (Unicode, nested) content. */
export const jsonObjectArb = fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), {
  maxKeys: 8,
  noNullPrototype: true,
});

/** A JSON item (header, payload) of a type the exporter sends. */
export const jsonItemArb = fc.record({
  headers: fc.record({ type: fc.constantFrom('transaction', 'event', 'session', 'sessions', 'client_report', 'span') }),
  payload: jsonObjectArb,
});

/** A binary attachment with at least one byte (bytes include `\n`, `{` and invalid UTF-8). */
export const attachmentArb = fc.record({
  filename: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
  data: fc.uint8Array({ minLength: 1, maxLength: 64 }),
});

/** Decodes UTF-8 bytes, as a receiver of an envelope item would. */
export function utf8(bytes: unknown): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`expected bytes, got ${typeof bytes}`);
  return new TextDecoder().decode(bytes);
}

/** The value as JSON gives it back: what a receiver sees of a payload. */
export function viaJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
