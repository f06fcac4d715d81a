import { defaultTextMapGetter, ROOT_CONTEXT, type TextMapGetter, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TraceState } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  EMPTY_FROZEN_DSC,
  flatContext,
  getDynamicSamplingContext,
  getFrozenDsc,
  getReplayId,
  getSentryTraceFlags,
} from '@otel-sentry/core';
import { describe, expect, it } from 'vitest';
import { isSamplingDeferred, SentryPropagator } from '../src/index.js';
import { extract, makeClient, makePropagator, REPLAY_ID, SENTRY_MEMBERS, SPAN_ID, TRACE_ID } from './helpers.js';

describe('SentryPropagator.extract: sentry-trace', () => {
  it('continues a sampled trace as a remote span context', () => {
    const ctx = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1` });
    expect(trace.getSpanContext(ctx)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(isSamplingDeferred(ctx)).toBe(false);
  });

  it('tells "not sampled" from "deferred"', () => {
    const notSampled = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-0` });
    const deferred = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}` });
    expect(trace.getSpanContext(notSampled)?.traceFlags).toBe(TraceFlags.NONE);
    expect(trace.getSpanContext(deferred)?.traceFlags).toBe(TraceFlags.NONE);
    expect(isSamplingDeferred(notSampled)).toBe(false);
    expect(isSamplingDeferred(deferred)).toBe(true);
  });

  it('freezes the sentry members as they arrived, and splits the replay id off', () => {
    const baggage = `other=1,${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID},last=2`;
    const ctx = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`, baggage });
    expect(getFrozenDsc(ctx)?.baggage).toBe(SENTRY_MEMBERS);
    const dsc = getDynamicSamplingContext(ctx);
    expect(dsc).toMatchObject({ trace_id: TRACE_ID, release: 'frontend@1.4.2', transaction: 'GET /api/users' });
    expect(dsc?.replay_id).toBeUndefined();
    expect(Object.isFrozen(dsc)).toBe(true);
    expect(getReplayId(ctx)).toBe(REPLAY_ID);
  });

  it('freezes the empty DSC when sentry-trace comes without sentry baggage', () => {
    const ctx = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`, baggage: 'other=1' });
    expect(getFrozenDsc(ctx)).toBe(EMPTY_FROZEN_DSC);
  });

  it('reads the fourth field', () => {
    const ctx = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1-01` });
    expect(getSentryTraceFlags(ctx)).toBe(1);
    expect(trace.getSpanContext(ctx)?.traceId).toBe(TRACE_ID);
  });

  it('takes the first of repeated sentry-trace values and every baggage value', () => {
    const ctx = extract(makePropagator(), {
      'sentry-trace': [`${TRACE_ID}-${SPAN_ID}-1`, `${'1'.repeat(32)}-${'2'.repeat(16)}-0`],
      baggage: ['a=1,sentry-release=r1', `sentry-environment=e1,sentry-replay_id=${REPLAY_ID}`],
    });
    expect(trace.getSpanContext(ctx)?.spanId).toBe(SPAN_ID);
    expect(getFrozenDsc(ctx)?.baggage).toBe('sentry-release=r1,sentry-environment=e1');
    expect(getReplayId(ctx)).toBe(REPLAY_ID);
  });

  it('finds headers whatever their case, even through an exact-match getter', () => {
    const ctx = extract(makePropagator(), {
      'Sentry-Trace': `${TRACE_ID}-${SPAN_ID}-1`,
      BAGGAGE: 'sentry-release=r1',
    });
    expect(trace.getSpanContext(ctx)?.traceId).toBe(TRACE_ID);
    expect(getFrozenDsc(ctx)?.baggage).toBe('sentry-release=r1');
  });

  it('keeps the tracestate a W3C propagator extracted for the same span context', () => {
    const state = new TraceState('vendor=x');
    const before = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: state,
    });
    const ctx = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1` }, before);
    expect(trace.getSpanContext(ctx)?.traceState).toBe(state);
  });
});

describe('SentryPropagator.extract: traceparent fallback', () => {
  it('continues a valid traceparent when there is no sentry-trace', () => {
    const ctx = extract(makePropagator(), {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      tracestate: 'vendor=x',
    });
    const spanContext = trace.getSpanContext(ctx);
    expect(spanContext).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
    expect(spanContext?.traceState?.get('vendor')).toBe('x');
    // No Sentry SDK upstream: the first Sentry hop creates the DSC, so none is frozen here.
    expect(getFrozenDsc(ctx)).toBeUndefined();
  });

  it('freezes sentry baggage that comes with a traceparent', () => {
    const ctx = extract(makePropagator(), {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-00`,
      baggage: `sentry-release=r1,sentry-replay_id=${REPLAY_ID}`,
    });
    expect(trace.getSpanContext(ctx)?.traceFlags).toBe(TraceFlags.NONE);
    expect(getFrozenDsc(ctx)?.baggage).toBe('sentry-release=r1');
    expect(getReplayId(ctx)).toBe(REPLAY_ID);
  });

  it('combines several tracestate values, within 32 members and 512 characters', () => {
    const traceparent = `00-${TRACE_ID}-${SPAN_ID}-01`;
    const values = ['rojo=00f067aa0ba902b7', 'congo=t61rcWkgMzE'];
    const fromArray = extract(makePropagator(), { traceparent, tracestate: values });
    expect(trace.getSpanContext(fromArray)?.traceState?.serialize()).toBe(values.join(','));
    // A header Node joined, with more members than the limit.
    const many = Array.from({ length: 40 }, (_, i) => `k${i}=v`);
    const joined = extract(makePropagator(), { traceparent, tracestate: many.join(', ') });
    expect(trace.getSpanContext(joined)?.traceState?.serialize()).toBe(many.slice(0, 32).join(','));
    const [b, c, d] = ['b', 'c', 'd'].map((k) => `${k}=${'x'.repeat(200)}`);
    const long = extract(makePropagator(), { traceparent, tracestate: ['a=1', `${b},${c}`, d!] });
    // 612 characters: the last long member goes, and what is left fits.
    expect(trace.getSpanContext(long)?.traceState?.serialize()).toBe(`a=1,${b},${c}`);
  });

  it('falls back to traceparent when sentry-trace does not parse', () => {
    const ctx = extract(makePropagator(), { 'sentry-trace': 'garbage', traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    expect(trace.getSpanContext(ctx)?.traceId).toBe(TRACE_ID);
  });
});

describe('SentryPropagator.extract: what it leaves alone', () => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ['uppercase hex', { 'sentry-trace': `${TRACE_ID.toUpperCase()}-${SPAN_ID}-1` }],
    ['all-zero trace id', { 'sentry-trace': `${'0'.repeat(32)}-${SPAN_ID}-1` }],
    ['bad sampled flag', { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-2` }],
    ['five fields', { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1-01-01` }],
    ['traceparent version ff', { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` }],
    ['non-string values', { 'sentry-trace': 42, traceparent: { x: 1 }, baggage: [1, 2] }],
    ['empty array', { 'sentry-trace': [] }],
  ];
  it.each(bad)('%s: returns the given context', (_name, headers) => {
    const given = ROOT_CONTEXT.setValue(Symbol('marker'), 1);
    expect(extract(makePropagator(), headers, given)).toBe(given);
  });

  it.each([
    ['nothing', {}],
    ['only baggage', { baggage: `sentry-release=r1,sentry-replay_id=${REPLAY_ID}` }],
  ])('no trace header (%s): a flat context with exactly the given values', (_name, headers) => {
    const marker = Symbol('marker');
    const given = ROOT_CONTEXT.setValue(marker, 1);
    const ctx = extract(makePropagator(), headers, given);
    expect(ctx.getValue(marker)).toBe(1);
    expect(trace.getSpanContext(ctx)).toBeUndefined();
    expect(getFrozenDsc(ctx)).toBeUndefined();
    expect(getReplayId(ctx)).toBeUndefined();
    expect(isSamplingDeferred(ctx)).toBe(false);
    // Flat already: what the request's trace derives from it copies a short array.
    expect(flatContext(ctx)).toBe(ctx);
    expect(flatContext(given)).not.toBe(given);
  });

  it('returns the given context when the getter throws', () => {
    const getter: TextMapGetter = {
      get: () => {
        throw new Error('broken carrier');
      },
      keys: () => [],
    };
    expect(makePropagator().extract(ROOT_CONTEXT, {}, getter)).toBe(ROOT_CONTEXT);
  });
});

describe('SentryPropagator.extract: the context it returns', () => {
  it("keeps the given context's values, and every context made from it keeps them all", async () => {
    const marker = Symbol('marker');
    const given = ROOT_CONTEXT.setValue(marker, 'kept');
    const baggage = `${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`;
    const ctx = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1-01`, baggage }, given);
    const tracer = new BasicTracerProvider().getTracer('t');
    const span = tracer.startSpan('child', {}, ctx);
    const manager = new AsyncLocalStorageContextManager().enable();
    try {
      // The way instrumentations use it: the active context, a span set on it, a value deleted.
      const derived = await manager.with(ctx, async () => {
        await Promise.resolve();
        return trace.setSpan(manager.active(), span).deleteValue(Symbol('absent'));
      });
      for (const c of [ctx, derived]) {
        expect(c.getValue(marker)).toBe('kept');
        expect(getFrozenDsc(c)?.baggage).toBe(SENTRY_MEMBERS);
        expect(getReplayId(c)).toBe(REPLAY_ID);
        expect(getSentryTraceFlags(c)).toBe(1);
      }
      expect(trace.getSpanContext(ctx)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true });
      expect(trace.getSpan(derived)).toBe(span);
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(given.getValue(marker)).toBe('kept');
      expect(getFrozenDsc(given)).toBeUndefined();
    } finally {
      manager.disable();
      span.end();
    }
  });
});

describe('SentryPropagator.extract: org_id', () => {
  const headers = (orgId: string) => ({
    'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`,
    baggage: `sentry-trace_id=${TRACE_ID},sentry-org_id=${orgId}`,
  });

  it('starts a new trace when the incoming org differs', () => {
    const propagator = new SentryPropagator({ client: makeClient({ orgId: '7' }) });
    expect(extract(propagator, headers('8'))).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(extract(propagator, headers('7')))?.traceId).toBe(TRACE_ID);
  });

  it('reads the org from the DSN when no client is given', () => {
    const propagator = new SentryPropagator({ dsn: 'https://abc@o7.ingest.sentry.io/1', env: false });
    expect(extract(propagator, headers('8'))).toBe(ROOT_CONTEXT);
  });

  it('in strict mode continues only when both sides know the same org', () => {
    const strict = new SentryPropagator({ client: makeClient({ orgId: '7', strictTraceContinuation: true }) });
    expect(extract(strict, { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1` })).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(extract(strict, headers('7')))?.traceId).toBe(TRACE_ID);
  });

  it('continues any trace when no org is known here', () => {
    const ctx = makePropagator().extract(ROOT_CONTEXT, headers('8'), defaultTextMapGetter);
    expect(trace.getSpanContext(ctx)?.traceId).toBe(TRACE_ID);
  });
});
