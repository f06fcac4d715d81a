import { context, diag, propagation, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@otel-sentry/core';
import { SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { createSentrySetup, validateSentrySetup } from '@otel-sentry/node';
import { SentryPropagator } from '@otel-sentry/propagator';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DSN, WarningRecorder } from './capture.js';

let recorder: WarningRecorder;
beforeEach(() => {
  recorder = new WarningRecorder().install();
});
afterEach(() => {
  diag.disable();
  propagation.disable();
  trace.disable();
  context.disable();
});

/** A hand-made set-up, as the READMEs of the plugins show it, on one client. */
function handMade() {
  const client = createClient({ dsn: DSN, environment: 'staging', env: false });
  const exporter = new SentryEnvelopeExporter({ client });
  return {
    client,
    exporter,
    sampler: new SentrySampler({ client }),
    spanProcessors: [new SentrySpanProcessor({ client, exporter })],
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new SentryPropagator({ client })],
    }),
  };
}

describe('validateSentrySetup', () => {
  it('finds nothing wrong with a set-up on one client, in the right order', () => {
    const { client: _client, ...parts } = handMade();
    expect(validateSentrySetup(parts)).toEqual([]);
    expect(validateSentrySetup({ ...createSentrySetup({ dsn: DSN, env: false }), propagator: undefined })).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'missing-propagator' })]),
    );
    const setup = createSentrySetup({ dsn: DSN, env: false });
    expect(validateSentrySetup({ ...setup, propagator: setup.textMapPropagator })).toEqual([]);
    expect(recorder.warnings.filter((w) => w.includes('set-up'))).toHaveLength(1);
  });

  it('reports parts that do not share a client, and what differs', () => {
    const parts = handMade();
    // The case: the client given to the exporter only.
    const exporter = new SentryEnvelopeExporter({ client: parts.client });
    const problems = validateSentrySetup({
      sampler: new SentrySampler({ tracesSampleRate: 0.1, env: false }),
      spanProcessors: [new SentrySpanProcessor({ exporter })],
      propagator: new SentryPropagator({ environment: 'production', env: false }),
      exporter,
    });
    expect(problems.map((p) => p.code)).toEqual(['clients-differ']);
    expect(problems[0]?.message).toContain('SentrySampler and SentrySpanProcessor have different clients');
    expect(problems[0]?.message).toContain('tracesSampleRate 0.1 vs 1');
    expect(recorder.warnings.join('\n')).toContain('different clients');
  });

  it('reports a provider without SentrySampler and a provider without SentrySpanProcessor', () => {
    const parts = handMade();
    const problems = validateSentrySetup({
      ...parts,
      sampler: new AlwaysOnSampler(),
      spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())],
    });
    expect(problems.map((p) => p.code)).toEqual(['missing-sampler', 'missing-span-processor']);
    expect(problems[0]?.message).toContain('AlwaysOnSampler');
  });

  it('reports W3C propagators listed after SentryPropagator', () => {
    const { client } = handMade();
    const problems = validateSentrySetup({
      propagator: new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new SentryPropagator({ client }), new W3CBaggagePropagator()],
      }),
    });
    expect(problems.map((p) => p.code)).toEqual(['propagator-order']);
    expect(problems[0]?.message).toContain('W3CBaggagePropagator');
  });

  it('reads the global propagator when none is given', () => {
    expect(validateSentrySetup({}).map((p) => p.code)).toEqual(['missing-propagator']);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    expect(validateSentrySetup({}).map((p) => p.code)).toEqual(['missing-propagator']);
    propagation.disable();
    propagation.setGlobalPropagator(handMade().propagator);
    expect(validateSentrySetup({})).toEqual([]);
  });
});
