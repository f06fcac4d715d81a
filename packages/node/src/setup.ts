/**
 * `createSentrySetup`: the one call that builds every part on one client (design decision 12),
 * so nothing can be mis-wired — the sampler, the span processor, the exporter and the
 * propagator read the same DSN, release, environment and sample rate, and hooks registered on
 * the client see the whole pipeline. The parts are handed over in the shapes `NodeSDK` and
 * `BasicTracerProvider` take (`sampler`, `spanProcessors`, `textMapPropagator`); the set-up
 * registers nothing global itself, so it works with either, and beside other OpenTelemetry code.
 */
import type { Context } from '@opentelemetry/api';
import { createClient, pickClientOptions, resolveEnv } from '@otel-sentry/core';
import { SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { SentryPropagator } from '@otel-sentry/propagator';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';
import { SentryCompositePropagator } from './composite-propagator.js';
import { installExitFlush } from './exit-flush.js';
import { checkFirstTrace } from './first-trace-check.js';
import { getTraceMetaTags } from './meta-tags.js';
import { checkSetupOptions } from './setup-options.js';
import type { SentryNodeSetup, SentryNodeSetupOptions } from './types.js';

/**
 * Builds `SentrySampler`, `SentryPropagator` (composed with W3C trace context under the same
 * `tracePropagationTargets`; W3C baggage opt-in), `SentrySpanProcessor` and
 * `SentryEnvelopeExporter` on one client.
 *
 * ```ts
 * const sentry = createSentrySetup({ release: 'checkout@1.4.2' });
 * const sdk = new NodeSDK({
 *   sampler: sentry.sampler,
 *   spanProcessors: sentry.spanProcessors,
 *   textMapPropagator: sentry.textMapPropagator,
 *   instrumentations: [new HttpInstrumentation()],
 * });
 * sdk.start();
 * sentry.flushOnExit();
 * ```
 *
 * @throws InvalidOptionError (core) when an option cannot work, naming it and the fix.
 */
export function createSentrySetup(options: SentryNodeSetupOptions = {}): SentryNodeSetup {
  const checked = checkSetupOptions(options);
  const o = checked.options;
  const client = checked.client ?? createClient(pickClientOptions(o as Record<string, unknown>));
  const exporter = new SentryEnvelopeExporter({ ...checked.exporter, client, env: o.env });
  const spanProcessor = new SentrySpanProcessor({ ...checked.spanProcessor, client, exporter });
  const sampler = new SentrySampler({ client, tracesSampler: o.tracesSampler });
  const sentryPropagator = new SentryPropagator({
    client,
    tracePropagationTargets: o.tracePropagationTargets,
    sentryTraceFlags: o.sentryTraceFlags,
  });
  const textMapPropagator = new SentryCompositePropagator({ sentry: sentryPropagator, w3cBaggage: checked.w3cBaggage });
  // A page is not an outgoing request: its meta tags do not depend on the targets.
  let metaPropagator: SentryPropagator | undefined;

  const env = resolveEnv(o.env);
  // The exporter itself warns (once per process) when NODE_ENV=production and no DSN is set.
  if (checked.validate ?? env.NODE_ENV !== 'production') checkFirstTrace(client, sampler);

  let removeExitFlush: (() => void) | undefined;
  return Object.freeze({
    client,
    sampler,
    spanProcessor,
    spanProcessors: [spanProcessor],
    exporter,
    textMapPropagator,
    flushOnExit(): () => void {
      removeExitFlush ??= installExitFlush(spanProcessor, {
        deadlineMillis: client.options.shutdownTimeoutMillis,
        onSpanEnd: (callback) => client.on('spanEnd', callback),
      });
      return removeExitFlush;
    },
    getTraceMetaTags(context?: Context): string {
      metaPropagator ??= new SentryPropagator({ client, sentryTraceFlags: o.sentryTraceFlags });
      return getTraceMetaTags({ context, propagator: metaPropagator });
    },
    forceFlush: () => spanProcessor.forceFlush(),
    shutdown: () => spanProcessor.shutdown(),
  });
}
