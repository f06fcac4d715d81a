import { context, diag, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient, InvalidOptionError } from '@otel-sentry/core';
import { createSentrySetup } from '@otel-sentry/node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureTransport, DSN, WarningRecorder } from './capture.js';

const setter = {
  set: (c: Record<string, string>, k: string, v: string) => {
    c[k] = v;
  },
};
const getter = {
  get: (c: Record<string, string>, k: string) => c[k],
  keys: (c: Record<string, string>) => Object.keys(c),
};
const INCOMING = {
  'sentry-trace': '771a43a4192642f0b136d5159a501700-b40ab5e5bb5d1f13-1',
  baggage:
    'sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-public_key=public,sentry-sample_rate=1,' +
    'sentry-sampled=true,sentry-environment=staging,sentry-replay_id=5f1c2d3e4a5b46c7a8b9c0d1e2f3a4b5',
};

let recorder: WarningRecorder;
beforeEach(() => {
  recorder = new WarningRecorder().install();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterEach(() => {
  diag.disable();
  context.disable();
  propagation.disable();
  trace.disable();
});

describe('createSentrySetup', () => {
  it('builds every part on one client, from the client options', () => {
    const setup = createSentrySetup({ dsn: DSN, release: 'api@1.0.0', environment: 'staging', env: false });
    expect(setup.sampler.client).toBe(setup.client);
    expect(setup.spanProcessor.client).toBe(setup.client);
    expect(setup.exporter.client).toBe(setup.client);
    expect(setup.textMapPropagator.sentry.client).toBe(setup.client);
    expect(setup.spanProcessors).toEqual([setup.spanProcessor]);
    expect(setup.client.options.environment).toBe('staging');
    expect(setup.textMapPropagator.fields()).toEqual(['traceparent', 'tracestate', 'sentry-trace', 'baggage']);
  });

  it('continues an incoming Sentry trace on a bare BasicTracerProvider and sends one transaction', async () => {
    const transport = captureTransport();
    const setup = createSentrySetup({ dsn: DSN, release: 'api@1.0.0', env: false, exporter: { transport } });
    const provider = new BasicTracerProvider({ sampler: setup.sampler, spanProcessors: setup.spanProcessors });
    const tracer = provider.getTracer('test');
    const incoming = setup.textMapPropagator.extract(context.active(), INCOMING, getter);
    const outgoing: Record<string, string> = {};
    tracer.startActiveSpan('GET /checkout', { kind: SpanKind.SERVER }, incoming, (server) => {
      const client = tracer.startSpan('GET', {
        kind: SpanKind.CLIENT,
        attributes: { 'url.full': 'http://inventory/stock' },
      });
      setup.textMapPropagator.inject(trace.setSpan(context.active(), client), outgoing, setter);
      client.end();
      server.end();
    });
    await setup.shutdown();

    expect(outgoing['sentry-trace']).toMatch(/^771a43a4192642f0b136d5159a501700-[0-9a-f]{16}-1$/);
    expect(outgoing.traceparent).toMatch(/^00-771a43a4192642f0b136d5159a501700-[0-9a-f]{16}-01$/);
    // The frozen DSC byte for byte, the replay id beside it.
    expect(outgoing.baggage).toContain('sentry-environment=staging');
    expect(outgoing.baggage).toContain('sentry-replay_id=5f1c2d3e4a5b46c7a8b9c0d1e2f3a4b5');
    const transactions = transport.items().filter(([type]) => type === 'transaction');
    expect(transactions).toHaveLength(1);
    expect(transactions[0]?.[1].transaction).toBe('GET /checkout');
  });

  it('keeps traceparent under the same tracePropagationTargets as sentry-trace', () => {
    const setup = createSentrySetup({ dsn: DSN, env: false, tracePropagationTargets: ['api.internal'] });
    const provider = new BasicTracerProvider({ sampler: setup.sampler, spanProcessors: setup.spanProcessors });
    const tracer = provider.getTracer('test');
    const headersFor = (url: string): Record<string, string> => {
      const carrier: Record<string, string> = {};
      const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'url.full': url } });
      setup.textMapPropagator.inject(trace.setSpan(context.active(), span), carrier, setter);
      span.end();
      return carrier;
    };
    expect(Object.keys(headersFor('https://api.internal/x')).sort()).toEqual([
      'baggage',
      'sentry-trace',
      'traceparent',
    ]);
    expect(headersFor('https://cdn.example.com/x')).toEqual({});
  });

  it('propagates W3C baggage of other vendors only when w3cBaggage is set', () => {
    const carrierWith = (w3cBaggage: boolean): Record<string, string> => {
      const setup = createSentrySetup({ dsn: DSN, env: false, w3cBaggage, validate: false });
      const provider = new BasicTracerProvider({ sampler: setup.sampler, spanProcessors: setup.spanProcessors });
      const incoming = setup.textMapPropagator.extract(
        context.active(),
        { ...INCOMING, baggage: `vendor=blue,${INCOMING.baggage}` },
        getter,
      );
      const span = provider.getTracer('t').startSpan('GET', { kind: SpanKind.CLIENT }, incoming);
      const out: Record<string, string> = {};
      setup.textMapPropagator.inject(trace.setSpan(incoming, span), out, setter);
      span.end();
      return out;
    };
    expect(carrierWith(false).baggage).not.toContain('vendor=blue');
    const both = carrierWith(true).baggage ?? '';
    expect(both).toContain('vendor=blue');
    // Sentry's members once, after the W3C propagator wrote its header.
    expect(both.match(/sentry-trace_id=/g)).toHaveLength(1);
  });

  it('is ready for NodeSDK: sampler, spanProcessors, textMapPropagator', async () => {
    const transport = captureTransport();
    const setup = createSentrySetup({ dsn: DSN, env: false, exporter: { transport } });
    const sdk = new NodeSDK({
      sampler: setup.sampler,
      spanProcessors: setup.spanProcessors,
      textMapPropagator: setup.textMapPropagator,
      instrumentations: [],
      autoDetectResources: false,
    });
    sdk.start();
    const carrier: Record<string, string> = {};
    trace.getTracer('sdk').startActiveSpan('job', (span) => {
      propagation.inject(context.active(), carrier);
      span.end();
    });
    await sdk.shutdown();
    expect(Object.keys(carrier).sort()).toEqual(['baggage', 'sentry-trace', 'traceparent']);
    expect(transport.items().filter(([type]) => type === 'transaction')).toHaveLength(1);
    expect(recorder.warnings.filter((w) => w.includes('set-up'))).toEqual([]);
  });

  it('reports, outside production, a provider that was not given the sampler or a propagator without Sentry', () => {
    const setup = createSentrySetup({ dsn: DSN, env: { NODE_ENV: 'development' } });
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator()] }));
    const provider = new BasicTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: setup.spanProcessors });
    provider.getTracer('t').startSpan('first').end();
    provider.getTracer('t').startSpan('second').end();
    const problems = recorder.warnings.filter((w) => w.includes('set-up'));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("without the set-up's SentrySampler");
    expect(problems[1]).toContain('has no SentryPropagator');
  });

  it('does not check the set-up in production', () => {
    const setup = createSentrySetup({ dsn: DSN, env: { NODE_ENV: 'production' } });
    const provider = new BasicTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: setup.spanProcessors });
    provider.getTracer('t').startSpan('first').end();
    expect(recorder.warnings.filter((w) => w.includes('set-up'))).toEqual([]);
  });

  it('validates its options at construction, naming the option and the fix', () => {
    expect(() => createSentrySetup({ w3cBaggage: 'yes' as unknown as boolean })).toThrow(
      /otel-sentry\/node: option "w3cBaggage" must be true or false, got "yes"/,
    );
    expect(() =>
      createSentrySetup({ exporter: { client: createClient() } as unknown as Record<string, never> }),
    ).toThrow(/option "exporter.client" is built by the set-up/);
    expect(() => createSentrySetup({ exporter: 'spotlight' as unknown as Record<string, never> })).toThrow(
      InvalidOptionError,
    );
    expect(() => createSentrySetup({ tracesSampleRate: 2 })).toThrow(/tracesSampleRate/);
    const client = createClient({ environment: 'staging', env: false });
    expect(() => createSentrySetup({ client, environment: 'production' })).toThrow(/environment/);
    createSentrySetup({ env: false, tracesSampelRate: 0.5 } as unknown as Record<string, never>);
    expect(recorder.warnings.join('\n')).toContain('"tracesSampelRate"');
  });
});

describe('no DSN in production (design decision 7)', () => {
  const WARNED = Symbol.for('otel-sentry.no-dsn-warned');
  beforeEach(() => {
    delete (globalThis as Record<symbol, unknown>)[WARNED];
  });

  it('warns once on the console, saying where events go instead', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      createSentrySetup({ env: { NODE_ENV: 'production' }, exporter: { outboxDir: '/tmp/otel-sentry-test-outbox' } });
      createSentrySetup({ env: { NODE_ENV: 'production' } });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/NODE_ENV is production but no Sentry DSN is set.*outbox/);
    } finally {
      warn.mockRestore();
    }
  });

  it('stays quiet with a DSN, with dsn: "" (nothing on purpose), and outside production', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      createSentrySetup({ dsn: DSN, env: { NODE_ENV: 'production' } });
      createSentrySetup({ dsn: '', env: { NODE_ENV: 'production' } });
      createSentrySetup({ env: { NODE_ENV: 'development' } });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
