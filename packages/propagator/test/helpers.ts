/**
 * Shared set-up for the propagator tests: a real OpenTelemetry tracer (no global
 * registration, so test files stay independent) and plain header carriers.
 */
import { type Context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { type ClientOptions, createClient } from '@otel-sentry/core';
import { SentryPropagator, type SentryPropagatorOptions } from '../src/index.js';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const SPAN_ID = 'b7ad6b7169203331';
export const REPLAY_ID = '6a2b1f0c9d8e4f7a8b3c2d1e0f9a8b7c';

/** Sentry members as a Sentry SDK writes them (percent-encoded values, no replay id). */
export const SENTRY_MEMBERS = [
  `sentry-trace_id=${TRACE_ID}`,
  'sentry-public_key=49d0f7386ad645858ae85020e393bef3',
  'sentry-release=frontend%401.4.2',
  'sentry-environment=production',
  'sentry-transaction=GET%20%2Fapi%2Fusers',
  'sentry-sample_rate=0.25',
  'sentry-sample_rand=0.123456',
  'sentry-sampled=true',
].join(',');

export const tracer = new BasicTracerProvider().getTracer('otel-sentry-propagator-test');

export function makeClient(options: ClientOptions = {}) {
  return createClient({ env: false, ...options });
}

export function makePropagator(options: SentryPropagatorOptions = {}): SentryPropagator {
  return new SentryPropagator({ client: makeClient(), ...options });
}

export function extract(
  propagator: SentryPropagator,
  headers: Record<string, unknown>,
  ctx: Context = ROOT_CONTEXT,
): Context {
  return propagator.extract(ctx, headers, defaultTextMapGetter);
}

export function inject(propagator: SentryPropagator, ctx: Context, carrier: Record<string, unknown> = {}) {
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier as Record<string, string | undefined>;
}

/** A context whose active span is a new child of whatever `parent` carries. */
export function withChild(parent: Context, name = 'child', attributes: Record<string, string> = {}): Context {
  const span = tracer.startSpan(name, { attributes }, parent);
  return trace.setSpan(parent, span);
}

/** The `sentry-` members of a baggage value, in order. */
export function sentryPart(baggage: string | undefined): string[] {
  return (baggage ?? '').split(',').filter((m) => m.startsWith('sentry-'));
}
