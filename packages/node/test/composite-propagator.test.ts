import { context, diag, type TextMapSetter, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { SentryCompositePropagator } from '@otel-sentry/node';
import { SentryPropagator } from '@otel-sentry/propagator';
import { SentrySampler } from '@otel-sentry/span-processor';
import { afterEach, describe, expect, it } from 'vitest';
import { WarningRecorder } from './capture.js';

const setter: TextMapSetter<Record<string, string>> = {
  set: (c, k, v) => {
    c[k] = v;
  },
};
const getter = {
  get: (c: Record<string, string>, k: string) => c[k],
  keys: (c: Record<string, string>) => Object.keys(c),
};

afterEach(() => diag.disable());

function propagatorAndSpan(w3cBaggage = false) {
  const client = createClient({ env: false });
  const propagator = new SentryCompositePropagator({ sentry: new SentryPropagator({ client }), w3cBaggage });
  const provider = new BasicTracerProvider({ sampler: new SentrySampler({ client }) });
  const span = provider.getTracer('t').startSpan('GET');
  return { propagator, ctx: trace.setSpan(context.active(), span) };
}

describe('SentryCompositePropagator', () => {
  it('adds no traceparent to a carrier that already holds a sentry-trace (design decision 10)', () => {
    const { propagator, ctx } = propagatorAndSpan();
    const carrier = { 'sentry-trace': '771a43a4192642f0b136d5159a501700-b40ab5e5bb5d1f13-1' };
    propagator.inject(ctx, carrier, setter);
    expect(carrier).toEqual({ 'sentry-trace': '771a43a4192642f0b136d5159a501700-b40ab5e5bb5d1f13-1' });
  });

  it('lets sentry-trace win over traceparent on extract', () => {
    const { propagator } = propagatorAndSpan();
    const extracted = propagator.extract(
      context.active(),
      {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'sentry-trace': '771a43a4192642f0b136d5159a501700-b40ab5e5bb5d1f13-1',
      },
      getter,
    );
    expect(trace.getSpanContext(extracted)?.traceId).toBe('771a43a4192642f0b136d5159a501700');
  });

  it('continues a traceparent-only caller (a service without Sentry)', () => {
    const { propagator } = propagatorAndSpan();
    const extracted = propagator.extract(
      context.active(),
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=1' },
      getter,
    );
    const spanContext = trace.getSpanContext(extracted);
    expect(spanContext?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(spanContext?.traceState?.get('vendor')).toBe('1');
  });

  it('lists its fields once, and never throws when a member fails', () => {
    const { propagator, ctx } = propagatorAndSpan(true);
    expect(propagator.fields()).toEqual(['traceparent', 'tracestate', 'sentry-trace', 'baggage']);
    const recorder = new WarningRecorder().install();
    const throwing: TextMapSetter<Record<string, string>> = {
      set: () => {
        throw new Error('read-only carrier');
      },
    };
    expect(() => propagator.inject(ctx, {}, throwing)).not.toThrow();
    expect(recorder.warnings.length).toBeGreaterThan(0);
  });
});
