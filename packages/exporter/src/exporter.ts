/**
 * `SentryEnvelopeExporter`: the OpenTelemetry `SpanExporter` contract over the pieces that
 * do the work — the transaction assembler (for spans no `SentrySpanProcessor` assembled),
 * the event pipeline (spans → events → envelopes), the heartbeat (sessions and client
 * reports), the senders (a bounded queue and many requests in flight over the platform
 * transport) and the offline leg (`offline-leg.ts`) — plus backpressure and the one shutdown
 * deadline.
 */
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  type Client,
  type ClientReport,
  createClient,
  createEnvelope,
  type DataCategory,
  type DiscardReason,
  type Dsn,
  dsnToString,
  type Envelope,
  InvalidOptionError,
  parseDsn,
  RateLimits,
  type ReadableSpanLike,
  resolveEnv,
  type SpansMode,
  serializeEnvelope,
  type TransportResult,
} from '@otel-sentry/core';
import { ClientReportRecorder } from './client-reports.js';
import {
  createOtlpTransport,
  createSentryTransport,
  createSpotlightTransport,
  type Destination,
  LazyOutboxTransport,
} from './destination.js';
import { exporterDiag } from './diag.js';
import { EnvelopeSender, type EnvelopeSenderOptions, recordEnvelopeDrop, type Undelivered } from './envelope-sender.js';
import { EventPipeline } from './event-pipeline.js';
import { recordLostSpans, spansOfGroups } from './export-failure.js';
import { Heartbeat } from './heartbeat.js';
import { type OfflineLeg, startOfflineLeg } from './offline-leg.js';
import {
  checkEarlyExporterOptions,
  MAX_RETRY_DELAY_MILLIS,
  type ResolvedExporterOptions,
  resolveExporterOptions,
  timerMillis,
} from './options.js';
import { type OtlpEndpoint, otlpEndpoint } from './otlp-endpoint.js';
import { OtlpSpanSender } from './otlp-span-sender.js';
import { warnNoDsnInProduction } from './production-warning.js';
import { DEFAULT_BACKOFF } from './retry.js';
import { isNode } from './runtime.js';
import { Scrubber } from './scrubber.js';
import { SpanStreamer } from './span-streamer.js';
import { resolveSpotlightUrl } from './spotlight.js';
import { delay, unref } from './timers.js';
import { TransactionAssembler } from './transaction-assembler.js';
import type { ConnectionCheckResult, ExporterStats, SentryEnvelopeExporterOptions } from './types.js';

/** The client hook other components emit their drops on: `(reason, category, quantity)`. */
const DISCARDED_EVENT_HOOK = 'discardedEvent';

/** Share of the shutdown deadline kept for writing undelivered envelopes to the offline queue. */
const OFFLINE_RESERVE_SHARE = 0.2;

type SpanExporterLike = {
  export(spans: ReadableSpanLike[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
};

/**
 * The DSN to send to. An exporter's own `dsn` serves when its client has none; a client
 * with a different one is a configuration mistake (the propagator would fill the DSC with
 * one project's key while the exporter sends to another), reported now rather than guessed.
 */
function resolveDsn(option: unknown, fromClient: Dsn | undefined): Dsn | undefined {
  if (option === undefined || option === '') return fromClient;
  if (typeof option !== 'string') {
    throw new InvalidOptionError('otel-sentry/exporter: option "dsn" must be a DSN string');
  }
  let own: Dsn;
  try {
    own = parseDsn(option);
  } catch (error) {
    throw new InvalidOptionError(`otel-sentry/exporter: option "dsn": ${(error as Error).message}`);
  }
  if (fromClient !== undefined && dsnToString(fromClient) !== dsnToString(own)) {
    throw new InvalidOptionError(
      'otel-sentry/exporter: options "dsn" and "client" name different DSNs; give the DSN to createClient only',
    );
  }
  return fromClient ?? own;
}

/** The retry settings of a sender to Sentry (envelopes or OTLP), from the options. */
function retryPolicy(
  o: ResolvedExporterOptions,
): Pick<EnvelopeSenderOptions, 'maxRetries' | 'maxRetryDelayMillis' | 'backoff'> {
  return {
    maxRetries: o.maxRetries,
    maxRetryDelayMillis: MAX_RETRY_DELAY_MILLIS,
    backoff: { ...DEFAULT_BACKOFF, initialMs: o.retryInitialDelayMillis, maxMs: o.retryMaxDelayMillis },
  };
}

/** A one-line account of undelivered envelopes, by item type: `3 transaction, 1 event`. */
function describeItems(envelopes: readonly Undelivered[]): string {
  const counts = new Map<string, number>();
  for (const { envelope } of envelopes) {
    for (const item of envelope.items) counts.set(item.headers.type, (counts.get(item.headers.type) ?? 0) + 1);
  }
  return [...counts].map(([type, n]) => `${n} ${type}`).join(', ');
}

/**
 * Exports OpenTelemetry spans to Sentry as transactions and errors, with sessions and client
 * reports, over a transport that keeps up with production traffic, honours rate limits,
 * retries, and never loses anything silently.
 *
 * @example
 * ```ts
 * const client = createClient({ dsn: process.env.SENTRY_DSN });
 * const exporter = new SentryEnvelopeExporter({ client });
 * const provider = new BasicTracerProvider({
 *   sampler: new SentrySampler({ client }),
 *   spanProcessors: [new SentrySpanProcessor({ client, exporter })],
 * });
 * ```
 */
export class SentryEnvelopeExporter implements SpanExporterLike {
  /** The client: options and hook bus, shared with the propagator and span processor when given. */
  readonly client: Client;
  /**
   * How this exporter sends spans (option `spans`). `SentrySpanProcessor` reads it: in `stream`
   * and `otlp` it hands each span on as it ends. `otlp` with neither a DSN nor `otlpUrl`
   * (Spotlight or the outbox) sends span v2 envelopes there instead, and says `stream`.
   */
  readonly spans: SpansMode;
  readonly #o: ResolvedExporterOptions;
  readonly #assembler: TransactionAssembler;
  readonly #rateLimits = new RateLimits();
  readonly #reports = new ClientReportRecorder();
  readonly #sender: EnvelopeSender;
  readonly #destination: Destination;
  readonly #spotlight: EnvelopeSender | undefined;
  readonly #heartbeat: Heartbeat;
  readonly #pipeline: EventPipeline;
  readonly #pipelineScrubber: Scrubber;
  /** `stream` mode: the per-trace span v2 buffer. */
  readonly #streamer: SpanStreamer | undefined;
  /** `otlp` mode: the OTLP batcher and its own sender (to the OTLP endpoint). */
  readonly #otlp: OtlpSpanSender | undefined;
  readonly #otlpSender: EnvelopeSender | undefined;
  readonly #timers: Array<ReturnType<typeof setInterval>> = [];
  readonly #dsn: Dsn | undefined;
  readonly #unsubscribe: () => void;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  #offline: OfflineLeg | undefined;
  #shutdownPromise: Promise<void> | undefined;
  readonly #stats: ExporterStats = {
    transactions: 0,
    errors: 0,
    envelopesSent: 0,
    truncatedStrings: 0,
    trimmedSpans: 0,
    undeliveredAtShutdown: 0,
    streamedSpans: 0,
    otlpRequestsSent: 0,
  };

  /**
   * Creates the exporter. Every option is checked here: one that cannot work throws an
   * `InvalidOptionError` naming it, so nothing fails later in the application's path.
   */
  constructor(options: SentryEnvelopeExporterOptions = {}) {
    // Options read before the client exists (options.ts checks the rest).
    checkEarlyExporterOptions(options);
    const env = resolveEnv(options.env);
    this.client =
      options.client ??
      createClient({
        dsn: options.dsn,
        release: options.release,
        environment: options.environment,
        sendDefaultPii: options.sendDefaultPii,
        shutdownTimeoutMillis: options.shutdownTimeoutMillis,
        env: options.env,
      });
    const o = resolveExporterOptions(options, this.client);
    this.#o = o;
    const co = this.client.options;
    const release = options.release ?? co.release;
    // A defaulted `production` must not hide the resource's `deployment.environment.name`.
    const environment = options.environment ?? (co.environmentSource === 'default' ? undefined : co.environment);

    this.#assembler = new TransactionAssembler({
      orphanTimeoutMillis: o.orphanTimeoutMillis,
      maxBufferedSpans: o.maxBufferedSpans,
      maxSpansPerTransaction: o.maxSpansPerTransaction,
      onDrop: (count, reason, why) => {
        this.#reports.record(reason, 'span', count);
        exporterDiag.warn(`${count} span(s) dropped (${reason}): ${why}`);
      },
    });

    const spotlightUrl = resolveSpotlightUrl(options.spotlight, env);
    this.#dsn = resolveDsn(options.dsn, co.dsn);
    this.#destination = this.#chooseDestination(options, o, spotlightUrl, env);
    if (this.#destination.kind !== 'sentry') {
      warnNoDsnInProduction(
        env,
        this.client.options.dsnDisabled,
        this.#destination.outboxDir !== undefined ? `the local outbox ${this.#destination.outboxDir}` : 'Spotlight',
      );
    }
    this.#sender = new EnvelopeSender({
      transport: this.#destination.transport,
      rateLimits: this.#rateLimits,
      reports: this.#reports,
      maxQueueSize: o.maxQueueSize,
      maxQueueBytes: o.maxQueueBytes,
      maxConcurrent: this.#destination.kind === 'sentry' ? o.maxConcurrentRequests : 4,
      ...retryPolicy(o),
      // The outbox and Spotlight are local: a failure there does not get better by waiting.
      ...(this.#destination.kind === 'sentry' ? {} : { maxRetries: 0 }),
      onResult: (envelope, result, delivered) => this.#afterSend(envelope, result, delivered),
      label: this.#destination.kind === 'sentry' ? 'Sentry' : this.#destination.kind,
    });
    if (this.#destination.kind === 'sentry' && spotlightUrl !== undefined) {
      this.#spotlight = this.#spotlightSender(spotlightUrl, o);
    }
    if (o.offline !== undefined && this.#destination.kind === 'sentry') {
      const offline = startOfflineLeg({
        settings: o.offline,
        projectId: this.#dsn?.projectId,
        transport: this.#destination.transport,
        reports: this.#reports,
        onDelivered: () => {
          this.#stats.envelopesSent++;
        },
      });
      if (offline !== undefined) {
        this.#offline = offline;
        this.#sender.setOffline(offline.store);
        this.#addTimer(() => offline.store.networkUp(), o.offline.retryIntervalMillis);
      }
    }

    this.#heartbeat = new Heartbeat({
      client: this.client,
      reports: this.#reports,
      sessionMode: o.sessionMode,
      submit: (envelope) => this.#submit(envelope),
    });
    this.#pipelineScrubber = new Scrubber({
      sendDefaultPii: options.sendDefaultPii ?? co.sendDefaultPii,
      denyKeys: o.denyKeys,
      allowKeys: o.allowKeys,
    });
    this.#pipeline = new EventPipeline({
      client: this.client,
      options: o,
      scrubber: this.#pipelineScrubber,
      reports: this.#reports,
      stats: this.#stats,
      heartbeat: this.#heartbeat,
      publicKey: this.#dsn?.publicKey,
      release,
      environment,
      platform: isNode() ? 'node' : 'javascript',
      submit: (envelope) => this.#submit(envelope),
    });

    const scrubber = this.#pipelineScrubber;
    let spans = o.spans;
    let otlp: OtlpEndpoint | undefined;
    if (spans === 'otlp') {
      otlp = otlpEndpoint(this.#destination.kind === 'sentry' ? this.#dsn : undefined, o.otlpUrl, o.otlpHeaders);
      if (otlp === undefined) {
        spans = 'stream';
        exporterDiag.info(
          `spans: "otlp" needs a DSN or otlpUrl; spans go to ${this.#destination.kind === 'outbox' ? 'the outbox' : this.#destination.kind} as span v2 envelopes instead`,
        );
      }
    }
    this.spans = spans;
    if (spans === 'stream') {
      this.#streamer = new SpanStreamer({
        pipeline: this.#pipeline,
        scrubber,
        sdk: co.sdk,
        maxBufferedSpans: o.maxBufferedSpans,
        submit: (envelope) => this.#submit(envelope),
        onError: (error, count) => {
          exporterDiag.error('sending streamed spans failed', error);
          this.#reports.record('internal_sdk_error', 'span', count);
        },
      });
    }
    if (otlp !== undefined) {
      // A Collector's 429 must not stop envelopes to Sentry; Sentry's own limits hold for both.
      const otlpLimits = otlp.toSentry ? this.#rateLimits : new RateLimits();
      const sender = new EnvelopeSender({
        transport: createOtlpTransport(otlp, o, env),
        rateLimits: otlpLimits,
        reports: this.#reports,
        maxQueueSize: o.maxQueueSize,
        maxQueueBytes: o.maxQueueBytes,
        maxConcurrent: o.maxConcurrentRequests,
        ...retryPolicy(o),
        onResult: (_request, _result, delivered) => {
          if (delivered) this.#stats.otlpRequestsSent++;
        },
        label: otlp.toSentry ? "Sentry's OTLP endpoint" : otlp.url,
      });
      this.#otlpSender = sender;
      this.#otlp = new OtlpSpanSender({
        pipeline: this.#pipeline,
        scrubber,
        sdk: co.sdk,
        sender,
        rateLimits: otlpLimits,
        reports: this.#reports,
        toSentry: otlp.toSentry,
        maxBufferedSpans: o.maxBufferedSpans,
      });
    }

    // The span processor emits its drops on the shared client; they belong in our client reports.
    this.#unsubscribe = this.client.on(
      DISCARDED_EVENT_HOOK,
      (reason: unknown, category: unknown, quantity: unknown) => {
        if (typeof reason === 'string' && typeof category === 'string' && typeof quantity === 'number') {
          this.recordDroppedEvent(reason as DiscardReason, category as DataCategory, quantity);
        }
      },
    );

    this.#addTimer(() => this.#heartbeat.sendClientReport(), o.clientReportIntervalMillis);
    this.#addTimer(() => this.#checkBackpressure(), o.backpressureIntervalMillis);
    if (o.sessionMode !== false && release !== undefined) {
      this.#heartbeat.start(release, environment ?? 'production');
    }
    if (o.sessionMode === 'server')
      this.#addTimer(() => this.#heartbeat.sendAggregates(), o.sessionFlushIntervalMillis);
  }

  /** Counters of what was sent and trimmed. */
  get stats(): Readonly<ExporterStats> {
    return { ...this.#stats };
  }

  /** The outbox folder, when envelopes go to files (no DSN and no Spotlight). */
  get outboxDir(): string | undefined {
    return this.#destination.outboxDir;
  }

  /** Drop counts not yet sent in a client report. */
  pendingDiscards(): ClientReport['discarded_events'] {
    return this.#reports.snapshot();
  }

  /**
   * Counts items another component dropped (the span processor's sampling, for instance),
   * so they are reported to Sentry in the next client report. Quantities below 1 are ignored.
   * Drops emitted on the shared client as the `discardedEvent(reason, category, quantity)`
   * hook (what `SentrySpanProcessor` does) are counted the same way.
   *
   * @param reason - Why: `sample_rate`, `before_send`, `event_processor`, ...
   * @param category - What: `transaction`, `span`, `error`, ...
   * @param quantity - How many. Default 1.
   */
  recordDroppedEvent(reason: DiscardReason, category: DataCategory, quantity = 1): void {
    this.#reports.record(reason, category, quantity);
  }

  /**
   * Exports a batch of spans. Whole transactions are mapped and queued at once (the call
   * never waits on the network); children whose root is still to come wait (bounded) for
   * it. Calls back `FAILED` after shutdown.
   */
  export(spans: ReadableSpanLike[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdownPromise !== undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('SentryEnvelopeExporter is shut down') });
      return;
    }
    // What a failure loses: the whole batch, or once grouped, the transactions not yet mapped.
    let unsent = (): readonly ReadableSpanLike[] => spans;
    try {
      if (this.#streamer !== undefined) {
        this.#stats.streamedSpans += this.#streamer.add(spans);
      } else if (this.#otlp !== undefined) {
        this.#otlp.add(spans);
        this.#stats.streamedSpans += spans.length;
      } else {
        const groups = this.#assembler.add(spans, Date.now());
        let mapped = 0;
        unsent = () => spansOfGroups(groups.slice(mapped));
        for (const group of groups) {
          this.#pipeline.exportGroup(group.root, group.children);
          mapped++;
        }
        this.#scheduleExpiry();
      }
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      exporterDiag.error('export failed', error);
      recordLostSpans(this.#reports, unsent(), this.spans === 'transactions');
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  /**
   * Sends everything queued and the pending client report; returns when that is done or
   * when `shutdownTimeoutMillis` has passed, whichever comes first (nothing is dropped by
   * the deadline: sending goes on).
   */
  async forceFlush(): Promise<void> {
    if (this.#shutdownPromise !== undefined) return this.#shutdownPromise;
    const deadline = Date.now() + this.#o.shutdownTimeoutMillis;
    await this.#flushStreamed(deadline);
    await this.#drainUntil(deadline);
    this.#heartbeat.sendClientReport();
    await this.#drainUntil(deadline);
  }

  /** Sends the spans the stream buffer or the OTLP batch holds (waiting for the serializer, within `deadline`). */
  async #flushStreamed(deadline: number): Promise<void> {
    try {
      this.#streamer?.flushAll();
      const otlp = this.#otlp;
      if (otlp === undefined) return;
      otlp.flush();
      await Promise.race([otlp.ready(), delay(deadline - Date.now())]);
    } catch (error) {
      exporterDiag.error('flushing streamed spans failed', error);
    }
  }

  /**
   * Stops the exporter within `shutdownTimeoutMillis`, even when the network hangs: the
   * session ends, a last client report is queued, everything queued is sent until the
   * deadline; then every request still open is aborted, no connection is opened again, and
   * what was not delivered goes to the offline queue when it is on, else is counted and
   * logged. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#shutdownPromise ??= this.#shutdown().catch((error: unknown) => {
      exporterDiag.error('shutdown failed', error);
    });
    return this.#shutdownPromise;
  }

  /**
   * Sends a heartbeat (a session update, or an empty client report when no release is known)
   * straight to the destination and says whether it got through.
   */
  async checkConnection(): Promise<ConnectionCheckResult> {
    const started = Date.now();
    const sdk = this.client.options.sdk;
    const envelope = createEnvelope({
      sent_at: new Date().toISOString(),
      sdk: { name: sdk.name, version: sdk.version },
    });
    const session = this.#heartbeat.currentSession();
    if (session !== undefined) {
      envelope.items.push({ headers: { type: 'session' }, payload: session });
    } else {
      envelope.items.push({
        headers: { type: 'client_report' },
        payload: { timestamp: started / 1000, discarded_events: [] },
      });
    }
    const destination = this.#destination.kind;
    try {
      const response = await this.#destination.transport.send({ body: serializeEnvelope(envelope) });
      this.#rateLimits.update(response);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return {
        ok,
        status: response.statusCode,
        latencyMillis: Date.now() - started,
        rateLimited: this.#rateLimits.isAnyRateLimited(),
        destination,
        ...(ok ? {} : { error: `status ${response.statusCode}` }),
      };
    } catch (error) {
      return {
        ok: false,
        latencyMillis: Date.now() - started,
        rateLimited: this.#rateLimits.isAnyRateLimited(),
        destination,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }

  /** Resends what the offline queue holds now. Resolves with how many envelopes were answered. */
  async flushOffline(): Promise<number> {
    return this.#offline === undefined ? 0 : this.#offline.flush();
  }

  // ---------------------------------------------------------------- destinations

  #chooseDestination(
    options: SentryEnvelopeExporterOptions,
    o: ResolvedExporterOptions,
    spotlightUrl: string | undefined,
    env: Readonly<Record<string, string | undefined>>,
  ): Destination {
    if (options.transport !== undefined) return { kind: 'sentry', transport: options.transport };
    if (this.#dsn !== undefined) {
      return { kind: 'sentry', transport: createSentryTransport(this.#dsn, this.client.options.sdk, o, env) };
    }
    if (spotlightUrl !== undefined) {
      return { kind: 'spotlight', transport: createSpotlightTransport(spotlightUrl, o.requestTimeoutMillis) };
    }
    const outbox = new LazyOutboxTransport(options.outboxDir ?? 'sentry-outbox', o.maxOutboxFiles);
    return { kind: 'outbox', transport: outbox, outboxDir: outbox.dir };
  }

  /** Spotlight's copies: a sender of their own, bounded, never retried, never in Sentry's client reports. */
  #spotlightSender(url: string, o: ResolvedExporterOptions): EnvelopeSender {
    let warned = false;
    return new EnvelopeSender({
      transport: createSpotlightTransport(url, o.requestTimeoutMillis),
      rateLimits: new RateLimits(),
      reports: new ClientReportRecorder(),
      maxQueueSize: Math.min(o.maxQueueSize, 1000),
      maxQueueBytes: Math.min(o.maxQueueBytes, 16 * 1024 * 1024),
      maxConcurrent: 4,
      maxRetries: 0,
      maxRetryDelayMillis: 0,
      backoff: DEFAULT_BACKOFF,
      label: 'Spotlight',
      onResult: (_envelope, result, delivered) => {
        if (delivered || warned) return;
        warned = true;
        exporterDiag.warn(
          result.statusCode === undefined
            ? 'Spotlight sidecar not reachable (shown once)'
            : `Spotlight answered ${result.statusCode} (shown once)`,
          result.error,
        );
      },
    });
  }

  #submit(envelope: Envelope): void {
    if (this.client.hasHooks('beforeEnvelope')) this.client.emit('beforeEnvelope', envelope);
    if (this.#spotlight !== undefined) {
      // A copy of the headers: the Sentry sender writes its own `sent_at`.
      this.#spotlight.enqueue({ headers: { ...envelope.headers }, items: envelope.items });
    }
    this.#sender.enqueue(envelope);
  }

  #afterSend(envelope: Envelope, result: TransportResult, delivered: boolean): void {
    if (delivered) this.#stats.envelopesSent++;
    if (this.client.hasHooks('afterSendEnvelope')) this.client.emit('afterSendEnvelope', envelope, result);
  }

  // ---------------------------------------------------------------- timers

  #addTimer(fn: () => void, ms: number): void {
    const timer = setInterval(() => {
      try {
        fn();
      } catch (error) {
        exporterDiag.error('periodic task failed', error);
      }
    }, ms);
    unref(timer);
    this.#timers.push(timer);
  }

  /** Tells the shared client whether the transport kept up; the sampler lowers or restores the rate. */
  #checkBackpressure(): void {
    const backpressure = this.client.backpressure;
    if (backpressure === undefined) return;
    const before = backpressure.steps;
    // Both read every time: each call starts a new observation period.
    const envelopesHealthy = this.#sender.takeHealth();
    const otlpHealthy = this.#otlpSender?.takeHealth() ?? true;
    backpressure.update(envelopesHealthy && otlpHealthy);
    const after = backpressure.steps;
    if (after > before) {
      exporterDiag.warn(
        `the transport is not keeping up (queue full, failing or rate limited): new traces are sampled at 1/${2 ** after} of the configured rate`,
      );
    } else if (after === 0 && before > 0) {
      exporterDiag.info('the transport is healthy again: the configured sample rate is restored');
    }
  }

  /** Exports the groups of spans whose root never came, once they have waited `orphanTimeoutMillis`. */
  #scheduleExpiry(): void {
    if (this.#expiryTimer !== undefined) return;
    const next = this.#assembler.nextExpiry;
    if (next === undefined) return;
    this.#expiryTimer = setTimeout(
      () => {
        this.#expiryTimer = undefined;
        try {
          for (const g of this.#assembler.expire(Date.now())) this.#pipeline.exportGroup(g.root, g.children);
        } catch (error) {
          exporterDiag.error('exporting spans whose root never came failed', error);
        }
        this.#scheduleExpiry();
      },
      timerMillis(next - Date.now()),
    );
    unref(this.#expiryTimer);
  }

  /**
   * The OTLP leg at the deadline: requests not answered and spans still waiting are counted
   * as lost. Never stored offline: the offline queue resends through the envelope endpoint.
   */
  #closeOtlp(): void {
    if (this.#otlpSender === undefined || this.#otlp === undefined) return;
    const undelivered = this.#otlpSender.close();
    let spans = this.#otlp.dropHeld('network_error');
    for (const u of undelivered) {
      recordEnvelopeDrop(this.#reports, 'network_error', u.envelope);
      spans += Number(u.envelope.items[0]?.headers.item_count ?? 0);
    }
    if (spans > 0) {
      exporterDiag.warn(`shutdown deadline reached with ${spans} span(s) not delivered over OTLP: lost`);
    }
  }

  // ---------------------------------------------------------------- flush and shutdown

  async #drainUntil(deadline: number): Promise<void> {
    const left = deadline - Date.now();
    const drains = [this.#sender.drain(left)];
    if (this.#otlpSender !== undefined) drains.push(this.#otlpSender.drain(left));
    if (this.#spotlight !== undefined) drains.push(this.#spotlight.drain(left));
    await Promise.all(drains);
  }

  async #shutdown(): Promise<void> {
    const timeout = this.#o.shutdownTimeoutMillis;
    const deadline = Date.now() + timeout;
    this.#unsubscribe();
    for (const timer of this.#timers) clearInterval(timer);
    if (this.#expiryTimer !== undefined) clearTimeout(this.#expiryTimer);
    // Spans still waiting for a root that will not come now go as transactions of their own.
    try {
      for (const g of this.#assembler.clear()) this.#pipeline.exportGroup(g.root, g.children);
    } catch (error) {
      exporterDiag.error('exporting waiting spans at shutdown failed', error);
    }
    this.#otlp?.stop();
    await this.#flushStreamed(deadline);
    this.#heartbeat.end();
    this.#heartbeat.sendClientReport();

    const offline = this.#offline;
    const reserve = offline === undefined ? 0 : Math.floor(timeout * OFFLINE_RESERVE_SHARE);
    await this.#drainUntil(deadline - reserve);

    // The deadline: nothing more is sent, and no connection is opened after this point.
    const undelivered = this.#sender.close();
    this.#spotlight?.close();
    this.#closeOtlp();
    if (undelivered.length === 0) return;
    this.#stats.undeliveredAtShutdown = undelivered.length;
    const what = describeItems(undelivered);

    const stored = offline === undefined ? undefined : await offline.storeUntil(undelivered, deadline);
    // Counted in the reports too, although the last report may not get out: the count stays
    // in the log line below.
    for (const u of undelivered) {
      if (!stored?.has(u)) recordEnvelopeDrop(this.#reports, 'network_error', u.envelope);
    }
    exporterDiag.warn(
      `shutdown deadline (${timeout} ms) reached with ${undelivered.length} envelope(s) undelivered (${what})` +
        (stored !== undefined ? `: ${stored.size} stored in the offline queue, the rest lost` : ': lost'),
    );
  }
}
