import { type Context, ROOT_CONTEXT, SpanKind, type TextMapSetter, TraceFlags, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
} from '@opentelemetry/sdk-trace-base';
import {
  dscFromBaggage,
  ensureSpanData,
  freezeDsc,
  getSpanData,
  getTraceFrozenDsc,
  InvalidOptionError,
  offerUnrecordedRoot,
  offerUnrecordedSpan,
  parseSentryTrace,
  recordDeferredDecision,
  requestUrlOf,
  setFrozenDsc,
  setReplayId,
} from '@otel-sentry/core';
import { describe, expect, it, vi } from 'vitest';
import { propagatorDiag } from '../src/diag.js';
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

  it('takes rate and sample_rand of an unrecorded root from what the sampler said of it', () => {
    const span = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('t').startSpan('job');
    const { traceId } = span.spanContext();
    // What SentrySampler says of a root it does not record (its rate may not be the client's).
    offerUnrecordedRoot(traceId, { sampleRate: 0.05, sampleRand: 0.4321987 });
    const propagator = new SentryPropagator({ client: makeClient({ tracesSampleRate: 1 }) });
    const dsc = dscFromBaggage(inject(propagator, trace.setSpan(ROOT_CONTEXT, span)).baggage)!;
    expect(dsc).toMatchObject({ sample_rate: '0.05', sample_rand: '0.432198', sampled: 'false' });
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

/**
 * A real OpenTelemetry sampler that tells the propagator what it decided the way
 * `SentrySampler` does (through core), with a fixed answer: `SentrySampler` itself lives in
 * another package, and the cross-package tests (test/interop) run the two together.
 */
function speakingSampler(sample: boolean): Sampler {
  return {
    shouldSample(context, traceId, _name, kind, attributes) {
      const parent = trace.getSpanContext(context);
      const localParent = parent !== undefined && parent.isRemote !== true;
      const sampled = localParent ? (parent.traceFlags & TraceFlags.SAMPLED) !== 0 : sample;
      if (!localParent && parent?.traceId === traceId && isSamplingDeferred(context)) {
        recordDeferredDecision(context, sampled);
      }
      if (sampled) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      offerUnrecordedSpan(traceId, kind === SpanKind.CLIENT ? requestUrlOf(attributes) : undefined);
      return { decision: SamplingDecision.NOT_RECORD };
    },
    toString: () => 'SpeakingSampler',
  };
}

const DEFERRED = {
  'sentry-trace': `${TRACE_ID}-${SPAN_ID}`,
  baggage: SENTRY_MEMBERS.replace(',sentry-sampled=true', ''),
};

describe('SentryPropagator.inject: decisions travel', () => {
  it('sends -0 for a trace that arrived deferred and that a sampler here decided not to sample', () => {
    const tracer = new BasicTracerProvider({ sampler: speakingSampler(false) }).getTracer('here');
    const ctx = extract(makePropagator(), DEFERRED);
    const server = tracer.startSpan('GET /', { kind: SpanKind.SERVER }, ctx);
    const serverCtx = trace.setSpan(ctx, server);
    const client = tracer.startSpan('GET', { kind: SpanKind.CLIENT }, serverCtx);
    const out = inject(makePropagator(), trace.setSpan(serverCtx, client));
    expect(out['sentry-trace']).toBe(`${TRACE_ID}-${client.spanContext().spanId}-0`);
    // The frozen DSC goes on as it arrived: deferred upstream, so without sentry-sampled.
    expect(out.baggage).toBe(DEFERRED.baggage);
    // Sampled here: -1.
    const sampling = new BasicTracerProvider({ sampler: speakingSampler(true) }).getTracer('here');
    const sampledCtx = extract(makePropagator(), DEFERRED);
    const root = sampling.startSpan('GET /', { kind: SpanKind.SERVER }, sampledCtx);
    expect(inject(makePropagator(), trace.setSpan(sampledCtx, root))['sentry-trace']).toMatch(/-1$/);
  });

  it('keeps the deferral of a trace no sampler here spoke for', () => {
    // OpenTelemetry's ParentBased sampler reads the deferred remote parent as "not sampled":
    // it cannot tell a decision from none, so nothing was decided here.
    const tracer = new BasicTracerProvider({
      sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    }).getTracer('other');
    const ctx = extract(makePropagator(), DEFERRED);
    const server = tracer.startSpan('GET /', { kind: SpanKind.SERVER }, ctx);
    expect(server.isRecording()).toBe(false);
    const out = inject(makePropagator(), trace.setSpan(ctx, server));
    expect(out['sentry-trace']).toBe(`${TRACE_ID}-${server.spanContext().spanId}`);
    // Each extract has its own record: a decision on one request does not reach another.
    const decided = extract(makePropagator(), DEFERRED);
    new BasicTracerProvider({ sampler: speakingSampler(false) }).getTracer('here').startSpan('x', {}, decided);
    expect(inject(makePropagator(), trace.setSpan(ctx, server))['sentry-trace']).toMatch(/-[0-9a-f]{16}$/);
  });

  it('passes -0 and -1 decided upstream on, and writes the decision of a trace started here', () => {
    for (const flag of ['0', '1']) {
      const ctx = extract(makePropagator(), { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-${flag}` });
      const span = new BasicTracerProvider({ sampler: speakingSampler(flag === '1') })
        .getTracer('here')
        .startSpan('x', {}, ctx);
      expect(inject(makePropagator(), trace.setSpan(ctx, span))['sentry-trace']).toMatch(new RegExp(`-${flag}$`));
    }
    const head = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('head').startSpan('job');
    expect(inject(makePropagator(), trace.setSpan(ROOT_CONTEXT, head))['sentry-trace']).toMatch(/-0$/);
  });
});

describe('SentryPropagator.inject: tracePropagationTargets for spans that are not recorded', () => {
  const targets = ['api.example.com'];

  // A request in a trace sampled out upstream, answered by a service that makes one call.
  function unsampledRequest(sampler: Sampler, url: string): Context {
    const tracer = new BasicTracerProvider({ sampler }).getTracer('here');
    const incoming = continued({ 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-0` });
    const server = tracer.startSpan('GET /', { kind: SpanKind.SERVER }, incoming);
    const serverCtx = trace.setSpan(incoming, server);
    const client = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'url.full': url } }, serverCtx);
    return trace.setSpan(serverCtx, client);
  }

  it('holds with a sampler that hands the URL over, without recording the span or touching trace state', () => {
    const propagator = makePropagator({ tracePropagationTargets: targets });
    const third = unsampledRequest(speakingSampler(false), 'https://third-party.io/?token=secret');
    const span = trace.getSpan(third)!;
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceState).toBeUndefined();
    expect(inject(propagator, third)).toEqual({});
    const own = unsampledRequest(speakingSampler(false), 'https://api.example.com/users');
    expect(inject(propagator, own)['sentry-trace']).toMatch(/-0$/);
    // A span that describes no request (not a client span) gets headers, as a recorded one does.
    const tracer = new BasicTracerProvider({ sampler: speakingSampler(false) }).getTracer('here');
    const job = tracer.startSpan('enqueue', { kind: SpanKind.PRODUCER }, continued());
    expect(inject(propagator, trace.setSpan(continued(), job))['sentry-trace']).toBeDefined();
  });

  it('with another sampler the URL is unknown: the request gets headers, and diag says why once', () => {
    const warn = vi.spyOn(propagatorDiag, 'warn').mockImplementation(() => {});
    try {
      const propagator = makePropagator({ tracePropagationTargets: targets });
      const other = new ParentBasedSampler({ root: new AlwaysOffSampler() });
      // Nothing a sampler handed over for this trace is left in the slot.
      offerUnrecordedSpan('f'.repeat(32), undefined);
      expect(inject(propagator, unsampledRequest(other, 'https://third-party.io/'))['sentry-trace']).toBeDefined();
      expect(inject(propagator, unsampledRequest(other, 'https://third-party.io/'))['sentry-trace']).toBeDefined();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/SentrySampler/);
    } finally {
      warn.mockRestore();
    }
  });

  it('lets no sentry member out for a request outside the targets, not even one already in the carrier', () => {
    const propagator = makePropagator({ tracePropagationTargets: targets });
    const ctx = withChild(continued(), 'GET', { 'url.full': 'https://third-party.io/' });
    const copied = `sentry-trace_id=${TRACE_ID},sentry-release=frontend%401.4.2,sentry-replay_id=${REPLAY_ID}`;
    expect(inject(propagator, ctx, { baggage: `team=a,${copied},b=2` })).toEqual({ baggage: 'team=a,b=2' });
    expect(inject(propagator, ctx, { Baggage: copied, traceparent: 'tp' })).toEqual({ traceparent: 'tp' });
    const headers = new Headers({ baggage: copied });
    propagator.inject(ctx, headers, { set: (c: Headers, k, v) => c.set(k, v) });
    expect(headers.has('baggage')).toBe(false);
    // A carrier that can be read but cannot drop a header gets an empty value instead.
    const values = new Map([['baggage', copied]]);
    const readOnly = { get: (k: string) => values.get(k), has: (k: string) => values.has(k) };
    propagator.inject(ctx, readOnly, { set: (_c, k, v) => values.set(k, v) });
    expect(values.get('baggage')).toBe('');
  });
});

describe('SentryPropagator.inject: one trace, one DSC without a span processor', () => {
  it('freezes the head DSC once per trace for spans nothing links to one root', () => {
    const client = makeClient({ dsn: 'https://key@o1.ingest.example.com/1', tracesSampleRate: 1 });
    const createDsc = vi.fn();
    client.on('createDsc', createDsc);
    const propagator = new SentryPropagator({ client });
    const page = tracer.startSpan('page load', {}, ROOT_CONTEXT);
    const pageCtx = trace.setSpan(ROOT_CONTEXT, page);
    // Fetch spans, children of the page span, each its own local root for all core knows.
    const calls = ['GET', 'POST', 'GET'].map((method) =>
      inject(propagator, withChild(pageCtx, method, { 'http.request.method': method })),
    );
    expect(createDsc).toHaveBeenCalledTimes(1);
    expect(new Set(calls.map((c) => c.baggage)).size).toBe(1);
    expect(dscFromBaggage(calls[0]!.baggage)?.trace_id).toBe(page.spanContext().traceId);
    // Another trace gets its own.
    inject(propagator, withChild(ROOT_CONTEXT));
    expect(createDsc).toHaveBeenCalledTimes(2);
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

  it('sends only what a getReplayId source answers: nothing arrived, in the context or on the root is re-sent', () => {
    const source = makePropagator({ getReplayId: () => undefined });
    // Arrived with the trace (split off into the context by extract).
    const arrived = withChild(continued());
    expect(inject(source, arrived).baggage).toBe(SENTRY_MEMBERS);
    // Set in the context by code.
    expect(inject(source, setReplayId(arrived, OTHER_REPLAY)).baggage).toBe(SENTRY_MEMBERS);
    // Recorded on the local root by the span processor.
    const root = tracer.startSpan('ssr page', {}, ROOT_CONTEXT);
    ensureSpanData(root).replayId = OTHER_REPLAY;
    expect(inject(source, trace.setSpan(ROOT_CONTEXT, root)).baggage).not.toContain('sentry-replay_id');
    // The has-replay flag follows the source too.
    const flagged = makePropagator({ getReplayId: () => undefined, sentryTraceFlags: true });
    expect(inject(flagged, arrived)['sentry-trace']).toMatch(/-1-00$/);
    // Without a source (a backend), the id that arrived travels on.
    expect(inject(makePropagator(), arrived).baggage).toBe(`${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`);
  });

  it('sends no replay id when getReplayId throws or answers something that is not a UUID', () => {
    const throwing = makePropagator({
      getReplayId: () => {
        throw new Error('recorder gone');
      },
    });
    expect(inject(throwing, withChild(continued())).baggage).toBe(SENTRY_MEMBERS);
    const junk = makePropagator({ getReplayId: () => 'not-a-uuid' });
    expect(inject(junk, withChild(continued())).baggage).toBe(SENTRY_MEMBERS);
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
    expect(() => new SentryPropagator({ client: {} as never })).toThrow(InvalidOptionError);
    expect(() => new SentryPropagator({ tracePropagationTargets: 'x' as never })).toThrow(InvalidOptionError);
    expect(() => new SentryPropagator({ getReplayId: 'x' as never })).toThrow(InvalidOptionError);
    expect(() => new SentryPropagator({ dsn: 'not a dsn', env: false })).toThrow(/dsn/i);
  });
});

describe('SentryPropagator.inject: the carrier', () => {
  it('leaves a carrier that already holds a sentry-trace as it is: no baggage member, no traceparent', () => {
    const propagator = makePropagator({ propagateTraceparent: true, sentryTraceFlags: true });
    for (const carrier of [
      { 'Sentry-Trace': `${'1'.repeat(32)}-${'2'.repeat(16)}-1`, baggage: 'sentry-release=theirs,x=1' },
      { 'sentry-trace': `${'1'.repeat(32)}-${'2'.repeat(16)}` },
      { 'sentry-trace': [`${'1'.repeat(32)}-${'2'.repeat(16)}-0`], baggage: 'x=1' },
    ]) {
      const before = structuredClone(carrier);
      expect(inject(propagator, withChild(continued()), carrier)).toEqual(before);
    }
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
    const setter: TextMapSetter<Headers> = { set: (c, k, v) => c.set(k, v) };
    const fresh = new Headers({ baggage: 'vendor=a' });
    makePropagator().inject(withChild(continued()), fresh, setter);
    expect(fresh.get('baggage')).toBe(`vendor=a,${SENTRY_MEMBERS},sentry-replay_id=${REPLAY_ID}`);
    const theirs = new Headers({ 'Sentry-Trace': 'theirs', baggage: 'vendor=a' });
    makePropagator().inject(withChild(continued()), theirs, setter);
    expect(theirs.get('baggage')).toBe('vendor=a');
    expect(theirs.get('sentry-trace')).toBe('theirs');
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
