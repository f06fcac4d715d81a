import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  getDeferredDecision,
  getDynamicSamplingContext,
  getFrozenDsc,
  getReplayId,
  getSentryTraceFlags,
  isSamplingDeferred,
  recordDeferredDecision,
  setFrozenDsc,
  setReplayId,
  setSamplingDeferred,
  setSentryTraceFlags,
} from '../src/context.js';
import { freezeDsc } from '../src/dsc.js';
import { readIncomingDsc } from '../src/incoming-dsc.js';

const REPLAY = '0123456789abcdef0123456789abcdef';

describe('frozen DSC in the context', () => {
  it('is absent from the root context', () => {
    expect(getFrozenDsc(ROOT_CONTEXT)).toBeUndefined();
    expect(getDynamicSamplingContext(ROOT_CONTEXT)).toBeUndefined();
  });

  it('is set on a new context, leaving the given one as it was', () => {
    const frozen = freezeDsc({ trace_id: 'abc', release: '1' });
    const ctx = setFrozenDsc(ROOT_CONTEXT, frozen);
    expect(ctx).not.toBe(ROOT_CONTEXT);
    expect(getFrozenDsc(ctx)).toBe(frozen);
    expect(getDynamicSamplingContext(ctx)).toEqual({ trace_id: 'abc', release: '1' });
    expect(Object.isFrozen(getDynamicSamplingContext(ctx))).toBe(true);
    expect(getFrozenDsc(ROOT_CONTEXT)).toBeUndefined();
  });

  it('gives the lazily parsed DSC of incoming baggage', () => {
    const incoming = readIncomingDsc('sentry-release=2%2B,foreign=1')!;
    const ctx = setFrozenDsc(ROOT_CONTEXT, incoming.frozen);
    expect(getFrozenDsc(ctx)?.baggage).toBe('sentry-release=2%2B');
    expect(getDynamicSamplingContext(ctx)).toEqual({ release: '2+' });
  });

  it('survives other values being set on the context', () => {
    const frozen = freezeDsc({ a: 'b' });
    const ctx = setFrozenDsc(ROOT_CONTEXT, frozen).setValue(createContextKey('other'), 1);
    expect(getFrozenDsc(setReplayId(ctx, REPLAY))).toBe(frozen);
  });
});

describe('replay id in the context', () => {
  it('is absent from the root context', () => {
    expect(getReplayId(ROOT_CONTEXT)).toBeUndefined();
  });

  it('is stored normalized: lowercase, without dashes', () => {
    expect(getReplayId(setReplayId(ROOT_CONTEXT, REPLAY))).toBe(REPLAY);
    expect(getReplayId(setReplayId(ROOT_CONTEXT, '01234567-89AB-CDEF-0123-456789ABCDEF'))).toBe(REPLAY);
    expect(getReplayId(setReplayId(ROOT_CONTEXT, ` ${REPLAY.toUpperCase()} `))).toBe(REPLAY);
  });

  it('treats an id that is not a UUID as no id: nothing set, a stale one cleared', () => {
    const ctx = setReplayId(ROOT_CONTEXT, REPLAY);
    for (const bad of ['', 'abc', `${REPLAY}0`, '0'.repeat(32), 'g'.repeat(32), '0123456789abcdef0123456789abcdeg']) {
      expect(setReplayId(ROOT_CONTEXT, bad)).toBe(ROOT_CONTEXT);
      expect(getReplayId(setReplayId(ctx, bad))).toBeUndefined();
    }
  });

  it('is removed by undefined', () => {
    const ctx = setReplayId(ROOT_CONTEXT, REPLAY);
    expect(getReplayId(setReplayId(ctx, undefined))).toBeUndefined();
    expect(getReplayId(ctx)).toBe(REPLAY);
  });

  it('rides beside the frozen DSC without changing it', () => {
    const frozen = freezeDsc({ trace_id: 't', replay_id: 'stale' });
    const ctx = setReplayId(setFrozenDsc(ROOT_CONTEXT, frozen), REPLAY);
    expect(getReplayId(ctx)).toBe(REPLAY);
    expect(getDynamicSamplingContext(ctx)?.replay_id).toBe('stale');
    expect(getFrozenDsc(ctx)?.baggage).toBe('sentry-trace_id=t,sentry-replay_id=stale');
  });
});

describe('sentry-trace flags in the context', () => {
  it('are absent by default and kept as 8 bits', () => {
    expect(getSentryTraceFlags(ROOT_CONTEXT)).toBeUndefined();
    expect(getSentryTraceFlags(setSentryTraceFlags(ROOT_CONTEXT, 1))).toBe(1);
    expect(getSentryTraceFlags(setSentryTraceFlags(ROOT_CONTEXT, 0))).toBe(0);
    expect(getSentryTraceFlags(setSentryTraceFlags(ROOT_CONTEXT, 0x1ff))).toBe(0xff);
  });
});

describe('the decision on a deferred trace', () => {
  it('is recorded by a sampler here into the record the deferral brought, for every descendant context', () => {
    const deferred = setSamplingDeferred(ROOT_CONTEXT);
    expect(isSamplingDeferred(deferred)).toBe(true);
    expect(getDeferredDecision(deferred)).toBeUndefined();
    const below = deferred.setValue(createContextKey('span'), 'server span');
    recordDeferredDecision(below, false);
    expect(getDeferredDecision(deferred)).toBe(false);
    expect(getDeferredDecision(below)).toBe(false);
    recordDeferredDecision(deferred, true);
    expect(getDeferredDecision(below)).toBe(true);
  });

  it('is per deferral: another request of the trace has its own, and a context without one takes none', () => {
    const first = setSamplingDeferred(ROOT_CONTEXT);
    const second = setSamplingDeferred(ROOT_CONTEXT);
    recordDeferredDecision(first, false);
    expect(getDeferredDecision(second)).toBeUndefined();
    recordDeferredDecision(ROOT_CONTEXT, false);
    expect(getDeferredDecision(ROOT_CONTEXT)).toBeUndefined();
  });
});
