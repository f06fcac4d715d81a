/**
 * The otel-sentry set-ups (`otel-sentry`, `otel-sentry-stream`, `otel-sentry-otlp`), wired as
 * a user following the README wires them: `createSentrySetup` from `@otel-sentry/node` (one
 * client; `SentrySampler`; W3C trace context + `SentryPropagator`, W3C baggage left off as by
 * default; `SentrySpanProcessor` in front of `SentryEnvelopeExporter`, DSN to the receiver),
 * on a bare `BasicTracerProvider` with the HTTP instrumentation, with the exporter's `spans`
 * option set. In `otlp` mode the spans go to the OTLP endpoint derived from the DSN
 * (`/api/<run>/integration/otlp/v1/traces` on the receiver); errors, sessions and client
 * reports still go as envelopes.
 *
 * Loads the packages' built `dist` through the workspace (`@otel-sentry/*`), or, when
 * `E2E_PACKAGES_DIR` is set, from `<dir>/<name>/dist/esm/index.js`: a snapshot build, for
 * benchmarking while the workspace's `dist` is being rebuilt.
 */
import { pathToFileURL } from 'node:url';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { SpansMode } from '@otel-sentry/core';
import { RootCounter, readSetupConfig, registerSetup, within } from './setup-api.js';

/** Installs the pipeline with `spans` and registers the set-up handle. */
export async function installOtelSentry(spans: SpansMode): Promise<void> {
  const packagesDir = process.env.E2E_PACKAGES_DIR;
  const { createSentrySetup } = (await import(
    packagesDir ? pathToFileURL(`${packagesDir}/node/dist/esm/index.js`).href : '@otel-sentry/node'
  )) as typeof import('@otel-sentry/node');

  const config = readSetupConfig();
  const sentry = createSentrySetup({
    dsn: config.dsn,
    release: config.release,
    environment: config.environment,
    tracesSampleRate: config.sampleRate,
    // The same bounded wait the Sentry SDK set-ups get from `Sentry.flush(timeout)`.
    shutdownTimeoutMillis: config.flushMs,
    env: false,
    exporter: { spans },
  });
  const counter = new RootCounter();
  const provider = new BasicTracerProvider({
    sampler: sentry.sampler,
    spanProcessors: [...sentry.spanProcessors, counter],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(sentry.textMapPropagator);
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({ tracerProvider: provider, instrumentations: [new HttpInstrumentation()] });

  registerSetup({
    flush: (timeoutMs) => within(provider.forceFlush(), timeoutMs),
    sampledRoots: () => counter.count,
  });
}
