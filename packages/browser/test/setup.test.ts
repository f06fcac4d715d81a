import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createSentryBrowserSetup } from '@otel-sentry/browser';
import { createClient, InvalidOptionError } from '@otel-sentry/core';
import { afterEach, describe, expect, it, vi } from 'vitest';

const setter = {
  set: (c: Record<string, string>, k: string, v: string) => {
    c[k] = v;
  },
};

afterEach(() => {
  vi.unstubAllGlobals();
});

function headersFor(sentry: ReturnType<typeof createSentryBrowserSetup>, url: string): Record<string, string> {
  const provider = new BasicTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
  const span = provider.getTracer('t').startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'url.full': url } });
  const carrier: Record<string, string> = {};
  sentry.textMapPropagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, setter);
  span.end();
  return carrier;
}

describe('createSentryBrowserSetup', () => {
  it('builds every part on one client', () => {
    const sentry = createSentryBrowserSetup({ release: 'web@1.0.0', env: false });
    expect(sentry.sampler.client).toBe(sentry.client);
    expect(sentry.spanProcessor.client).toBe(sentry.client);
    expect(sentry.exporter.client).toBe(sentry.client);
    expect((sentry.textMapPropagator as unknown as { client: unknown }).client).toBe(sentry.client);
  });

  it('propagates to the page’s own origin by default, without traceparent (CORS)', () => {
    vi.stubGlobal('location', { href: 'https://shop.example.com/cart', origin: 'https://shop.example.com' });
    const sentry = createSentryBrowserSetup({ env: false });
    expect(Object.keys(headersFor(sentry, 'https://shop.example.com/api/cart')).sort()).toEqual([
      'baggage',
      'sentry-trace',
    ]);
    expect(headersFor(sentry, 'https://api.example.com/cart')).toEqual({});
    expect(sentry.textMapPropagator.fields()).toEqual(['sentry-trace', 'baggage']);
  });

  it('propagates to listed targets, and writes traceparent only when asked', () => {
    const sentry = createSentryBrowserSetup({
      env: false,
      tracePropagationTargets: ['https://api.example.com'],
      propagateTraceparent: true,
    });
    expect(Object.keys(headersFor(sentry, 'https://api.example.com/cart')).sort()).toEqual([
      'baggage',
      'sentry-trace',
      'traceparent',
    ]);
  });

  it('carries the id of the replay the integration records', () => {
    const sentry = createSentryBrowserSetup({
      env: false,
      tracePropagationTargets: ['api'],
      replay: { getReplayId: () => '5f1c2d3e4a5b46c7a8b9c0d1e2f3a4b5', getRecordingMode: () => 'session' },
    });
    expect(headersFor(sentry, 'https://api/x').baggage).toContain('sentry-replay_id=5f1c2d3e4a5b46c7a8b9c0d1e2f3a4b5');
  });

  it('validates its options at construction', () => {
    expect(() => createSentryBrowserSetup({ replay: {} as never })).toThrow(/option "replay" must be Sentry's replay/);
    expect(() => createSentryBrowserSetup({ replay: () => undefined, getReplayId: () => undefined })).toThrow(
      /"replay" or "getReplayId", not both/,
    );
    expect(() => createSentryBrowserSetup({ propagateTraceparent: 1 as never })).toThrow(InvalidOptionError);
    expect(() => createSentryBrowserSetup({ contextManager: {} as never })).toThrow(/contextManager/);
    expect(() => createSentryBrowserSetup({ exporter: { client: createClient() } as never })).toThrow(/exporter/);
    const client = createClient({ release: 'a', env: false });
    expect(() => createSentryBrowserSetup({ client, release: 'b' })).toThrow(/release/);
    expect(context.active()).toBe(ROOT_CONTEXT);
  });
});
