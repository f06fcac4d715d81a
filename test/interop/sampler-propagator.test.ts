/**
 * `SentrySampler` and `SentryPropagator` together, beside OpenTelemetry's W3C propagators,
 * with the real Sentry JavaScript SDK (`@sentry/core` 11 and 10) as the oracle of what a
 * receiver reads: decisions made here travel (`-0`, `-1`), only a trace nobody here decided is
 * passed on deferred, and `tracePropagationTargets` hold whether a request is sampled or not,
 * with nothing of ours in `tracestate`.
 */
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { SentryPropagator, type TracePropagationTarget } from '@otel-sentry/propagator';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';
import * as sentry11 from '@sentry/core';
import * as sentry10 from '@sentry/core-v10';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const oracles = [
  ['@sentry/core 11', sentry11],
  ['@sentry/core 10', sentry10],
] as const;

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
// What an errors-only Sentry SDK sends: no sampled flag, a DSC without sentry-sampled.
const DEFERRED = {
  'sentry-trace': `${TRACE_ID}-${SPAN_ID}`,
  baggage: `sentry-trace_id=${TRACE_ID},sentry-public_key=upstream,sentry-sample_rand=0.5,sentry-release=web%401`,
};

function service(sampler: Sampler, targets?: TracePropagationTarget[]) {
  const client = createClient({ env: false, dsn: 'https://key@o1.ingest.sentry.io/1', release: 'api@1' });
  const provider = new BasicTracerProvider({
    sampler,
    spanProcessors: [new SentrySpanProcessor({ client, exporter: new InMemorySpanExporter() })],
  });
  const propagator = new CompositePropagator({
    propagators: [
      new W3CTraceContextPropagator(),
      new W3CBaggagePropagator(),
      new SentryPropagator({ client, tracePropagationTargets: targets }),
    ],
  });
  const tracer = provider.getTracer('interop');
  return {
    client,
    /** A server span for `headers`, and a client span under it for a request to `url`. */
    request(headers: Record<string, string>, url: string): { server: Span; client: Span; ctx: Context } {
      const incoming = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const server = tracer.startSpan('GET /hop', { kind: SpanKind.SERVER }, incoming);
      const serverCtx = trace.setSpan(incoming, server);
      const clientSpan = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'url.full': url } }, serverCtx);
      return { server, client: clientSpan, ctx: trace.setSpan(serverCtx, clientSpan) };
    },
    inject(ctx: Context): Record<string, string> {
      const out: Record<string, string> = {};
      propagator.inject(ctx, out, defaultTextMapSetter);
      return out;
    },
  };
}

describe.each(oracles)('decisions travel, read by %s', (_name, sentry) => {
  it('a trace that arrived deferred and SentrySampler sampled out goes on as "not sampled"', () => {
    const s = service(new SentrySampler({ tracesSampleRate: 0.25, env: false }));
    const { ctx, server } = s.request(DEFERRED, 'https://api.example.com/');
    // sample_rand 0.5 is not below 0.25.
    expect(server.isRecording()).toBe(false);
    const out = s.inject(ctx);
    expect(sentry.extractTraceparentData(out['sentry-trace'])).toMatchObject({
      traceId: TRACE_ID,
      parentSampled: false,
    });
    expect(sentry.baggageHeaderToDynamicSamplingContext(out.baggage)).toMatchObject({
      trace_id: TRACE_ID,
      public_key: 'upstream',
      release: 'web@1',
    });
  });

  it('... and as "sampled" when SentrySampler sampled it', () => {
    const s = service(new SentrySampler({ tracesSampleRate: 0.75, env: false }));
    const { ctx, server } = s.request(DEFERRED, 'https://api.example.com/');
    expect(server.isRecording()).toBe(true);
    expect(sentry.extractTraceparentData(s.inject(ctx)['sentry-trace'])?.parentSampled).toBe(true);
  });

  it("another sampler's not-recording stays deferred", () => {
    const s = service(new ParentBasedSampler({ root: new AlwaysOnSampler() }));
    const { ctx, server } = s.request(DEFERRED, 'https://api.example.com/');
    expect(server.isRecording()).toBe(false);
    const parsed = sentry.extractTraceparentData(s.inject(ctx)['sentry-trace']);
    expect(parsed?.traceId).toBe(TRACE_ID);
    expect(parsed?.parentSampled).toBeUndefined();
  });
});

describe('tracePropagationTargets with SentrySampler', () => {
  const hosts = ['api.example.com', 'internal.corp', 'third-party.io', 'cdn.vendor.net'];
  const targets: TracePropagationTarget[] = ['api.example.com', /^https:\/\/internal\./];

  it('hold for every request whatever the sampling, and nothing of ours reaches tracestate', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...hosts),
        fc.constantFrom('/', '/users?token=secret', '/a/b'),
        fc.constantFrom(0, 1),
        fc.constantFrom('deferred', 'sampled', 'unsampled', 'traceparent', 'none'),
        (host, path, rate, incoming) => {
          const url = `https://${host}${path}`;
          const headers: Record<string, string> =
            incoming === 'none'
              ? {}
              : incoming === 'traceparent'
                ? { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'vendor=x' }
                : {
                    ...DEFERRED,
                    'sentry-trace': `${TRACE_ID}-${SPAN_ID}${{ deferred: '', sampled: '-1', unsampled: '-0' }[incoming]}`,
                  };
          const s = service(new SentrySampler({ tracesSampleRate: rate, env: false }), targets);
          const { ctx } = s.request(headers, url);
          const out = s.inject(ctx);
          const inTargets = host === 'api.example.com' || host === 'internal.corp';
          expect(out['sentry-trace'] !== undefined).toBe(inTargets);
          const sentryMembers = (out.baggage ?? '').split(',').filter((m) => m.startsWith('sentry-'));
          expect(sentryMembers.length > 0).toBe(inTargets);
          expect(out.tracestate ?? '').not.toMatch(/sentry|token|example|internal|third|vendor\.net/);
          if (incoming !== 'traceparent') expect(out.tracestate).toBeUndefined();
        },
      ),
    );
  });
});
