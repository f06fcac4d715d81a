import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import {
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  getFrozenDsc,
  getReplayId,
  parseBaggage,
  utf8Length,
} from '@otel-sentry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extract, inject, makePropagator } from './helpers.js';

const hexId = (length: number) =>
  fc
    .array(fc.constantFrom(...'0123456789abcdef'), { minLength: length, maxLength: length })
    .map((chars) => chars.join(''))
    .filter((id) => /[1-9a-f]/.test(id));

const headerValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 4 }),
  fc.constant(undefined),
  fc.integer(),
  fc.object(),
);
const headerName = fc.constantFrom(
  'sentry-trace',
  'Sentry-Trace',
  'baggage',
  'BAGGAGE',
  'traceparent',
  'tracestate',
  'x',
);

const propagators = [
  makePropagator(),
  makePropagator({ sentryTraceFlags: true, propagateTraceparent: true, getReplayId: () => 'junk' }),
];

describe('SentryPropagator properties', () => {
  it('never throws on arbitrary headers, and inject never throws after', () => {
    fc.assert(
      fc.property(
        fc.dictionary(headerName, headerValue),
        fc.dictionary(headerName, headerValue),
        (incoming, outgoing) => {
          for (const propagator of propagators) {
            const ctx = propagator.extract(ROOT_CONTEXT, incoming, defaultTextMapGetter);
            expect(() => propagator.inject(ctx, { ...outgoing }, defaultTextMapSetter)).not.toThrow();
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('round-trips trace id, span id, sampling and DSC bytes through inject then extract', () => {
    const dscValue = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((v) => v.trim() !== '');
    fc.assert(
      fc.property(
        hexId(32),
        hexId(16),
        fc.constantFrom(true, false),
        fc.dictionary(fc.constantFrom('release', 'environment', 'transaction', 'x_custom'), dscValue),
        fc.option(hexId(32), { nil: undefined }),
        (traceId, spanId, sampled, dsc, replayId) => {
          const baggage = Object.entries(dsc)
            .map(([k, v]) => `sentry-${k}=${encodeURIComponent(v)}`)
            .join(',');
          const headers: Record<string, string> = { 'sentry-trace': `${traceId}-${spanId}-${sampled ? 1 : 0}` };
          if (baggage !== '' || replayId) {
            headers.baggage = [baggage, replayId ? `sentry-replay_id=${replayId}` : ''].filter(Boolean).join(',');
          }
          const propagator = makePropagator();
          const first = extract(propagator, headers);
          const second = extract(propagator, inject(propagator, first));
          expect(trace.getSpanContext(second)).toEqual({
            traceId,
            spanId,
            traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
            isRemote: true,
          });
          expect(getFrozenDsc(second)?.baggage).toBe(getFrozenDsc(first)?.baggage);
          expect(getFrozenDsc(second)?.dsc).toEqual(getFrozenDsc(first)?.dsc);
          expect(getReplayId(second)).toBe(replayId);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never writes past the W3C limits, never cuts foreign members, never writes a sentry member twice', () => {
    const value = fc.string({ maxLength: 300 }).map(encodeURIComponent);
    const sentryKey = fc.constantFrom(
      'sentry-release',
      'sentry-environment',
      'sentry-replay_id',
      'sentry-a',
      'sentry-b',
    );
    const foreignKey = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom(...'abcdefgh') });
    fc.assert(
      fc.property(
        fc.dictionary(sentryKey, value),
        fc.array(fc.tuple(fc.oneof(sentryKey, foreignKey), value), { maxLength: 80 }),
        hexId(32),
        (incoming, existing, replayId) => {
          const propagator = makePropagator({ getReplayId: () => replayId });
          const ctx = extract(propagator, {
            'sentry-trace': `${'a'.repeat(32)}-${'b'.repeat(16)}-1`,
            baggage: Object.entries(incoming)
              .map(([k, v]) => `${k}=${v}`)
              .join(','),
          });
          const existingValue = existing.map(([k, v]) => `${k}=${v}`).join(',');
          const out = inject(propagator, ctx, existingValue === '' ? {} : { baggage: existingValue });
          const written = parseBaggage(out.baggage, { maxMembers: 1e9, maxBytes: 1e9 });
          const existingMembers = parseBaggage(existingValue, { maxMembers: 1e9, maxBytes: 1e9 });
          if (utf8Length(existingValue) <= BAGGAGE_MAX_BYTES && existingMembers.length <= BAGGAGE_MAX_MEMBERS) {
            expect(utf8Length(out.baggage ?? '')).toBeLessThanOrEqual(BAGGAGE_MAX_BYTES);
            expect(written.length).toBeLessThanOrEqual(BAGGAGE_MAX_MEMBERS);
          }
          const foreign = existingMembers.filter((m) => !m.key.startsWith('sentry-'));
          expect(written.slice(0, foreign.length)).toEqual(foreign);
          const sentryKeys = written.map((m) => m.key).filter((k) => k.startsWith('sentry-'));
          expect(new Set(sentryKeys).size).toBe(sentryKeys.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
