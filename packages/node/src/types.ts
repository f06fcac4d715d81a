/**
 * Public types of `@otel-sentry/node`.
 */
import type { Context, TextMapPropagator } from '@opentelemetry/api';
import type { Client, ClientOptions } from '@otel-sentry/core';
import type { SentryEnvelopeExporter, SentryEnvelopeExporterOptions } from '@otel-sentry/exporter';
import type { SentryPropagatorOptions } from '@otel-sentry/propagator';
import type {
  SentrySampler,
  SentrySpanProcessor,
  SentrySpanProcessorOptions,
  TracesSampler,
} from '@otel-sentry/span-processor';
import type { SentryCompositePropagator } from './composite-propagator.js';

/** Exporter options the set-up passes on: all but the client and the client options, given at the top level. */
export type SetupExporterOptions = Omit<SentryEnvelopeExporterOptions, 'client' | keyof ClientOptions>;

/** Span processor options the set-up passes on: all but `client` and `exporter`, which the set-up builds. */
export type SetupSpanProcessorOptions = Omit<SentrySpanProcessorOptions, 'client' | 'exporter'>;

/**
 * Options of {@link createSentrySetup}. The client options (`dsn`, `release`, `environment`,
 * `tracesSampleRate`, `shutdownTimeoutMillis`, `env`...) are those of `createClient` and fall
 * back to `SENTRY_DSN`, `SENTRY_RELEASE`, `SENTRY_ENVIRONMENT`, `SENTRY_TRACES_SAMPLE_RATE`.
 */
export interface SentryNodeSetupOptions extends ClientOptions {
  /**
   * A client made by `createClient()`, when the app has one already (to register hooks before
   * the set-up). Client options given beside it must agree with it. Default: a new client.
   */
  readonly client?: Client | undefined;
  /**
   * Which outgoing requests get trace headers — `sentry-trace`, `baggage` and W3C
   * `traceparent` alike: substrings, regular expressions or predicates of the URL.
   * Default: every request.
   */
  readonly tracePropagationTargets?: SentryPropagatorOptions['tracePropagationTargets'];
  /** Propagate W3C `baggage` members of other vendors too (`W3CBaggagePropagator`). Default `false`. */
  readonly w3cBaggage?: boolean | undefined;
  /** Write the 4-field `sentry-trace` with flags. Default `false`. */
  readonly sentryTraceFlags?: boolean | undefined;
  /** Decides the sample rate per new trace (`SentrySampler`'s `tracesSampler`). Default: `tracesSampleRate`. */
  readonly tracesSampler?: TracesSampler | undefined;
  /** More options of the exporter (`spans`, `spotlight`, `outboxDir`, `maxOutboxFiles`, `transport`...). */
  readonly exporter?: SetupExporterOptions | undefined;
  /** More options of the span processor (`maxBufferedSpans`, `lateChildGraceMillis`...). */
  readonly spanProcessor?: SetupSpanProcessorOptions | undefined;
  /**
   * Check, when the first trace starts, that the provider uses this set-up's sampler and the
   * global propagator holds its `SentryPropagator` (see `validateSentrySetup`); problems are
   * reported through `diag.warn`. Default: on unless `NODE_ENV` is `production`.
   */
  readonly validate?: boolean | undefined;
}

/** What {@link createSentrySetup} returns: every part, built on one client. */
export interface SentryNodeSetup {
  /** The one client: options and hooks (`setup.client.on('beforeSendEvent', ...)`). */
  readonly client: Client;
  /** For the provider's `sampler` (`NodeSDK`, `BasicTracerProvider`). */
  readonly sampler: SentrySampler;
  /** The span processor; it flushes and shuts down the exporter with it. */
  readonly spanProcessor: SentrySpanProcessor;
  /** `[spanProcessor]`, for the provider's `spanProcessors`. */
  readonly spanProcessors: SentrySpanProcessor[];
  /** The exporter the span processor hands transactions to. */
  readonly exporter: SentryEnvelopeExporter;
  /** For `NodeSDK`'s `textMapPropagator` or `propagation.setGlobalPropagator`. */
  readonly textMapPropagator: SentryCompositePropagator & TextMapPropagator;
  /**
   * Flushes at process exit: on `beforeExit`; on SIGTERM/SIGINT, when no other listener is
   * registered, shuts down within `shutdownTimeoutMillis` and raises the signal again (the
   * process exits as Node would have); with the app's own listeners, flushes only. Returns a
   * function that removes the listeners. Idempotent. `process.exit()` cannot be flushed.
   */
  flushOnExit(): () => void;
  /**
   * `<meta name="sentry-trace">` and `<meta name="baggage">` of the trace active in `context`
   * (default: the active one), HTML-escaped, for a server-rendered page. `''` without a trace.
   */
  getTraceMetaTags(context?: Context): string;
  /** Sends what is pending, within `shutdownTimeoutMillis`. */
  forceFlush(): Promise<void>;
  /** Sends what is pending and stops, within `shutdownTimeoutMillis`. Idempotent. */
  shutdown(): Promise<void>;
}
