/**
 * The otel-sentry set-up with a chosen way to send spans, shared by `otel-sentry-stream` and
 * `otel-sentry-otlp`: wired as `otel-sentry.ts` is (one client, `SentrySampler`, W3C trace
 * context + W3C baggage + `SentryPropagator`, `SentrySpanProcessor` in front of
 * `SentryEnvelopeExporter`, DSN to the receiver), with the exporter's `spans` option set.
 * The span processor reads the mode from the exporter. In `otlp` mode the spans go to the
 * OTLP endpoint derived from the DSN (`/api/<run>/integration/otlp/v1/traces` on the
 * receiver); errors, sessions and client reports still go as envelopes.
 *
 * Loads the packages' built `dist` as `otel-sentry.ts` does (`E2E_PACKAGES_DIR` honoured).
 */
import { pathToFileURL } from 'node:url';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { SpansMode } from '@otel-sentry/core';
import { RootCounter, readSetupConfig, registerSetup, within } from './setup-api.js';

/** Installs the pipeline with `spans` and registers the set-up handle. */
export async function installOtelSentry(spans: SpansMode): Promise<void> {
  const packagesDir = process.env.E2E_PACKAGES_DIR;
  const load = (name: string): Promise<unknown> =>
    import(packagesDir ? pathToFileURL(`${packagesDir}/${name}/dist/esm/index.js`).href : `@otel-sentry/${name}`);
  const { createClient } = (await load('core')) as typeof import('@otel-sentry/core');
  const { SentryEnvelopeExporter } = (await load('exporter')) as typeof import('@otel-sentry/exporter');
  const { SentryPropagator } = (await load('propagator')) as typeof import('@otel-sentry/propagator');
  const { SentrySampler, SentrySpanProcessor } = (await load(
    'span-processor',
  )) as typeof import('@otel-sentry/span-processor');

  const config = readSetupConfig();
  const client = createClient({
    dsn: config.dsn,
    release: config.release,
    environment: config.environment,
    tracesSampleRate: config.sampleRate,
    // The same bounded wait the Sentry SDK set-ups get from `Sentry.flush(timeout)`.
    shutdownTimeoutMillis: config.flushMs,
    env: false,
  });
  const exporter = new SentryEnvelopeExporter({ client, spans });
  const processor = new SentrySpanProcessor({ client, exporter });
  const counter = new RootCounter();
  const provider = new BasicTracerProvider({
    sampler: new SentrySampler({ client }),
    spanProcessors: [processor, counter],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new SentryPropagator({ client })],
    }),
  );
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({ tracerProvider: provider, instrumentations: [new HttpInstrumentation()] });

  registerSetup({
    flush: (timeoutMs) => within(provider.forceFlush(), timeoutMs),
    sampledRoots: () => counter.count,
  });
}
