/**
 * `SentryEnvelopeExporter`: an OpenTelemetry `SpanExporter` that turns local-root groups of
 * spans into Sentry transactions, `exception` span events into error events, and sends
 * them — with sessions and client reports — to Sentry, a Spotlight sidecar or a local outbox.
 */
import { type Attributes, SpanStatusCode } from '@opentelemetry/api';
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
  type EnvelopeItem,
  getSpanData,
  InvalidOptionError,
  parseDsn,
  parseEnvelope,
  RateLimits,
  type ReadableSpanLike,
  resolveEnv,
  type SentryEvent,
  serializeEnvelope,
  type TransportResult,
} from '@otel-sentry/core';
import { ClientReportRecorder } from './client-reports.js';
import { exporterDiag } from './diag.js';
import { EnvelopeSender, type OfflineStore, recordItemDrop, setItemSpanCount } from './envelope-sender.js';
import { DEFAULT_MAX_EVENT_BYTES, fitsIn, serializeWithinLimit } from './event-size.js';
import { createSentryTransport } from './http-transport.js';
import type { OfflineQueue } from './node/offline-queue.js';
import { DEFAULT_BACKOFF } from './retry.js';
import { Scrubber } from './scrubber.js';
import { ReleaseHealth, type RequestOutcome } from './sessions.js';
import {
  exceptionEventsToErrors,
  hasExceptionEvents,
  isServerSpan,
  type MappingContext,
  spansToTransaction,
} from './span-to-event.js';
import { createSpotlightTransport, resolveSpotlightUrl } from './spotlight.js';
import { traceDscOf, traceHeader } from './trace-header.js';
import { TransactionAssembler } from './transaction-assembler.js';
import type {
  ConnectionCheckResult,
  EnvelopeTransport,
  ExporterStats,
  OfflineQueueOptions,
  SentryEnvelopeExporterOptions,
  TransportResponse,
} from './types.js';

/** The client hook other components emit their drops on: `(reason, category, quantity)`. */
const DISCARDED_EVENT_HOOK = 'discardedEvent';

const DEFAULTS = {
  orphanTimeoutMs: 5000,
  maxPendingSpans: 10_000,
  maxSpansPerTransaction: 1000,
  maxQueueSize: 100,
  maxConcurrentRequests: 4,
  requestTimeoutMs: 10_000,
  maxRetries: 5,
  compressionThreshold: 32 * 1024,
  clientReportIntervalMs: 30_000,
  sessionFlushIntervalMs: 60_000,
  maxRetryDelayMs: 30_000,
  flushTimeoutMs: 30_000,
} as const;

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
function resolveDsn(option: string | undefined, fromClient: Dsn | undefined): Dsn | undefined {
  if (option === undefined || option === '') return fromClient;
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

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && value > 0 ? value : fallback;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && value >= 0 ? value : fallback;
}

function unref(timer: ReturnType<typeof setInterval>): void {
  (timer as { unref?: () => void }).unref?.();
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A transport that loads the Node-only file outbox on first use, so the main entry stays runtime-neutral. */
class LazyOutboxTransport implements EnvelopeTransport {
  readonly dir: string;
  #inner: Promise<EnvelopeTransport | undefined> | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  async send(request: { body: string | Uint8Array }): Promise<TransportResponse> {
    this.#inner ??= import('./node/file-outbox.js').then(
      (m) => {
        const outbox = new m.FileOutboxTransport(this.dir);
        exporterDiag.info(`no DSN and no Spotlight: writing envelopes to ${outbox.dir}`);
        return outbox;
      },
      (error: unknown) => {
        exporterDiag.warn('no DSN and no Spotlight, and no file system here: envelopes are dropped', error);
        return undefined;
      },
    );
    const inner = await this.#inner;
    // 400: counted as a send error, never retried.
    return inner === undefined ? { statusCode: 400 } : inner.send(request);
  }
}

/**
 * Exports OpenTelemetry spans to Sentry as transactions and errors, with sessions and client
 * reports, over a transport that honours rate limits, retries and never loses anything
 * silently.
 *
 * @example
 * ```ts
 * const exporter = new SentryEnvelopeExporter({ dsn: process.env.SENTRY_DSN });
 * const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
 * ```
 */
export class SentryEnvelopeExporter implements SpanExporterLike {
  /** The client: options and hook bus, shared with the propagator and span processor when given. */
  readonly client: Client;
  readonly #options: SentryEnvelopeExporterOptions;
  readonly #scrubber: Scrubber;
  readonly #assembler: TransactionAssembler;
  readonly #rateLimits = new RateLimits();
  readonly #reports = new ClientReportRecorder();
  readonly #sender: EnvelopeSender;
  readonly #primary: EnvelopeTransport;
  readonly #destination: ConnectionCheckResult['destination'];
  readonly #spotlight: EnvelopeTransport | undefined;
  readonly #spotlightPending = new Set<Promise<unknown>>();
  readonly #fixedRelease: string | undefined;
  readonly #fixedEnvironment: string | undefined;
  readonly #maxEventBytes: number;
  readonly #maxSpans: number;
  readonly #platform = isNode() ? 'node' : 'javascript';
  readonly #sessionMode: 'server' | 'application' | false;
  readonly #timers: Array<ReturnType<typeof setInterval>> = [];
  #expiryTimer: ReturnType<typeof setInterval> | undefined;
  #health: ReleaseHealth | undefined;
  #offline: Promise<OfflineQueue | undefined> | undefined;
  #shutdownPromise: Promise<void> | undefined;
  #spotlightWarned = false;
  readonly #stats: ExporterStats = {
    transactions: 0,
    errors: 0,
    envelopesSent: 0,
    truncatedStrings: 0,
    trimmedSpans: 0,
  };
  readonly #outboxDir: string | undefined;
  readonly #dsn: Dsn | undefined;
  readonly #unsubscribe: () => void;

  /** Creates the exporter. Throws only for configuration that cannot work (a malformed DSN). */
  constructor(options: SentryEnvelopeExporterOptions = {}) {
    this.#options = options;
    const env = resolveEnv(options.env);
    this.client =
      options.client ??
      createClient({
        dsn: options.dsn,
        release: options.release,
        environment: options.environment,
        sendDefaultPii: options.sendDefaultPii,
        env: options.env,
      });
    const co = this.client.options;
    this.#fixedRelease = options.release ?? co.release;
    // A defaulted `production` must not hide the resource's `deployment.environment.name`.
    this.#fixedEnvironment = options.environment ?? (co.environmentSource === 'default' ? undefined : co.environment);
    this.#scrubber = new Scrubber({
      sendDefaultPii: options.sendDefaultPii ?? co.sendDefaultPii,
      denyKeys: options.denyKeys,
      allowKeys: options.allowKeys,
    });
    this.#maxEventBytes = positive(options.maxEventBytes, DEFAULT_MAX_EVENT_BYTES);
    this.#maxSpans = nonNegative(options.maxSpansPerTransaction, DEFAULTS.maxSpansPerTransaction);
    this.#assembler = new TransactionAssembler({
      timeoutMs: positive(options.orphanTimeoutMs, DEFAULTS.orphanTimeoutMs),
      maxPending: positive(options.maxPendingSpans, DEFAULTS.maxPendingSpans),
      onDrop: (count, why) => {
        const reason: DiscardReason = why === 'overflow' ? 'buffer_overflow' : 'insufficient_data';
        this.#reports.record(reason, 'span', count);
        exporterDiag.warn(
          `${count} span(s) dropped: ${why === 'overflow' ? 'too many waiting' : 'their root never came'}`,
        );
      },
    });

    const timeoutMs = positive(options.requestTimeoutMs, DEFAULTS.requestTimeoutMs);
    const spotlightUrl = resolveSpotlightUrl(options.spotlight, env);
    const dsn = resolveDsn(options.dsn, co.dsn);
    this.#dsn = dsn;
    if (options.transport !== undefined) {
      this.#primary = options.transport;
      this.#destination = 'sentry';
    } else if (dsn !== undefined) {
      this.#primary = createSentryTransport(dsn, co.sdk, {
        timeoutMs,
        compressionThreshold: nonNegative(options.compressionThreshold, DEFAULTS.compressionThreshold),
      });
      this.#destination = 'sentry';
    } else if (spotlightUrl !== undefined) {
      this.#primary = createSpotlightTransport(spotlightUrl, timeoutMs);
      this.#destination = 'spotlight';
    } else {
      const outbox = new LazyOutboxTransport(options.outboxDir ?? 'sentry-outbox');
      this.#outboxDir = outbox.dir;
      this.#primary = outbox;
      this.#destination = 'outbox';
    }
    if (this.#destination === 'sentry' && spotlightUrl !== undefined) {
      this.#spotlight = createSpotlightTransport(spotlightUrl, timeoutMs);
    }

    this.#sender = new EnvelopeSender({
      transport: this.#primary,
      rateLimits: this.#rateLimits,
      reports: this.#reports,
      maxQueueSize: positive(options.maxQueueSize, DEFAULTS.maxQueueSize),
      maxConcurrent: positive(options.maxConcurrentRequests, DEFAULTS.maxConcurrentRequests),
      maxRetries: nonNegative(options.maxRetries, DEFAULTS.maxRetries),
      maxRetryDelayMs: DEFAULTS.maxRetryDelayMs,
      backoff: {
        ...DEFAULT_BACKOFF,
        initialMs: positive(options.retryInitialDelayMs, DEFAULT_BACKOFF.initialMs),
        maxMs: positive(options.retryMaxDelayMs, DEFAULT_BACKOFF.maxMs),
      },
      onResult: (envelope, result, delivered) => this.#afterSend(envelope, result, delivered),
    });
    if (options.offline && this.#destination === 'sentry') this.#setUpOffline(options.offline);

    // The span processor emits its drops on the shared client; they belong in our client reports.
    this.#unsubscribe = this.client.on(
      DISCARDED_EVENT_HOOK,
      (reason: unknown, category: unknown, quantity: unknown) => {
        if (typeof reason === 'string' && typeof category === 'string' && typeof quantity === 'number') {
          this.recordDroppedEvent(reason as DiscardReason, category as DataCategory, quantity);
        }
      },
    );

    const reportInterval = positive(options.clientReportIntervalMs, DEFAULTS.clientReportIntervalMs);
    this.#addTimer(() => this.#sendClientReport(), reportInterval);

    this.#sessionMode = options.sessionMode ?? 'server';
    if (this.#sessionMode !== false) {
      if (this.#fixedRelease !== undefined) {
        this.#startSession(this.#fixedRelease, this.#fixedEnvironment ?? 'production');
      }
      if (this.#sessionMode === 'server') {
        this.#addTimer(
          () => this.#sendAggregates(),
          positive(options.sessionFlushIntervalMs, DEFAULTS.sessionFlushIntervalMs),
        );
      }
    }
  }

  /** Counters of what was sent and trimmed. */
  get stats(): Readonly<ExporterStats> {
    return { ...this.#stats };
  }

  /** The outbox folder, when envelopes go to files (no DSN and no Spotlight). */
  get outboxDir(): string | undefined {
    return this.#outboxDir;
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
   * Exports a batch of spans. Whole transactions are mapped and queued at once; children
   * whose root is still running wait (bounded) for it. Calls back `FAILED` after shutdown.
   */
  export(spans: ReadableSpanLike[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdownPromise !== undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('SentryEnvelopeExporter is shut down') });
      return;
    }
    try {
      const groups = this.#assembler.add(spans, Date.now());
      for (const group of groups) this.#exportGroup(group.root, group.children);
      this.#scheduleExpiry();
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      exporterDiag.error('export failed', error);
      this.#reports.record('internal_sdk_error', 'span', spans.length);
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  /** Sends everything queued, then the pending client report. */
  async forceFlush(): Promise<void> {
    await this.#flush(DEFAULTS.flushTimeoutMs);
  }

  /**
   * Stops the exporter: children still waiting for a root are counted as dropped, the
   * session ends, everything queued is sent with a last client report. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#shutdownPromise ??= this.#shutdown();
    return this.#shutdownPromise;
  }

  /**
   * Sends a heartbeat (a session update, or an empty client report when no release is known)
   * straight to the destination and says whether it got through.
   */
  async checkConnection(): Promise<ConnectionCheckResult> {
    const started = Date.now();
    const envelope = createEnvelope({ sent_at: new Date().toISOString(), sdk: this.#sdk() });
    if (this.#health !== undefined) {
      envelope.items.push({ headers: { type: 'session' }, payload: this.#health.update() });
    } else {
      envelope.items.push({
        headers: { type: 'client_report' },
        payload: { timestamp: started / 1000, discarded_events: [] },
      });
    }
    try {
      const response = await this.#primary.send({ body: serializeEnvelope(envelope) });
      this.#rateLimits.update(response);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return {
        ok,
        status: response.statusCode,
        latencyMs: Date.now() - started,
        rateLimited: this.#rateLimits.isAnyRateLimited(),
        destination: this.#destination,
        ...(ok ? {} : { error: `status ${response.statusCode}` }),
      };
    } catch (error) {
      return {
        ok: false,
        latencyMs: Date.now() - started,
        rateLimited: this.#rateLimits.isAnyRateLimited(),
        destination: this.#destination,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }

  // ---------------------------------------------------------------- mapping

  #sdk(): { name: string; version: string } {
    const sdk = this.client.options.sdk;
    return { name: sdk.name, version: sdk.version };
  }

  #releaseOf(resource: Attributes): string | undefined {
    return this.#fixedRelease ?? str(resource['service.version']);
  }

  #environmentOf(resource: Attributes): string {
    return (
      this.#fixedEnvironment ??
      str(resource['deployment.environment.name']) ??
      str(resource['deployment.environment']) ??
      'production'
    );
  }

  #exportGroup(root: ReadableSpanLike, children: ReadableSpanLike[]): void {
    const resource = root.resource.attributes;
    const release = this.#releaseOf(resource);
    const environment = this.#environmentOf(resource);
    if (this.#health === undefined && release !== undefined && this.#sessionMode !== false) {
      this.#startSession(release, environment);
    }

    const ctx: MappingContext = {
      scrubber: this.#scrubber,
      release,
      environment,
      sdk: this.client.options.sdk,
      platform: this.#platform,
      maxSpans: this.#maxSpans,
    };
    const replayId = getSpanData(root)?.replayId;
    // Nobody can edit the event: its spans are written straight to JSON.
    const direct =
      this.#options.beforeSend === undefined &&
      !this.client.hasHooks('beforeSendEvent') &&
      !this.client.hasHooks('beforeEnvelope');
    const mapped = spansToTransaction(root, children, ctx, { replayId }, direct ? 'json' : 'objects');
    if (mapped.droppedSpans > 0) {
      this.#reports.record('buffer_overflow', 'span', mapped.droppedSpans);
      this.#stats.trimmedSpans += mapped.droppedSpans;
    }
    const trace = traceHeader(
      traceDscOf(root, () => ({
        client: this.client,
        publicKey: this.#dsn?.publicKey,
        release,
        environment,
        transaction: mapped.event.transaction ?? root.name,
        source: mapped.description.source,
      })),
      replayId,
    );

    // Errors first: each goes in its own envelope (events and transactions never share one).
    let errorCount = 0;
    let crashed = false;
    const info = { replayId, transaction: mapped.event.transaction };
    if (hasExceptionEvents(root)) {
      for (const e of exceptionEventsToErrors(root, ctx, info)) {
        errorCount++;
        if (e.level === 'fatal') crashed = true;
        this.#sendEvent(e, trace, 0);
      }
    }
    for (const child of children) {
      if (!hasExceptionEvents(child)) continue;
      for (const e of exceptionEventsToErrors(child, ctx, info)) {
        errorCount++;
        this.#sendEvent(e, trace, 0);
      }
    }
    if (errorCount > 0) this.#health?.addErrors(errorCount);

    if (this.#sessionMode === 'server' && isServerSpan(root) && this.#health !== undefined) {
      const outcome: RequestOutcome = crashed
        ? 'crashed'
        : root.status.code === SpanStatusCode.ERROR || errorCount > 0
          ? 'errored'
          : 'exited';
      if (!this.#health.recordRequest(outcome, root.startTime[0] * 1000)) {
        this.#reports.record('buffer_overflow', 'session', 1);
      }
    }

    const json = mapped.json;
    if (json !== undefined) {
      if (fitsIn(json, this.#maxEventBytes)) {
        this.#stats.transactions++;
        this.#enqueueEvent(mapped.event, json, trace, children.length - mapped.droppedSpans);
        return;
      }
      // Too big: the object path trims strings and spans.
      const again = spansToTransaction(root, children, ctx, { replayId }, 'objects');
      this.#sendEvent(again.event, trace, (again.event.spans as unknown[]).length);
      return;
    }
    this.#sendEvent(mapped.event, trace, (mapped.event.spans as unknown[]).length);
  }

  /** Runs the event through the hooks, the size limit and into an envelope. */
  #sendEvent(event: SentryEvent, trace: Record<string, string | undefined>, spanCount: number): void {
    const isTransaction = event.type === 'transaction';
    const category: DataCategory = isTransaction ? 'transaction' : 'error';
    if (this.client.hasHooks('beforeSendEvent')) this.client.emit('beforeSendEvent', event);
    let final: SentryEvent | null | undefined = event;
    if (this.#options.beforeSend !== undefined) {
      try {
        final = this.#options.beforeSend(event);
      } catch (error) {
        exporterDiag.error('beforeSend threw; the event is sent as it was', error);
      }
      if (final === null || final === undefined) {
        this.#reports.record('before_send', category, 1);
        if (isTransaction) this.#reports.record('before_send', 'span', spanCount + 1);
        return;
      }
    }
    const spansBefore = Array.isArray(final.spans) ? final.spans.length : 0;
    const sized = serializeWithinLimit(final, this.#maxEventBytes);
    if (sized === undefined) {
      exporterDiag.warn(`an event over ${this.#maxEventBytes} bytes could not be trimmed: dropped`);
      this.#reports.record('invalid', category, 1);
      if (isTransaction) this.#reports.record('invalid', 'span', spansBefore + 1);
      return;
    }
    if (sized.droppedSpans > 0) {
      this.#reports.record('buffer_overflow', 'span', sized.droppedSpans);
      this.#stats.trimmedSpans += sized.droppedSpans;
    }
    this.#stats.truncatedStrings += sized.truncatedStrings;
    if (isTransaction) this.#stats.transactions++;
    else this.#stats.errors++;

    // Without envelope hooks the payload is the JSON already made for the size check: serialized once.
    const payload = this.client.hasHooks('beforeEnvelope') ? final : sized.json;
    this.#enqueueEvent(final, payload, trace, isTransaction ? spansBefore - sized.droppedSpans : -1);
  }

  /** Puts one event (its JSON, or the object when hooks may edit it) in its own envelope. `spanCount` -1: not a transaction. */
  #enqueueEvent(
    event: SentryEvent,
    payload: unknown,
    trace: Record<string, string | undefined>,
    spanCount: number,
  ): void {
    const item: EnvelopeItem = { headers: { type: spanCount >= 0 ? 'transaction' : 'event' }, payload };
    if (spanCount >= 0) setItemSpanCount(item, spanCount);
    const eventId = typeof event.event_id === 'string' ? event.event_id : undefined;
    const envelope = createEnvelope(
      eventId === undefined ? { sdk: this.#sdk(), trace } : { event_id: eventId, sdk: this.#sdk(), trace },
      [item],
    );
    this.#submit(envelope);
  }

  #submit(envelope: Envelope): void {
    if (this.client.hasHooks('beforeEnvelope')) this.client.emit('beforeEnvelope', envelope);
    if (this.#spotlight !== undefined) this.#toSpotlight(envelope);
    this.#sender.enqueue(envelope);
  }

  #toSpotlight(envelope: Envelope): void {
    const spotlight = this.#spotlight!;
    const body = serializeEnvelope({
      headers: { ...envelope.headers, sent_at: new Date().toISOString() },
      items: envelope.items,
    });
    const p = spotlight
      .send({ body })
      .then(
        (r) => {
          if (r.statusCode >= 300 && !this.#spotlightWarned) {
            this.#spotlightWarned = true;
            exporterDiag.warn(`Spotlight answered ${r.statusCode}`);
          }
        },
        (error: unknown) => {
          if (!this.#spotlightWarned) {
            this.#spotlightWarned = true;
            exporterDiag.warn('Spotlight sidecar not reachable (shown once)', error);
          }
        },
      )
      .finally(() => this.#spotlightPending.delete(p));
    this.#spotlightPending.add(p);
  }

  #afterSend(envelope: Envelope, result: TransportResult, delivered: boolean): void {
    if (delivered) this.#stats.envelopesSent++;
    if (this.client.hasHooks('afterSendEnvelope')) this.client.emit('afterSendEnvelope', envelope, result);
  }

  // ---------------------------------------------------------------- sessions and reports

  #startSession(release: string, environment: string): void {
    this.#health = new ReleaseHealth(release, environment);
    const session = this.#health.update();
    this.client.emit('sessionStart', session);
    this.#submit(createEnvelope({ sdk: this.#sdk() }, [{ headers: { type: 'session' }, payload: session }]));
  }

  #sendAggregates(): void {
    const aggregates = this.#health?.takeAggregates();
    if (aggregates === undefined) return;
    this.#submit(createEnvelope({ sdk: this.#sdk() }, [{ headers: { type: 'sessions' }, payload: aggregates }]));
  }

  #sendClientReport(): void {
    const report = this.#reports.take();
    if (report === undefined) return;
    this.client.emit('clientReport', report);
    this.#submit(createEnvelope({ sdk: this.#sdk() }, [{ headers: { type: 'client_report' }, payload: report }]));
  }

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

  #scheduleExpiry(): void {
    if (this.#assembler.pendingCount === 0) {
      if (this.#expiryTimer !== undefined) {
        clearInterval(this.#expiryTimer);
        this.#expiryTimer = undefined;
      }
      return;
    }
    if (this.#expiryTimer !== undefined) return;
    const every = Math.max(10, Math.floor(positive(this.#options.orphanTimeoutMs, DEFAULTS.orphanTimeoutMs) / 2));
    this.#expiryTimer = setInterval(() => {
      this.#assembler.expire(Date.now());
      this.#scheduleExpiry();
    }, every);
    unref(this.#expiryTimer);
  }

  // ---------------------------------------------------------------- offline queue

  #setUpOffline(config: true | OfflineQueueOptions): void {
    if (!isNode()) {
      exporterDiag.warn('the offline queue needs Node; it is off');
      return;
    }
    const options: OfflineQueueOptions = config === true ? {} : config;
    const dsn = this.#dsn;
    this.#offline = import('./node/offline-queue.js').then(
      (m) => {
        const queue = new m.OfflineQueue({
          dir: options.dir ?? m.defaultOfflineDir(dsn?.projectId ?? 'default'),
          maxEnvelopes: positive(options.maxEnvelopes, 100),
          maxBytes: positive(options.maxBytes, 10 * 1024 * 1024),
          transport: this.#primary,
          onEvict: (body) => this.#countStored(body, 'cache_overflow'),
          onRejected: (body) => this.#countStored(body, 'send_error'),
          onDelivered: () => {
            this.#stats.envelopesSent++;
          },
        });
        // Resend what an earlier run left behind.
        void queue.flush();
        return queue;
      },
      (error: unknown) => {
        exporterDiag.warn('the offline queue could not start', error);
        return undefined;
      },
    );
    const store: OfflineStore = {
      store: async (body) => {
        const queue = await this.#offline;
        return queue === undefined ? false : queue.store(body);
      },
      networkUp: () => {
        void this.#offline?.then((q) => q?.flush());
      },
    };
    this.#sender.setOffline(store);
    this.#addTimer(() => store.networkUp(), positive(options.retryIntervalMs, 30_000));
  }

  #countStored(body: Uint8Array, reason: DiscardReason): void {
    const envelope = parseEnvelope(body);
    if (envelope === undefined) return;
    for (const item of envelope.items) recordItemDrop(this.#reports, reason, item);
  }

  /** Resends what the offline queue holds now. Resolves with how many envelopes were answered. */
  async flushOffline(): Promise<number> {
    const queue = await this.#offline;
    return queue === undefined ? 0 : queue.flush();
  }

  // ---------------------------------------------------------------- flush and shutdown

  async #flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.#sender.drain(timeoutMs);
    this.#sendClientReport();
    await this.#sender.drain(Math.max(0, deadline - Date.now()));
    if (this.#spotlightPending.size > 0) await Promise.allSettled([...this.#spotlightPending]);
  }

  async #shutdown(): Promise<void> {
    this.#unsubscribe();
    for (const timer of this.#timers) clearInterval(timer);
    if (this.#expiryTimer !== undefined) clearInterval(this.#expiryTimer);
    this.#assembler.clear();
    if (this.#health !== undefined) {
      this.#sendAggregates();
      const session = this.#health.end();
      this.client.emit('sessionEnd', session);
      this.#submit(createEnvelope({ sdk: this.#sdk() }, [{ headers: { type: 'session' }, payload: session }]));
    }
    await this.#flush(DEFAULTS.flushTimeoutMs);
  }
}
