/**
 * Interop with the real Sentry SDK (`@sentry/core` 10 and 11) for the `sentry-trace`
 * header and the dynamic sampling context in `baggage`: what we write, they read the same;
 * what they write, we read the same. Envelopes are in `sentry-core-envelope.test.ts`.
 */
import { dscFromBaggage, dscToBaggage, formatSentryTrace, parseSentryTrace, readIncomingDsc } from '@otel-sentry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dscArb, foreignMemberArb, owsArb, SENTRY_SDKS, sampledArb, spanIdArb, traceIdArb } from './sentry-sdks.js';

const TRACE_ID = '771a43a4192642f0b136d5159a501700';
const SPAN_ID = '4d8b7d5e1c3a2f90';

/** A realistic DSC, in the order a Sentry SDK writes it. */
const REALISTIC_DSC = {
  trace_id: TRACE_ID,
  public_key: '49d0f7386ad645858ae85020e393bef3',
  sample_rate: '0.25',
  sample_rand: '0.123456',
  sampled: 'true',
  release: 'my-app@1.2.3+build 7',
  environment: 'production',
  transaction: 'GET /api/users/:id',
  org_id: '1',
};

/** The DSC as an ordered list of entries, whatever the object's prototype. */
function entries(dsc: Readonly<Record<string, string | undefined>> | undefined): [string, string | undefined][] {
  return dsc === undefined ? [] : Object.entries(dsc);
}

describe.each(SENTRY_SDKS)('interop with $name', ({ sdk }) => {
  describe('sentry-trace: ours → theirs', () => {
    it('reads the 3-field and 2-field (deferred) headers we write', () => {
      expect(
        sdk.extractTraceparentData(formatSentryTrace({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: true })),
      ).toEqual({ traceId: TRACE_ID, parentSpanId: SPAN_ID, parentSampled: true });
      expect(
        sdk.extractTraceparentData(formatSentryTrace({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: false })),
      ).toEqual({ traceId: TRACE_ID, parentSpanId: SPAN_ID, parentSampled: false });
      const deferred = sdk.extractTraceparentData(formatSentryTrace({ traceId: TRACE_ID, spanId: SPAN_ID }));
      expect(deferred).toEqual({ traceId: TRACE_ID, parentSpanId: SPAN_ID });
      expect(deferred?.parentSampled).toBeUndefined();
    });

    it('reads every default header we write with the same ids and decision (property)', () => {
      fc.assert(
        fc.property(traceIdArb, spanIdArb, sampledArb, (traceId, spanId, sampled) => {
          const header = formatSentryTrace({ traceId, spanId, sampled });
          const theirs = sdk.extractTraceparentData(header);
          expect(theirs).toBeDefined();
          expect(theirs?.traceId).toBe(traceId);
          expect(theirs?.parentSpanId).toBe(spanId);
          expect(theirs?.parentSampled).toBe(sampled);
        }),
      );
    });

    it('rejects the opt-in 4-field form, as protocol.md §1 says it does (expected: why flags are opt-in)', () => {
      const fourField = formatSentryTrace({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: true, flags: 0x01 });
      expect(fourField).toBe(`${TRACE_ID}-${SPAN_ID}-1-01`);
      expect(sdk.extractTraceparentData(fourField)).toBeUndefined();
      // ... while we accept it.
      expect(parseSentryTrace(fourField)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: true, flags: 1 });
    });

    it('rejects every 4-field header we write, and we read each back whole (property)', () => {
      fc.assert(
        fc.property(
          traceIdArb,
          spanIdArb,
          fc.boolean(),
          fc.integer({ min: 0, max: 255 }),
          (traceId, spanId, s, flags) => {
            const header = formatSentryTrace({ traceId, spanId, sampled: s, flags });
            expect(sdk.extractTraceparentData(header)).toBeUndefined();
            expect(parseSentryTrace(header)).toEqual({ traceId, spanId, sampled: s, flags });
          },
        ),
      );
    });
  });

  describe('sentry-trace: theirs → ours', () => {
    it('parses the headers they write', () => {
      expect(parseSentryTrace(sdk.generateSentryTraceHeader(TRACE_ID, SPAN_ID, true))).toEqual({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        sampled: true,
      });
      expect(parseSentryTrace(sdk.generateSentryTraceHeader(TRACE_ID, SPAN_ID, false))).toEqual({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        sampled: false,
      });
      const deferred = parseSentryTrace(sdk.generateSentryTraceHeader(TRACE_ID, SPAN_ID));
      expect(deferred).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID });
      expect(deferred).not.toHaveProperty('sampled');
    });

    it('parses the headers they generate with their own random ids', () => {
      for (const sampled of [true, false, undefined]) {
        const header = sdk.generateSentryTraceHeader(undefined, undefined, sampled);
        const theirs = sdk.extractTraceparentData(header);
        const ours = parseSentryTrace(header);
        expect(ours).toBeDefined();
        expect(ours?.traceId).toBe(theirs?.traceId);
        expect(ours?.spanId).toBe(theirs?.parentSpanId);
        expect(ours?.sampled).toBe(theirs?.parentSampled);
      }
    });

    it('parses every header they write to the same ids and decision (property)', () => {
      fc.assert(
        fc.property(traceIdArb, spanIdArb, sampledArb, (traceId, spanId, sampled) => {
          const header = sdk.generateSentryTraceHeader(traceId, spanId, sampled);
          const ours = parseSentryTrace(header);
          expect(ours?.traceId).toBe(traceId);
          expect(ours?.spanId).toBe(spanId);
          expect(ours?.sampled).toBe(sampled);
          expect(ours?.flags).toBeUndefined();
          // and each side round-trips the other's writing
          expect(formatSentryTrace({ traceId, spanId, sampled })).toBe(header);
        }),
      );
    });

    it('agrees on surrounding spaces and tabs', () => {
      const header = ` \t${TRACE_ID}-${SPAN_ID}-1\t `;
      expect(sdk.extractTraceparentData(header)).toEqual({
        traceId: TRACE_ID,
        parentSpanId: SPAN_ID,
        parentSampled: true,
      });
      expect(parseSentryTrace(header)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, sampled: true });
    });

    it('agrees that uppercase hex and a bad sampled flag are invalid', () => {
      for (const bad of [`${TRACE_ID.toUpperCase()}-${SPAN_ID}-1`, `${TRACE_ID}-${SPAN_ID.toUpperCase()}`]) {
        expect(sdk.extractTraceparentData(bad)).toBeUndefined();
        expect(parseSentryTrace(bad)).toBeUndefined();
      }
      for (const bad of [`${TRACE_ID}-${SPAN_ID}-2`, `${TRACE_ID}-${SPAN_ID}-true`, `${TRACE_ID}-${SPAN_ID}-1-`]) {
        expect(sdk.extractTraceparentData(bad)).toBeUndefined();
        expect(parseSentryTrace(bad)).toBeUndefined();
      }
    });

    it('anything we accept in the 2/3-field forms, they accept with the same fields (property)', () => {
      // Strings near the valid form: pieces of ids, dashes, flags and whitespace.
      const piece = fc.oneof(
        traceIdArb,
        spanIdArb,
        fc.constantFrom('-', '-1', '-0', '-2', ' ', '\t', 'A', '0', ''),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefABX- \t'), maxLength: 4 }),
      );
      const nearHeader = fc.oneof(
        fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('')),
        fc
          .tuple(owsArb, traceIdArb, spanIdArb, sampledArb, owsArb)
          .map(([a, t, s, sampled, b]) => `${a}${formatSentryTrace({ traceId: t, spanId: s, sampled })}${b}`),
      );
      fc.assert(
        fc.property(nearHeader, (header) => {
          const ours = parseSentryTrace(header);
          if (ours === undefined || ours.flags !== undefined) return;
          expect(sdk.extractTraceparentData(header)).toEqual({
            traceId: ours.traceId,
            parentSpanId: ours.spanId,
            parentSampled: ours.sampled,
          });
        }),
        { numRuns: 500 },
      );
    });

    it('differs on headers outside the protocol form: they match them, we reject them (ours pinned)', () => {
      // Their regular expression makes every field and every dash optional (protocol.md §1 quotes
      // it). Strings it matches that are not `<trace_id>-<span_id>[-<sampled>]` either give them an
      // object without ids (which makes them start a new trace: the same outcome as our
      // `undefined`) or are malformed headers we refuse rather than guess at.
      const outsideTheForm: [string, Record<string, unknown>][] = [
        ['-', {}],
        [TRACE_ID, { traceId: TRACE_ID }],
        [`${TRACE_ID}-1`, { traceId: TRACE_ID, parentSampled: true }],
        [`${TRACE_ID}${SPAN_ID}`, { traceId: TRACE_ID, parentSpanId: SPAN_ID }], // no dash
        [`${TRACE_ID}-${SPAN_ID}1`, { traceId: TRACE_ID, parentSpanId: SPAN_ID, parentSampled: true }],
        [`${TRACE_ID}-${SPAN_ID}-`, { traceId: TRACE_ID, parentSpanId: SPAN_ID }], // a dangling dash
      ];
      for (const [header, theirs] of outsideTheForm) {
        expect(sdk.extractTraceparentData(header)).toEqual(theirs);
        expect(parseSentryTrace(header)).toBeUndefined();
      }
    });

    it('differs on all-zero ids: they accept them, we reject them (ours pinned)', () => {
      // An all-zero id is invalid in W3C Trace Context (protocol.md §3), and continuing it would
      // join every broken client's spans into one trace; we start a new trace instead.
      const zeroTrace = `${'0'.repeat(32)}-${SPAN_ID}-1`;
      const zeroSpan = `${TRACE_ID}-${'0'.repeat(16)}-1`;
      expect(sdk.extractTraceparentData(zeroTrace)?.traceId).toBe('0'.repeat(32));
      expect(sdk.extractTraceparentData(zeroSpan)?.parentSpanId).toBe('0'.repeat(16));
      expect(parseSentryTrace(zeroTrace)).toBeUndefined();
      expect(parseSentryTrace(zeroSpan)).toBeUndefined();
    });
  });

  describe('baggage / DSC: ours → theirs', () => {
    it('reads a realistic DSC we write to the same object, in the same order', () => {
      const baggage = dscToBaggage(REALISTIC_DSC);
      expect(entries(sdk.baggageHeaderToDynamicSamplingContext(baggage))).toEqual(entries(REALISTIC_DSC));
    });

    it('reads values with spaces, "=", ",", ";", "%", quotes and Unicode', () => {
      const dsc = {
        release: 'a b=c,d;e%f',
        environment: 'staging ünïcödé 😀 日本',
        transaction: 'POST /a?b=1&c=%2F;x',
        percent: '100%',
        lonely_escape: '%2',
        spaces: '  padded  ',
        quote: '"\\',
        nbsp: '\u00a0x\u00a0',
      };
      const baggage = dscToBaggage(dsc);
      expect(entries(sdk.baggageHeaderToDynamicSamplingContext(baggage))).toEqual(entries(dsc));
    });

    it('reads every DSC we write to the same object (property)', () => {
      fc.assert(
        fc.property(dscArb, (dsc) => {
          expect(entries(sdk.baggageHeaderToDynamicSamplingContext(dscToBaggage(dsc)))).toEqual(entries(dsc));
        }),
        { numRuns: 300 },
      );
    });

    it('never gets a value holding a control character from us: we leave it out, as every receiver of ours drops it', () => {
      const baggage = dscToBaggage({ release: 'a\r\nX-Injected: 1', environment: 'prod', transaction: 'tab\there' });
      expect(baggage).toBe('sentry-environment=prod');
      expect(entries(sdk.baggageHeaderToDynamicSamplingContext(baggage))).toEqual([['environment', 'prod']]);
    });

    it('reads our members mixed with foreign ones, with whitespace, across several header values (property)', () => {
      fc.assert(
        fc.property(
          dscArb,
          fc.array(foreignMemberArb, { maxLength: 4 }),
          fc.array(owsArb, { minLength: 8, maxLength: 8 }),
          fc.integer({ min: 1, max: 3 }),
          fc.infiniteStream(fc.nat()),
          (dsc, foreign, ows, headerCount, positions) => {
            const members = dscToBaggage(dsc).split(',');
            for (const member of foreign) {
              members.splice(positions.next().value % (members.length + 1), 0, member);
            }
            const padded = members.map((m, i) => `${ows[i % 8]}${m}${ows[(i + 3) % 8]}`);
            const header: string | string[] =
              headerCount === 1
                ? padded.join(',')
                : Array.from({ length: headerCount }, (_, h) =>
                    padded.filter((_m, i) => i % headerCount === h).join(','),
                  );
            expect(entries(sdk.baggageHeaderToDynamicSamplingContext(header))).toEqual(entries(dscFromBaggage(header)));
            // ... and it is the DSC we started from (order aside: members were moved between values)
            expect(Object.fromEntries(entries(sdk.baggageHeaderToDynamicSamplingContext(header)))).toEqual(dsc);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('both skip empty values on write', () => {
      const dsc = { release: '', environment: 'prod' };
      expect(dscToBaggage(dsc)).toBe('sentry-environment=prod');
      expect(sdk.dynamicSamplingContextToSentryBaggageHeader(dsc)).toBe('sentry-environment=prod');
    });
  });

  describe('baggage / DSC: theirs → ours', () => {
    it('reads a realistic DSC they write to the same object, in the same order', () => {
      const baggage = sdk.dynamicSamplingContextToSentryBaggageHeader(REALISTIC_DSC);
      expect(entries(dscFromBaggage(baggage))).toEqual(entries(REALISTIC_DSC));
    });

    it('reads values with spaces, "=", ",", ";", "%", quotes and Unicode', () => {
      const dsc = {
        release: 'a b=c,d;e%f',
        environment: 'staging ünïcödé 😀 日本',
        transaction: 'POST /a?b=1&c=%2F;x',
        percent: '100%',
        lonely_escape: '%2',
        spaces: '  padded  ',
        quote: '"\\',
      };
      const baggage = sdk.dynamicSamplingContextToSentryBaggageHeader(dsc);
      expect(entries(dscFromBaggage(baggage))).toEqual(entries(dsc));
    });

    it('drops, at extract, a value of theirs that decodes to a control character; keeps the rest byte for byte', () => {
      const baggage = sdk.dynamicSamplingContextToSentryBaggageHeader({
        trace_id: TRACE_ID,
        release: 'a\r\nX-Injected: 1',
        environment: 'café',
      });
      const incoming = readIncomingDsc(baggage);
      expect(incoming?.frozen.baggage).toBe(`sentry-trace_id=${TRACE_ID},sentry-environment=caf%C3%A9`);
      expect(entries(incoming?.frozen.dsc)).toEqual([
        ['trace_id', TRACE_ID],
        ['environment', 'café'],
      ]);
      expect(entries(dscFromBaggage(baggage))).toEqual(entries(incoming?.frozen.dsc));
    });

    it('reads every DSC they write to the same object (property)', () => {
      fc.assert(
        fc.property(dscArb, (dsc) => {
          expect(entries(dscFromBaggage(sdk.dynamicSamplingContextToSentryBaggageHeader(dsc)))).toEqual(entries(dsc));
        }),
        { numRuns: 300 },
      );
    });

    it('reads their members mixed with foreign ones, across several header values, as they do (property)', () => {
      fc.assert(
        fc.property(
          dscArb,
          fc.array(foreignMemberArb, { maxLength: 4 }),
          fc.integer({ min: 1, max: 3 }),
          (dsc, foreign, headerCount) => {
            const members = [...(sdk.dynamicSamplingContextToSentryBaggageHeader(dsc) ?? '').split(','), ...foreign];
            const header = Array.from({ length: headerCount }, (_, h) =>
              members.filter((_m, i) => i % headerCount === h).join(','),
            );
            expect(entries(dscFromBaggage(header))).toEqual(entries(sdk.baggageHeaderToDynamicSamplingContext(header)));
            expect(Object.fromEntries(entries(dscFromBaggage(header)))).toEqual(dsc);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('agrees that a repeated key keeps its last value, across header values too', () => {
      const header = ['sentry-release=1,other=x', 'sentry-environment=prod,sentry-release=2'];
      expect(entries(dscFromBaggage(header))).toEqual(entries(sdk.baggageHeaderToDynamicSamplingContext(header)));
      expect(dscFromBaggage(header)).toEqual({ release: '2', environment: 'prod' });
    });

    it('agrees that baggage without sentry- members gives no DSC', () => {
      for (const header of ['other=1,vendor=2', '', ['a=1', 'b=2'], 'sentryx=1']) {
        expect(sdk.baggageHeaderToDynamicSamplingContext(header)).toBeUndefined();
        expect(dscFromBaggage(header)).toBeUndefined();
      }
    });
  });

  describe('baggage / DSC: documented differences (ours pinned)', () => {
    it('member properties: W3C metadata to us, part of the value to them', () => {
      // W3C Baggage: `key=value;prop` carries `prop` as metadata, not as part of the value
      // (protocol.md §3). Their reader splits members on ',' and the first '=' only, so the
      // property lands in the value. Neither side writes properties on sentry- members.
      const header = 'sentry-release=1.0;ttl=60,sentry-environment=prod';
      expect(dscFromBaggage(header)).toEqual({ release: '1.0', environment: 'prod' });
      expect(sdk.baggageHeaderToDynamicSamplingContext(header)).toEqual({ release: '1.0;ttl=60', environment: 'prod' });
    });

    it('a malformed escape: we keep what can be read, they drop the member', () => {
      // protocol.md §3: invalid input decodes leniently (invalid UTF-8 → U+FFFD); a bad escape
      // should not lose the whole value. Their `decodeURIComponent` throws and the member goes.
      const header = 'sentry-release=100%,sentry-environment=%E9t%C3%A9';
      expect(dscFromBaggage(header)).toEqual({ release: '100', environment: '\ufffdt\u00e9' });
      expect(sdk.baggageHeaderToDynamicSamplingContext(header)).toBeUndefined();
    });

    it('a lone surrogate: we write U+FFFD, their encoder throws', () => {
      // Not text, so outside the property tests' domain; a span attribute can still hold one.
      const dsc = { transaction: 'a\ud800b' };
      expect(dscToBaggage(dsc)).toBe('sentry-transaction=a%EF%BF%BDb');
      expect(sdk.baggageHeaderToDynamicSamplingContext(dscToBaggage(dsc))).toEqual({ transaction: 'a\ufffdb' });
      expect(() => sdk.dynamicSamplingContextToSentryBaggageHeader(dsc)).toThrow(URIError);
    });
  });
});
