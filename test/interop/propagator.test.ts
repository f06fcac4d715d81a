/**
 * Interop with the real Sentry JavaScript SDK (`@sentry/core` 11 and 10) as the oracle:
 * what we write parses with their parsers to the same trace, and what they write extracts
 * correctly with ours.
 */
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  createClient,
  getDynamicSamplingContext,
  getFrozenDsc,
  getReplayId,
  getSentryTraceFlags,
  getSpanData,
} from '@otel-sentry/core';
import { isSamplingDeferred, SentryPropagator } from '@otel-sentry/propagator';
import * as sentry11 from '@sentry/core';
import * as sentry10 from '@sentry/core-v10';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const oracles = [
  ['@sentry/core 11', sentry11],
  ['@sentry/core 10', sentry10],
] as const;

const tracer = new BasicTracerProvider().getTracer('interop');
const REPLAY_ID = '6a2b1f0c9d8e4f7a8b3c2d1e0f9a8b7c';

const hexId = (length: number) =>
  fc
    .array(fc.constantFrom(...'0123456789abcdef'), { minLength: length, maxLength: length })
    .map((chars) => chars.join(''))
    .filter((id) => /[1-9a-f]/.test(id));
// Values a real DSC holds: any text, including characters that must be percent-encoded.
const dscValue = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }).filter((v) => v.trim() === v && v !== '');
const dscShape = fc.record(
  {
    release: dscValue,
    environment: dscValue,
    transaction: dscValue,
    public_key: hexId(32),
    sample_rate: fc.constantFrom('1', '0.5', '0.001'),
    sample_rand: fc.constantFrom('0.000000', '0.123456', '0.999999'),
    org_id: fc.constantFrom('1', '4509'),
  },
  { requiredKeys: [] },
);

function headersOf(propagator: SentryPropagator, ctx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  propagator.inject(ctx, out, defaultTextMapSetter);
  return out;
}

function newPropagator(options: ConstructorParameters<typeof SentryPropagator>[0] = {}) {
  return new SentryPropagator({ client: createClient({ env: false, release: 'api@1.0.0' }), ...options });
}

describe.each(oracles)('our headers, read by %s', (_name, sentry) => {
  it('continue the same trace, parent span and sampling, with the same DSC', () => {
    fc.assert(
      fc.property(hexId(32), hexId(16), fc.boolean(), dscShape, (traceId, spanId, sampled, shape) => {
        const dsc = { trace_id: traceId, ...shape, sampled: String(sampled) };
        const propagator = newPropagator();
        const incoming = propagator.extract(
          ROOT_CONTEXT,
          {
            'sentry-trace': `${traceId}-${spanId}-${sampled ? 1 : 0}`,
            baggage: `${sentry.dynamicSamplingContextToSentryBaggageHeader(dsc)},sentry-replay_id=${REPLAY_ID}`,
          },
          defaultTextMapGetter,
        );
        const child = tracer.startSpan('call', {}, incoming);
        const out = headersOf(propagator, trace.setSpan(incoming, child));

        expect(sentry.extractTraceparentData(out['sentry-trace'])).toEqual({
          traceId,
          parentSpanId: child.spanContext().spanId,
          parentSampled: sampled,
        });
        expect(sentry.baggageHeaderToDynamicSamplingContext(out.baggage)).toEqual({
          ...getDynamicSamplingContext(incoming),
          replay_id: REPLAY_ID,
        });
        expect(sentry.baggageHeaderToDynamicSamplingContext(out.baggage)).toEqual({ ...dsc, replay_id: REPLAY_ID });
      }),
      { numRuns: 200 },
    );
  });

  it('carry the DSC the head of a trace created', () => {
    const propagator = newPropagator({ getReplayId: () => REPLAY_ID });
    const root = tracer.startSpan('checkout', {}, ROOT_CONTEXT);
    const out = headersOf(propagator, trace.setSpan(ROOT_CONTEXT, root));
    const frozen = getSpanData(root)?.frozenDsc?.dsc;
    expect(sentry.extractTraceparentData(out['sentry-trace'])).toEqual({
      traceId: root.spanContext().traceId,
      parentSpanId: root.spanContext().spanId,
      parentSampled: true,
    });
    const theirs = sentry.baggageHeaderToDynamicSamplingContext(out.baggage);
    expect(theirs).toEqual({ ...frozen, replay_id: REPLAY_ID });
    expect(theirs).toMatchObject({ release: 'api@1.0.0', transaction: 'checkout', sampled: 'true' });
  });

  it('keep a deferred decision deferred', () => {
    const propagator = newPropagator();
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      { 'sentry-trace': `${'a'.repeat(32)}-${'b'.repeat(16)}` },
      defaultTextMapGetter,
    );
    expect(sentry.extractTraceparentData(headersOf(propagator, ctx)['sentry-trace'])).toEqual({
      traceId: 'a'.repeat(32),
      parentSpanId: 'b'.repeat(16),
      parentSampled: undefined,
    });
  });

  it('use the four-field form only when asked, since Sentry SDKs reject it', () => {
    const root = tracer.startSpan('page', {}, ROOT_CONTEXT);
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    const plain = headersOf(newPropagator({ getReplayId: () => REPLAY_ID }), ctx)['sentry-trace'];
    expect(plain).toMatch(sentry.TRACEPARENT_REGEXP);
    expect(sentry.extractTraceparentData(plain)?.traceId).toBe(root.spanContext().traceId);
    const flagged = headersOf(newPropagator({ getReplayId: () => REPLAY_ID, sentryTraceFlags: true }), ctx)[
      'sentry-trace'
    ];
    expect(flagged).toBe(`${plain}-01`);
    expect(flagged).not.toMatch(sentry.TRACEPARENT_REGEXP);
  });
});

describe.each(oracles)('headers written by %s, read by us', (_name, sentry) => {
  it('continue the same trace with the same DSC, the replay id split off', () => {
    fc.assert(
      fc.property(
        hexId(32),
        hexId(16),
        fc.option(fc.boolean(), { nil: undefined }),
        dscShape,
        fc.option(hexId(32), { nil: undefined }),
        (traceId, spanId, sampled, shape, replayId) => {
          const dsc: Record<string, string> = { trace_id: traceId, ...shape };
          if (sampled !== undefined) dsc.sampled = String(sampled);
          if (replayId !== undefined) dsc.replay_id = replayId;
          const headers = {
            'sentry-trace': sentry.generateSentryTraceHeader(traceId, spanId, sampled),
            baggage: sentry.dynamicSamplingContextToSentryBaggageHeader(dsc),
          };
          const ctx = newPropagator().extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
          expect(trace.getSpanContext(ctx)).toEqual({
            traceId,
            spanId,
            traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
            isRemote: true,
          });
          expect(isSamplingDeferred(ctx)).toBe(sampled === undefined);
          const { replay_id: _replay, ...frozenPart } = dsc;
          expect(getDynamicSamplingContext(ctx)).toEqual(frozenPart);
          expect(getReplayId(ctx)).toBe(replayId);
          expect(getSentryTraceFlags(ctx)).toBeUndefined();
          // What their parser reads back from our frozen bytes is what they wrote.
          expect(sentry.baggageHeaderToDynamicSamplingContext(getFrozenDsc(ctx)?.baggage)).toEqual(frozenPart);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('match their reading of an incoming request', () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const sentryTrace = sentry.generateSentryTraceHeader(traceId, 'b7ad6b7169203331', true);
    const baggage = `other=1,${sentry.dynamicSamplingContextToSentryBaggageHeader({ trace_id: traceId, release: 'r@1', environment: 'prod' })}`;
    const theirs = sentry.propagationContextFromHeaders(sentryTrace, baggage);
    const ours = newPropagator().extract(ROOT_CONTEXT, { 'sentry-trace': sentryTrace, baggage }, defaultTextMapGetter);
    expect(trace.getSpanContext(ours)?.traceId).toBe(theirs.traceId);
    expect(trace.getSpanContext(ours)?.spanId).toBe(theirs.parentSpanId);
    // They add a derived sample_rand to the DSC they keep; ours stays frozen as it arrived
    // (deriving sample_rand is the sampler's job, beside the DSC).
    const { sample_rand: derived, ...received } = theirs.dsc ?? {};
    expect(derived).toMatch(/^0\.\d+$/);
    expect(getDynamicSamplingContext(ours)).toEqual(received);
  });
});
