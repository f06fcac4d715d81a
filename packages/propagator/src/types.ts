/**
 * Public types of `@otel-sentry/propagator`.
 */
import type { Context } from '@opentelemetry/api';
import type { Client, ClientOptions } from '@otel-sentry/core';

/**
 * Decides whether an outgoing request gets trace headers:
 * - a string matches when the request URL contains it;
 * - a `RegExp` matches when it finds a match in the URL;
 * - a function matches when it returns `true` for the URL (a function that throws does not match).
 */
export type TracePropagationTarget = string | RegExp | ((url: string) => boolean);

/**
 * Where the propagator learns the id of the session replay being recorded. Called on every
 * inject, with the context being injected; return a UUID (with or without dashes), or
 * `undefined`/`null` when no replay is being recorded. Errors are caught and logged.
 */
export type ReplayIdSource = (context: Context) => string | null | undefined;

/**
 * The `createClient` options the propagator takes itself, used only when no `client` is
 * given (each falls back to its `SENTRY_*` variable, as in `createClient`).
 */
export type PropagatorClientOptions = Pick<
  ClientOptions,
  'dsn' | 'release' | 'environment' | 'tracesSampleRate' | 'orgId' | 'strictTraceContinuation' | 'env'
>;

/** Options of {@link SentryPropagator}. */
export interface SentryPropagatorOptions extends PropagatorClientOptions {
  /**
   * The client shared with `SentrySpanProcessor` and `SentryEnvelopeExporter`: its options
   * (DSN public key, release, environment, sample rate, `orgId`) fill the DSC at the head of
   * a trace, and its `createDsc` hook runs there. Default: a client created with
   * `createClient` from `dsn`, `release`, `environment`, `tracesSampleRate`, `orgId` and
   * `strictTraceContinuation` ({@link PropagatorClientOptions}, each falling back to its `SENTRY_*` variable).
   */
  readonly client?: Client | undefined;
  /**
   * Which outgoing requests get trace headers, matched against the URL of the request the
   * active span describes: its `url.full` (or `http.url`) attribute, or, for a span that is
   * not recorded, the URL `SentrySampler` handed over when it decided not to record it. A
   * request outside the targets gets no `sentry-trace` and no `sentry-` baggage member, not
   * even those a `W3CBaggagePropagator` listed before this one copied from the incoming
   * request. A request whose URL is unknown (a span another sampler did not record) gets them;
   * `diag` says so once. Default: every request. An empty list: none.
   */
  readonly tracePropagationTargets?: readonly TracePropagationTarget[] | undefined;
  /**
   * Also write a W3C `traceparent` header (when the carrier has none yet), for services that
   * only read W3C trace context. Not needed beside `W3CTraceContextPropagator`. Default `false`.
   */
  readonly propagateTraceparent?: boolean | undefined;
  /**
   * Write the four-field `sentry-trace` form `<trace>-<span>-<sampled>-<flags>`, whose flag
   * 0x01 says a replay is being recorded. Sentry SDKs do not read this form (they start a new
   * trace), so enable it only when every receiver is an otel-sentry propagator. Default `false`.
   */
  readonly sentryTraceFlags?: boolean | undefined;
  /**
   * The current replay id, asked for on every inject (a browser app passes its replay
   * recorder's id). When given, its answer is the only replay id sent: `undefined`/`null`
   * (or a source that throws or answers something that is not a UUID) means none, whatever
   * arrived with the trace, sits in the context or was frozen into the DSC. A source that
   * wants to pass on the id that arrived returns `getReplayId(context)` itself. Default: the
   * replay id that arrived with the trace or was set in the context (`getReplayId(context)`
   * of `@otel-sentry/core`).
   */
  readonly getReplayId?: ReplayIdSource | undefined;
}
