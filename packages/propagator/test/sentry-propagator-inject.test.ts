import { type Context, ROOT_CONTEXT, type TextMapSetter, TraceFlags, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { BasicTracerProvider, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import {
  dscFromBaggage,
  ensureSpanData,
  freezeDsc,
  getSpanData,
  getTraceFrozenDsc,
  parseSentryTrace,
  setFrozenDsc,
  setReplayId,
} from '@otel-sentry/core';
import { describe, expect, it, vi } from 'vitest';
import { isSamplingDeferred, SentryPropagator } from '../src/index.js';
import {
  extract,
  inject,
  makeClient,
  makePropagator,
  REPLAY_ID,
  SENTRY_MEMBERS,
  SPAN_ID,
  sentryPart,
  TRACE_ID,
  tracer,
  withChild,
} from './helpers.js';

const OTHER_REPLAY = 'ffeeddccbbaa99887766554433221100';

function continued(headers: Record<string, unknown> = {}): Context {
  return extract(makePropagator(), {
    'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`,
    baggage: `foreign=1,${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`,
    ...headers,
  });
}

describe('SentryPropagator.inject: continuing a trace', () => {
  it('writes the active span and re-sends the frozen members byte for byte, replay id beside them', () => {
    const ctx = withChild(continued());
    const span = trace.getSpan(ctx)!;
    const out = inject(makePropagator(), ctx);
    expect(out['sentry-trace']).toBe(`${TRACE_ID}-${span.spanContext().spanId}-1`);
    expect(out.baggage).toBe(`${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`);
    expect(out.traceparent).toBeUndefined();
  });

  it('re-sends the remote span context as is when no span was started', () => {
    const out = inject(makePropagator(), continued());
    expect(out['sentry-trace']).toBe(`${TRACE_ID}-${SPAN_ID}-1`);
  });

  it('keeps a deferred decision deferred, and writes the one a sampler made', () => {
    const deferred = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}` });
    expect(inject(makePropagator(), deferred)['sentry-trace']).toBe(`${TRACE_ID}-${SPAN_ID}`);
    // The default ParentBased sampler reads TraceFlags.NONE as "not sampled": still deferred.
    const unsampled = trace.getSpan(withChild(deferred))!;
    expect(inject(makePropagator(), trace.setSpan(deferred, unsampled))['sentry-trace']).toBe(
      `${TRACE_ID}-${unsampled.spanContext().spanId}`,
    );
    // A sampler that sees the deferral decides here, and that decision travels on.
    const deciding = new BasicTracerProvider({
      sampler: {
        shouldSample: (context) => ({
          decision: isSamplingDeferred(context) ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
        }),
        toString: () => 'DeferredAwareSampler',
      },
    }).getTracer('deciding');
    const sampled = deciding.startSpan('sampled here', {}, deferred);
    expect(sampled.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    const out = inject(makePropagator(), trace.setSpan(deferred, sampled));
    expect(out['sentry-trace']).toBe(`${TRACE_ID}-${sampled.spanContext().spanId}-1`);
  });

  it('writes -0 for a trace sampled out upstream', () => {
    const ctx = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-0` });
    expect(inject(makePropagator(), ctx)['sentry-trace']).toBe(`${TRACE_ID}-${SPAN_ID}-0`);
  });

  it('does not let a DSC of another trace travel with a new root started in its context', () => {
    const ctx = continued();
    const root = tracer.startSpan('background job', { root: true }, ctx);
    const out = inject(makePropagator(), trace.setSpan(ctx, root));
    const dsc = dscFromBaggage(out.baggage);
    expect(dsc?.trace_id).toBe(root.spanContext().traceId);
    expect(dsc?.trace_id).not.toBe(TRACE_ID);
  });

  it('checks a DSC set in the context by other code against the active trace, unparsed', () => {
    const span = tracer.startSpan('op', {}, ROOT_CONTEXT);
    const traceId = span.spanContext().traceId;
    const mine = freezeDsc({ release: 'r', trace_id: traceId });
    const foreign = freezeDsc({ trace_id: TRACE_ID, release: 'r' });
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    expect(inject(makePropagator(), setFrozenDsc(ctx, mine)).baggage).toBe(mine.baggage);
    expect(dscFromBaggage(inject(makePropagator(), setFrozenDsc(ctx, foreign)).baggage)?.trace_id).toBe(traceId);
  });
});

describe('SentryPropagator.inject: head of a trace', () => {
  it('builds, hooks and freezes the DSC once, on the local root', () => {
    const client = makeClient({
      dsn: 'https://pubkey@o42.ingest.sentry.io/9',
      release: 'api@3.1.0',
      environment: 'staging',
      tracesSampleRate: 0.5,
    });
    const createDsc = vi.fn((dsc: Record<string, string | undefined>, _rootSpan: unknown) => {
      dsc.custom = 'from-hook';
    });
    client.on('createDsc', createDsc);
    const propagator = new SentryPropagator({ client });

    const root = tracer.startSpan('checkout', {}, ROOT_CONTEXT);
    const rootCtx = trace.setSpan(ROOT_CONTEXT, root);
    const first = trace.getSpan(withChild(rootCtx, 'first call'))!;
    const second = trace.getSpan(withChild(rootCtx, 'second call'))!;
    // What SentrySpanProcessor.onStart records: each span's local root.
    ensureSpanData(first).root = root;
    ensureSpanData(second).root = root;

    const a = inject(propagator, trace.setSpan(rootCtx, first));
    const b = inject(propagator, trace.setSpan(rootCtx, second));
    expect(createDsc).toHaveBeenCalledTimes(1);
    expect(createDsc.mock.calls[0]?.[1]).toBe(root);
    expect(a.baggage).toBe(b.baggage);
    expect(getTraceFrozenDsc(first)?.baggage).toBe(a.baggage);

    const dsc = dscFromBaggage(a.baggage)!;
    expect(Object.keys(dsc)).toEqual([
      'trace_id',
      'public_key',
      'sample_rate',
      'sample_rand',
      'sampled',
      'release',
      'environment',
      'transaction',
      'org_id',
      'custom',
    ]);
    expect(dsc).toMatchObject({
      trace_id: root.spanContext().traceId,
      public_key: 'pubkey',
      sample_rate: '0.5',
      sampled: 'true',
      release: 'api@3.1.0',
      environment: 'staging',
      transaction: 'checkout',
      org_id: '42',
      custom: 'from-hook',
    });
    // sample_rand < sample_rate ⇔ sampled
    expect(Number(dsc.sample_rand)).toBeLessThan(0.5);
    expect(dsc.sample_rand).toMatch(/^0\.\d{6}$/);
  });

  it('uses the sampling record of the root when the span processor made one', () => {
    const root = tracer.startSpan('job', {}, ROOT_CONTEXT);
    Object.assign(ensureSpanData(root), { sampleRate: 0.1, sampleRand: 0.0421234567 });
    const dsc = dscFromBaggage(inject(makePropagator(), trace.setSpan(ROOT_CONTEXT, root)).baggage)!;
    expect(dsc.sample_rate).toBe('0.1');
    expect(dsc.sample_rand).toBe('0.042123');
  });

  it('without a span processor the span itself holds the DSC', () => {
    const span = tracer.startSpan('alone', {}, ROOT_CONTEXT);
    const out = inject(makePropagator(), trace.setSpan(ROOT_CONTEXT, span));
    expect(getSpanData(span)?.frozenDsc?.baggage).toBe(out.baggage);
  });

  it.each([
    ['a span named by code', 'checkout', {}, 'checkout'],
    [
      'an HTTP span with a route',
      'GET',
      { 'http.request.method': 'GET', 'http.route': '/users/:id' },
      'GET /users/:id',
    ],
    ['an HTTP span without a route', 'GET /users/42', { 'http.method': 'GET' }, undefined],
    ['sentry.source url', '/users/42', { 'sentry.source': 'url' }, undefined],
    ['sentry.source route', 'GET /users/:id', { 'sentry.source': 'route' }, 'GET /users/:id'],
  ])('transaction of %s', (_case, name, attributes, expected) => {
    const root = tracer.startSpan(name, { attributes }, ROOT_CONTEXT);
    const dsc = dscFromBaggage(inject(makePropagator(), trace.setSpan(ROOT_CONTEXT, root)).baggage)!;
    expect(dsc.transaction).toBe(expected);
  });

  it('keeps sample_rand consistent with a decision not to sample', () => {
    const ctx = extract(makePropagator(), { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` });
    const propagator = new SentryPropagator({ client: makeClient({ tracesSampleRate: 0.3 }) });
    const dsc = dscFromBaggage(inject(propagator, ctx).baggage)!;
    expect(dsc.sampled).toBe('false');
    expect(Number(dsc.sample_rand)).toBeGreaterThanOrEqual(0.3);
    expect(dsc.trace_id).toBe(TRACE_ID);
  });
});

describe('SentryPropagator.inject: replay id', () => {
  it('takes the id from getReplayId over the one in the context', () => {
    const source = vi.fn(() => OTHER_REPLAY.toUpperCase());
    const ctx = withChild(continued());
    const out = inject(makePropagator({ getReplayId: source }), ctx);
    expect(source).toHaveBeenCalledWith(ctx);
    expect(out.baggage).toBe(`${SENTRY_MEMBERS},sentry-replay_id=${OTHER_REPLAY}`);
  });

  it('adds a replay id set after the DSC froze', () => {
    const root = tracer.startSpan('ssr page', {}, ROOT_CONTEXT);
    const rootCtx = trace.setSpan(ROOT_CONTEXT, root);
    const before = inject(makePropagator(), rootCtx).baggage;
    const after = inject(makePropagator(), setReplayId(rootCtx, REPLAY_ID)).baggage;
    expect(after).toBe(`${before},sentry-replay_id=${REPLAY_ID}`);
  });

  it('lets the current id win over one a createDsc hook froze in, and drops that stale one when no replay is current', () => {
    const client = makeClient();
    client.on('createDsc', (dsc) => {
      dsc.replay_id = OTHER_REPLAY;
    });
    let current: string | undefined = REPLAY_ID;
    const propagator = new SentryPropagator({ client, getReplayId: () => current });
    const rootCtx = trace.setSpan(ROOT_CONTEXT, tracer.startSpan('page', {}, ROOT_CONTEXT));
    const withCurrent = inject(propagator, rootCtx).baggage;
    expect(sentryPart(withCurrent).filter((m) => m.startsWith('sentry-replay_id='))).toEqual([
      `sentry-replay_id=${REPLAY_ID}`,
    ]);
    current = undefined;
    expect(inject(propagator, rootCtx).baggage).not.toContain('sentry-replay_id');
    // Without a replay-id source (a backend), a frozen DSC is re-sent as it is.
    expect(inject(new SentryPropagator({ client }), rootCtx).baggage).toContain(`sentry-replay_id=${OTHER_REPLAY}`);
  });

  it('survives a throwing or nonsensical getReplayId', () => {
    const throwing = makePropagator({
      getReplayId: () => {
        throw new Error('recorder gone');
      },
    });
    expect(inject(throwing, withChild(continued())).baggage).toContain(`sentry-replay_id=${REPLAY_ID}`);
    const junk = makePropagator({ getReplayId: () => 'not-a-uuid' });
    expect(inject(junk, withChild(continued())).baggage).toContain(`sentry-replay_id=${REPLAY_ID}`);
  });
});

describe('SentryPropagator.inject: options', () => {
  it('writes the 4-field form only when asked, with the has-replay bit', () => {
    const ctx = withChild(continued());
    expect(parseSentryTrace(inject(makePropagator(), ctx)['sentry-trace'])?.flags).toBeUndefined();
    const flagged = makePropagator({ sentryTraceFlags: true });
    expect(inject(flagged, ctx)['sentry-trace']).toMatch(/^[0-9a-f]{32}-[0-9a-f]{16}-1-01$/);
    const noReplay = withChild(extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1` }));
    expect(inject(flagged, noReplay)['sentry-trace']).toMatch(/-1-00$/);
  });

  it('passes on flag bits that arrived, clearing has-replay when the replay source knows of none', () => {
    const ctx = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1-81` });
    expect(inject(makePropagator({ sentryTraceFlags: true }), ctx)['sentry-trace']).toMatch(/-1-81$/);
    const source = makePropagator({ sentryTraceFlags: true, getReplayId: () => undefined });
    expect(inject(source, ctx)['sentry-trace']).toMatch(/-1-80$/);
  });

  it('writes traceparent when asked, unless the carrier has one', () => {
    const propagator = makePropagator({ propagateTraceparent: true });
    expect(propagator.fields()).toEqual(['sentry-trace', 'baggage', 'traceparent']);
    expect(makePropagator().fields()).toEqual(['sentry-trace', 'baggage']);
    const ctx = continued();
    expect(inject(propagator, ctx).traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(inject(propagator, ctx, { traceparent: 'kept' }).traceparent).toBe('kept');
  });

  it('injects only into matching URLs; an unknown URL always gets headers', () => {
    const targets = ['api.example.com', /^https:\/\/internal\./g, (url: string) => url.endsWith('/ok')];
    const propagator = makePropagator({ tracePropagationTargets: targets });
    const call = (url?: string) =>
      inject(propagator, withChild(continued(), 'GET', url === undefined ? {} : { 'url.full': url }))['sentry-trace'];
    expect(call('https://api.example.com/users')).toBeDefined();
    // Twice: a /g pattern must not remember where it stopped.
    expect(call('https://internal.corp/x')).toBeDefined();
    expect(call('https://internal.corp/x')).toBeDefined();
    expect(call('https://third-party.io/ok')).toBeDefined();
    expect(call('https://third-party.io/no')).toBeUndefined();
    expect(call()).toBeDefined();
    const old = withChild(continued(), 'GET', { 'http.url': 'https://third-party.io/no' });
    expect(inject(propagator, old)['sentry-trace']).toBeUndefined();
    expect(inject(makePropagator({ tracePropagationTargets: [] }), old)['sentry-trace']).toBeUndefined();
  });

  it('treats a throwing target function as no match', () => {
    const propagator = makePropagator({
      tracePropagationTargets: [
        () => {
          throw new Error('bad target');
        },
      ],
    });
    expect(
      inject(propagator, withChild(continued(), 'GET', { 'url.full': 'https://x' }))['sentry-trace'],
    ).toBeUndefined();
  });

  it('creates its own client from its options', () => {
    const propagator = new SentryPropagator({ release: 'own@1', environment: 'dev', env: false });
    expect(propagator.client.options.release).toBe('own@1');
    const root = tracer.startSpan('job', {}, ROOT_CONTEXT);
    const dsc = dscFromBaggage(inject(propagator, trace.setSpan(ROOT_CONTEXT, root)).baggage);
    expect(dsc).toMatchObject({ release: 'own@1', environment: 'dev' });
  });

  it('rejects options that cannot work', () => {
    expect(() => new SentryPropagator({ client: {} as never })).toThrow(TypeError);
    expect(() => new SentryPropagator({ tracePropagationTargets: 'x' as never })).toThrow(TypeError);
    expect(() => new SentryPropagator({ getReplayId: 'x' as never })).toThrow(TypeError);
    expect(() => new SentryPropagator({ dsn: 'not a dsn', env: false })).toThrow(/dsn/i);
  });
});

describe('SentryPropagator.inject: the carrier', () => {
  it('leaves an existing sentry-trace alone and adds only missing sentry members', () => {
    const carrier = { 'Sentry-Trace': 'theirs', baggage: 'sentry-release=theirs,x=1' };
    const out = inject(makePropagator(), withChild(continued()), carrier);
    expect(out['Sentry-Trace']).toBe('theirs');
    expect(out['sentry-trace']).toBeUndefined();
    const members = sentryPart(out.baggage);
    expect(members.filter((m) => m.startsWith('sentry-release='))).toEqual(['sentry-release=theirs']);
    expect(members).toContain(`sentry-trace_id=${TRACE_ID}`);
    expect(out.baggage?.startsWith('sentry-release=theirs,x=1,')).toBe(true);
  });

  it('appends to foreign baggage, replacing stale sentry copies, under the key the carrier uses', () => {
    const carrier = {
      Baggage: ['vendor=a', 'sentry-release=frontend@1.4.2,sentry-replay_id=00000000000000000000000000000001'],
    };
    const out = inject(makePropagator(), withChild(continued()), carrier);
    expect(out.baggage).toBeUndefined();
    expect(out.Baggage).toBe(`vendor=a,${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`);
  });

  it('reads Headers-like carriers', () => {
    const headers = new Headers({ 'Sentry-Trace': 'theirs', baggage: 'vendor=a' });
    const setter: TextMapSetter<Headers> = { set: (c, k, v) => c.set(k, v) };
    makePropagator().inject(withChild(continued()), headers, setter);
    expect(headers.get('sentry-trace')).toBe('theirs');
    expect(headers.get('baggage')).toBe(`vendor=a,${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`);
  });

  it('stays within the W3C limits when appending', () => {
    const foreign = Array.from({ length: 60 }, (_, i) => `k${i}=v`).join(',');
    const out = inject(makePropagator(), withChild(continued()), { baggage: foreign });
    expect(out.baggage?.split(',')).toHaveLength(64);
    expect(out.baggage?.startsWith(foreign)).toBe(true);
  });
});

describe('SentryPropagator.inject: writes nothing', () => {
  it('under suppressTracing', () => {
    expect(inject(makePropagator(), suppressTracing(withChild(continued())))).toEqual({});
  });

  it('without a valid span context', () => {
    expect(inject(makePropagator(), ROOT_CONTEXT)).toEqual({});
    const invalid = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0'.repeat(32),
      spanId: '0'.repeat(16),
      traceFlags: 0,
    });
    expect(inject(makePropagator(), invalid)).toEqual({});
  });

  it('and does not throw when the setter does', () => {
    const setter: TextMapSetter = {
      set: () => {
        throw new Error('read-only carrier');
      },
    };
    expect(() => makePropagator().inject(withChild(continued()), {}, setter)).not.toThrow();
  });
});
