import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { getFrozenDsc, getReplayId } from '@otel-sentry/core';
import { describe, expect, it } from 'vitest';
import type { SentryPropagatorOptions } from '../src/index.js';
import { makePropagator, REPLAY_ID, SENTRY_MEMBERS, SPAN_ID, TRACE_ID, withChild } from './helpers.js';

function composite(replayId?: string, options: SentryPropagatorOptions = {}) {
  return new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new W3CBaggagePropagator(),
      makePropagator(replayId === undefined ? options : { getReplayId: () => replayId, ...options }),
    ],
  });
}

describe('SentryPropagator beside the W3C propagators', () => {
  it('lists every header of the three', () => {
    expect(composite().fields()).toEqual(['traceparent', 'tracestate', 'baggage', 'sentry-trace']);
  });

  it('extracts one trace and re-sends the frozen members once, byte for byte, after the foreign ones', () => {
    const propagator = composite();
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      {
        traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
        tracestate: 'vendor=x',
        'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`,
        baggage: `team=payments,${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`,
      },
      defaultTextMapGetter,
    );
    expect(trace.getSpanContext(ctx)?.traceState?.get('vendor')).toBe('x');
    expect(getFrozenDsc(ctx)?.baggage).toBe(SENTRY_MEMBERS);
    expect(getReplayId(ctx)).toBe(REPLAY_ID);

    const child = withChild(ctx);
    const out: Record<string, string> = {};
    propagator.inject(child, out, defaultTextMapSetter);
    const spanId = trace.getSpan(child)!.spanContext().spanId;
    expect(out.traceparent).toBe(`00-${TRACE_ID}-${spanId}-01`);
    expect(out['sentry-trace']).toBe(`${TRACE_ID}-${spanId}-1`);
    // W3CBaggagePropagator re-sent every member it extracted, re-encoded; ours replace its sentry copies.
    expect(out.baggage).toBe(`team=payments,${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`);
  });

  it('sends the current replay id, not the one W3C baggage carried along', () => {
    const next = 'ffeeddccbbaa99887766554433221100';
    const propagator = composite(next);
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`, baggage: `${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}` },
      defaultTextMapGetter,
    );
    const out: Record<string, string> = {};
    propagator.inject(withChild(ctx), out, defaultTextMapSetter);
    expect(out.baggage).toBe(`${SENTRY_MEMBERS},sentry-replay_id=${next}`);
  });

  it('lets no sentry member out to a request outside the targets, not even the ones W3C baggage copied', () => {
    const propagator = composite(undefined, { tracePropagationTargets: ['api.example.com'] });
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      {
        'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`,
        baggage: `team=payments,${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`,
      },
      defaultTextMapGetter,
    );
    const third: Record<string, string> = {};
    propagator.inject(withChild(ctx, 'GET', { 'url.full': 'https://third-party.io/' }), third, defaultTextMapSetter);
    expect(third.baggage).toBe('team=payments');
    expect(third['sentry-trace']).toBeUndefined();
    const own: Record<string, string> = {};
    propagator.inject(withChild(ctx, 'GET', { 'url.full': 'https://api.example.com/' }), own, defaultTextMapSetter);
    expect(own.baggage).toBe(`team=payments,${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`);
  });

  it('adds nothing of its own to a carrier that already holds a sentry-trace', () => {
    const propagator = composite();
    const ctx = propagator.extract(
      ROOT_CONTEXT,
      { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`, baggage: SENTRY_MEMBERS },
      defaultTextMapGetter,
    );
    const forwarded = `${'1'.repeat(32)}-${'2'.repeat(16)}-1`;
    const out: Record<string, string> = { 'sentry-trace': forwarded };
    propagator.inject(withChild(ctx), out, defaultTextMapSetter);
    expect(out['sentry-trace']).toBe(forwarded);
    // What W3C baggage copied is its own doing; no sentry member of ours was added to it.
    expect(out.baggage?.split(',').filter((m) => m.startsWith('sentry-'))).toHaveLength(
      SENTRY_MEMBERS.split(',').length,
    );
  });
});
