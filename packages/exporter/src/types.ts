/**
 * Public types of `@otel-sentry/exporter`.
 */
import type {
  Client,
  ClientReport,
  DataCategory,
  DiscardReason,
  Envelope,
  SentryEvent,
  SpansMode,
} from '@otel-sentry/core';

/** A key pattern for the scrubber: a substring (matched case-insensitively) or a regular expression. */
export type KeyPattern = string | RegExp;

/** Options of {@link SentryEnvelopeExporter}. */
export interface SentryEnvelopeExporterOptions {
  /**
   * Where to send. Default: the client's DSN (`SENTRY_DSN`). Used when a given `client` has
   * none; a client with a different DSN throws `InvalidOptionError` (one pipeline, one
   * project). No DSN: Spotlight or the file outbox.
   */
  readonly dsn?: string | undefined;
  /** Release of the application. Default: the client's (`SENTRY_RELEASE`), else the resource's `service.version`. */
  readonly release?: string | undefined;
  /**
   * Environment. Default: `SENTRY_ENVIRONMENT`, else the resource's `deployment.environment.name`
   * (or `deployment.environment`), else `production`.
   */
  readonly environment?: string | undefined;
  /**
   * Also send every envelope to a Spotlight sidecar: `true` for `http://localhost:8969/stream`,
   * or the sidecar's URL. Default: `SENTRY_SPOTLIGHT` (`true`/`1` or a URL), else off.
   */
  readonly spotlight?: boolean | string | undefined;
  /** A shared client (options and hook bus). Default: one created from these options. */
  readonly client?: Client | undefined;
  /** Send personal data (client IPs, cookies, auth headers, secrets) unscrubbed. Default: the client's, `false`. */
  readonly sendDefaultPii?: boolean | undefined;
  /** More attribute keys whose values are scrubbed, in addition to the defaults. Default `[]`. */
  readonly denyKeys?: readonly KeyPattern[] | undefined;
  /** Attribute keys that are never scrubbed, even when a deny pattern matches. Default `[]`. */
  readonly allowKeys?: readonly KeyPattern[] | undefined;
  /**
   * How long (ms) spans that reach the exporter without their local root (behind a plain
   * `BatchSpanProcessor`) wait for it; then they are sent as transactions of their own.
   * Default `300000`, as in `SentrySpanProcessor`.
   */
  readonly orphanTimeoutMillis?: number | undefined;
  /** Most spans held while waiting for their root; more are dropped (`buffer_overflow`). Default `10000`. */
  readonly maxBufferedSpans?: number | undefined;
  /** Most spans per transaction, the root included; more are dropped (`buffer_overflow`). Default `1000`. */
  readonly maxSpansPerTransaction?: number | undefined;
  /** Most serialized bytes of one event; bigger events are trimmed. Default 1 MiB. */
  readonly maxEventBytes?: number | undefined;
  /**
   * Most envelopes waiting to be sent or in flight; more are shed at once and counted
   * (`queue_overflow`). Default `10000`.
   */
  readonly maxQueueSize?: number | undefined;
  /** Most bytes of serialized envelopes waiting or in flight; more are shed (`queue_overflow`). Default 64 MiB. */
  readonly maxQueueBytes?: number | undefined;
  /**
   * Most requests in flight at once. The limit starts at 8 and grows with demand, so sockets
   * open gradually. At a 100 ms round trip, N requests carry 10·N envelopes a second. The Node
   * transport opens at most 256 sockets: with `pipelining` several requests share one, and
   * without it, requests past 256 wait for a socket. Default `1024`.
   */
  readonly maxConcurrentRequests?: number | undefined;
  /**
   * HTTP/1.1 pipelining on Node: most envelopes written on one connection before their
   * answers are in. New envelopes join a connection that has answered HTTP/1.1 keep-alive
   * before while it has room, and those of one turn of the event loop leave in one write, so
   * a busy service sends a burst over a few sockets and a few writes instead of one of each
   * per envelope. A server or proxy that leaves a pipelined request unanswered for 2 s after
   * answering the one before, or closes with requests unanswered, turns it off for the
   * exporter's life; the unanswered envelopes are sent once more (Sentry drops a repeated
   * event id). `1` turns it off. Not used through a proxy, nor by the `fetch` transport.
   * Default `16`.
   */
  readonly pipelining?: number | undefined;
  /** Timeout (ms) of one HTTP request; its socket is destroyed then. Default `10000`. */
  readonly requestTimeoutMillis?: number | undefined;
  /** Retries after a network error or 5xx, with exponential backoff and jitter. Default `3`. */
  readonly maxRetries?: number | undefined;
  /** First retry delay (ms); each next one is ×1.5, ±20 % jitter. Default `1000`. */
  readonly retryInitialDelayMillis?: number | undefined;
  /** Longest retry delay (ms) from the backoff; `Retry-After` may ask for more, up to 30 s. Default `5000`. */
  readonly retryMaxDelayMillis?: number | undefined;
  /** Bodies larger than this many bytes are gzip-compressed. Default `32768`. */
  readonly compressionThreshold?: number | undefined;
  /** How often (ms) client reports are sent. Default `30000`. */
  readonly clientReportIntervalMillis?: number | undefined;
  /**
   * Release health: `'server'` sends a `session` on start and `sessions` aggregates of
   * local-root server spans every `sessionFlushIntervalMillis`; `'application'` only the
   * start/end session; `false` nothing. Default `'server'`. Needs a release.
   */
  readonly sessionMode?: 'server' | 'application' | false | undefined;
  /** How often (ms) session aggregates are sent in server mode. Default `60000`. */
  readonly sessionFlushIntervalMillis?: number | undefined;
  /**
   * How often (ms) transport health is checked for backpressure: each unhealthy check halves
   * the sample rate of new traces (through the shared client's `SentrySampler`), a healthy
   * one restores it. Default `10000`.
   */
  readonly backpressureIntervalMillis?: number | undefined;
  /**
   * The one deadline (ms) of `forceFlush()` and `shutdown()`: they return within it even when
   * the network hangs. What is not delivered by then goes to the offline queue when it is
   * on, else is counted and logged. Default: the client's (`2000`).
   */
  readonly shutdownTimeoutMillis?: number | undefined;
  /**
   * An HTTP(S) proxy for requests to Sentry (Node). Default: `HTTPS_PROXY` / `HTTP_PROXY`
   * from `env`, unless `NO_PROXY` names the host.
   */
  readonly proxy?: string | undefined;
  /** Extra CA certificates (PEM) trusted for `https` requests to Sentry (Node). */
  readonly caCerts?: string | Uint8Array | ReadonlyArray<string | Uint8Array> | undefined;
  /** Folder of the local outbox used when there is no DSN and no Spotlight. Default `./sentry-outbox`. */
  readonly outboxDir?: string | undefined;
  /** Most envelope files kept in the outbox; the oldest are deleted beyond it. Default `1000`. */
  readonly maxOutboxFiles?: number | undefined;
  /**
   * Offline queue (Node): envelopes that could not be sent are kept on disk and resent on
   * the next start or when the network returns. `true` uses the defaults. Default: off.
   */
  readonly offline?: boolean | OfflineQueueOptions | undefined;
  /** The transport to use instead of HTTP, e.g. in tests or for a custom tunnel. */
  readonly transport?: EnvelopeTransport | undefined;
  /**
   * Last look at each event before it is put in an envelope: return it (edited or not), or
   * `null` to drop it (counted as `before_send`). Default: none.
   */
  readonly beforeSend?: ((event: SentryEvent) => SentryEvent | null | undefined) | undefined;
  /**
   * Where `SENTRY_*` variables are read from (passed to the client it creates, and used for
   * `SENTRY_SPOTLIGHT`). Default: `process.env`. `false` reads none.
   */
  readonly env?: Readonly<Record<string, string | undefined>> | false | undefined;
  /**
   * How spans are sent (errors, sessions and client reports are envelopes in every mode):
   * - `'transactions'`: one transaction event per local root (every Sentry version,
   *   self-hosted included);
   * - `'stream'`: span v2 envelope items, as Sentry SDK 11 sends them: spans leave as they
   *   end, one envelope per trace with its DSC (up to 1000 spans or 5 MB), flushed 0.5 s after
   *   the trace's local root ends, after 5 s, when full, and at flush/shutdown;
   * - `'otlp'`: OTLP/HTTP JSON to Sentry's OTLP endpoint of the DSN (or `otlpUrl`), many traces
   *   per request. Needs the optional peer `@opentelemetry/otlp-transformer`.
   * A `SentrySpanProcessor` given this exporter reads it (the exporter's `spans` property) and
   * hands each span on as it ends in `stream` and `otlp`. Default `'transactions'`.
   */
  readonly spans?: SpansMode | undefined;
  /**
   * With `spans: 'otlp'`: the OTLP/HTTP traces URL to post to instead of Sentry's endpoint of
   * the DSN, e.g. an OpenTelemetry Collector's `http://collector:4318/v1/traces`. Then only
   * `otlpHeaders` are sent (no Sentry auth). Default: Sentry's
   * `/api/<project>/integration/otlp/v1/traces` of the DSN.
   */
  readonly otlpUrl?: string | undefined;
  /** With `spans: 'otlp'`: extra headers of OTLP requests (they win over the defaults). Default: none. */
  readonly otlpHeaders?: Readonly<Record<string, string>> | undefined;
}

/** Options of the offline disk queue. */
export interface OfflineQueueOptions {
  /** Folder of the queue. Default: `<os tmpdir>/otel-sentry-offline/<project id>`. */
  readonly dir?: string | undefined;
  /** Most envelopes kept; the oldest are evicted (`cache_overflow`). Default `100`. */
  readonly maxEnvelopes?: number | undefined;
  /** Most bytes kept; the oldest are evicted (`cache_overflow`). Default 10 MiB. */
  readonly maxBytes?: number | undefined;
  /** How often (ms) the queue tries to resend while it holds envelopes. Default `30000`. */
  readonly retryIntervalMillis?: number | undefined;
}

/** A request a transport is asked to send. */
export interface TransportRequest {
  /** The serialized envelope. */
  readonly body: string | Uint8Array;
  /**
   * UTF-8 bytes of a string `body`, when the exporter counted them while serializing: a
   * transport can take its `Content-Length` from here instead of counting the text again.
   * Absent when unknown (a body read back from the offline queue).
   */
  readonly bytes?: number | undefined;
}

/** What a transport got back for one request. */
export interface TransportResponse {
  /** HTTP status code. */
  readonly statusCode: number;
  /** The `X-Sentry-Rate-Limits` header. */
  readonly rateLimits?: string | null | undefined;
  /** The `Retry-After` header. */
  readonly retryAfter?: string | null | undefined;
}

/**
 * A strategy that sends serialized envelopes. It resolves with the response, and rejects
 * only when no response arrived (network error, timeout), which the exporter retries.
 */
export interface EnvelopeTransport {
  /** Sends one envelope. */
  send(request: TransportRequest): Promise<TransportResponse>;
  /**
   * Called once at shutdown, when the deadline has passed or everything was sent: abort
   * what is in flight and open no connection again. Optional.
   */
  close?(): void;
}

/** The result of {@link SentryEnvelopeExporter.checkConnection}. */
export interface ConnectionCheckResult {
  /** Whether the heartbeat was accepted (a 2xx response, or written to the outbox / Spotlight). */
  readonly ok: boolean;
  /** HTTP status, when a response arrived. */
  readonly status?: number | undefined;
  /** Milliseconds the heartbeat took. */
  readonly latencyMillis: number;
  /** Whether any category is rate limited after the response. */
  readonly rateLimited: boolean;
  /** Where the heartbeat went. */
  readonly destination: 'sentry' | 'spotlight' | 'outbox' | 'none';
  /** Why it failed, when it did. */
  readonly error?: string | undefined;
}

/** Counters of what the exporter did, for tests and diagnostics. */
export interface ExporterStats {
  /** Transactions put in envelopes. */
  transactions: number;
  /** Error events put in envelopes. */
  errors: number;
  /** Envelopes accepted by the destination (2xx or written). */
  envelopesSent: number;
  /** Strings shortened by the size limit. */
  truncatedStrings: number;
  /** Spans removed from events by the span cap or the size limit. */
  trimmedSpans: number;
  /** Envelopes not delivered by the shutdown deadline (stored offline or counted as lost). */
  undeliveredAtShutdown: number;
  /** Spans sent one by one (`stream` and `otlp` modes): put in span envelopes or OTLP requests. */
  streamedSpans: number;
  /** OTLP requests accepted by their destination (`otlp` mode). */
  otlpRequestsSent: number;
}

export type { ClientReport, DataCategory, DiscardReason, Envelope, SentryEvent, SpansMode };
