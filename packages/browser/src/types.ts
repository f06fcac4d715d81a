/**
 * Public types of `@otel-sentry/browser`.
 */
import type { ContextManager, TextMapPropagator } from '@opentelemetry/api';
import type { Client, ClientOptions } from '@otel-sentry/core';
import type { SentryEnvelopeExporter, SentryEnvelopeExporterOptions } from '@otel-sentry/exporter';
import type { ReplayIdSource, SentryPropagatorOptions } from '@otel-sentry/propagator';
import type { SentrySampler, SentrySpanProcessor, TracesSampler } from '@otel-sentry/span-processor';
import type { NavigationEvents, PageTraceContextManager } from './page-context-manager.js';
import type { MetaTagSource } from './page-trace.js';
import type { ReplayIntegrationLike } from './replay-id-source.js';

/**
 * Options of {@link createSentryBrowserSetup}. The client options (`dsn`, `release`,
 * `environment`, `tracesSampleRate`…) are those of `createClient`; in a page they have no
 * environment variables to fall back to.
 */
export interface SentryBrowserSetupOptions extends ClientOptions {
  /** A client made by `createClient()`; client options beside it must agree with it. Default: a new client. */
  readonly client?: Client | undefined;
  /**
   * Which requests get `sentry-trace` and `baggage`: URL substrings, regular expressions or
   * predicates. Default: the page's own origin only — a cross-origin backend must be listed,
   * and must allow those headers (see the README's CORS section).
   */
  readonly tracePropagationTargets?: SentryPropagatorOptions['tracePropagationTargets'];
  /**
   * Also write W3C `traceparent` to those requests. Default `false`: across origins it is one
   * more header the backend's CORS policy must allow, and Sentry backends do not need it.
   */
  readonly propagateTraceparent?: boolean | undefined;
  /**
   * The Sentry replay integration (`Sentry.getReplay()`, or a function returning it): requests
   * carry the id of the replay it records in session mode. Give this or `getReplayId`, not both.
   */
  readonly replay?: ReplayIntegrationLike | (() => ReplayIntegrationLike | undefined) | undefined;
  /** Another source of the current replay id. */
  readonly getReplayId?: ReplayIdSource | undefined;
  /** Decides the sample rate per new trace (`SentrySampler`). Default: `tracesSampleRate`. */
  readonly tracesSampler?: TracesSampler | undefined;
  /**
   * The app's context manager, wrapped so that the page's trace is the root context.
   * Default: sdk-trace-web's `StackContextManager`.
   */
  readonly contextManager?: ContextManager | undefined;
  /** More exporter options (`transport`, `spans`…); the client options go at the top level. */
  readonly exporter?: Omit<SentryEnvelopeExporterOptions, 'client' | keyof ClientOptions> | undefined;
  /** Where the meta tags are read. Default: `document` where there is one. */
  readonly document?: MetaTagSource | undefined;
  /** Where navigation is heard. Default: `window` where there is one. */
  readonly window?: NavigationEvents | undefined;
}

/** What {@link createSentryBrowserSetup} returns: every part, on one client. */
export interface SentryBrowserSetup {
  readonly client: Client;
  /** For the provider's `sampler`. */
  readonly sampler: SentrySampler;
  /** The span processor; it flushes and shuts down the exporter with it. */
  readonly spanProcessor: SentrySpanProcessor;
  /** `[spanProcessor]`, for the provider's `spanProcessors`. */
  readonly spanProcessors: SentrySpanProcessor[];
  readonly exporter: SentryEnvelopeExporter;
  /** For `provider.register({ propagator })`. */
  readonly textMapPropagator: TextMapPropagator;
  /** For `provider.register({ contextManager })`: the page's trace as the root context. */
  readonly contextManager: PageTraceContextManager;
  /** Ends the page's trace now (for a router that the navigation events do not report). */
  endPageTrace(): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
