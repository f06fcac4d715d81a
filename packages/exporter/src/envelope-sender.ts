/**
 * The send pipeline between `export()` and the transport:
 *
 * - a queue bounded in count and in bytes, so a burst that a processor hands over in one
 *   call fits whenever there is room, and what does not fit is shed at once and counted —
 *   the application never waits on delivery;
 * - many requests in flight, because a round trip to Sentry takes ~100 ms and N requests in
 *   flight carry at most 10·N envelopes a second; the limit grows step by step with demand,
 *   so a burst does not open hundreds of connections (and TLS handshakes) at once;
 * - per-category rate limits read from every response, retries with backoff for network
 *   errors and 5xx, the offline store for network failures;
 * - a health signal (queue overflowing, failing, rate limited) for backpressure;
 * - `close()`, which stops everything at a deadline and hands back what was not delivered.
 */
import {
  type ClientReport,
  type DataCategory,
  type DiscardReason,
  type Envelope,
  type EnvelopeItem,
  itemTypeToCategory,
  MAX_TIMER_MILLIS,
  parseRetryAfter,
  type RateLimits,
  serializeEnvelope,
  serializeEnvelopeSized,
  type TransportResult,
} from '@otel-sentry/core';
import type { ClientReportRecorder } from './client-reports.js';
import { exporterDiag } from './diag.js';
import { type BackoffOptions, backoffDelay, isRetryableStatus } from './retry.js';
import { unref } from './timers.js';
import type { EnvelopeTransport, TransportResponse } from './types.js';

/** Where envelopes that could not be sent for lack of network go (the offline queue). */
export interface OfflineStore {
  /** Keeps a serialized envelope; resolves false when it could not. */
  store(body: string | Uint8Array): Promise<boolean>;
  /** Tells the store the network works again. */
  networkUp(): void;
}

/** Options of {@link EnvelopeSender}. */
export interface EnvelopeSenderOptions {
  readonly transport: EnvelopeTransport;
  readonly rateLimits: RateLimits;
  readonly reports: ClientReportRecorder;
  /** Most envelopes queued or in flight. */
  readonly maxQueueSize: number;
  /** Most bytes (serialized envelopes, queued or in flight). */
  readonly maxQueueBytes: number;
  /** Most requests in flight once demand has grown the limit. */
  readonly maxConcurrent: number;
  /** Requests in flight allowed at first; the limit grows from here with demand. Default 8. */
  readonly initialConcurrent?: number | undefined;
  readonly maxRetries: number;
  /** The backoff between retries. */
  readonly backoff: BackoffOptions;
  /** Longest wait for one retry, whatever `Retry-After` says. */
  readonly maxRetryDelayMillis: number;
  /** Called for every envelope once its fate is known. */
  readonly onResult: (envelope: Envelope, result: TransportResult, delivered: boolean) => void;
  /** Where network failures go instead of being dropped. */
  offline?: OfflineStore | undefined;
  /** What the logs call the destination. Default `Sentry`. */
  readonly label?: string | undefined;
}

/** An envelope handed back by {@link EnvelopeSender.close}: not delivered by the deadline. */
export interface Undelivered {
  readonly envelope: Envelope;
  readonly body: string | Uint8Array;
}

/** How often the in-flight limit may grow, and by how much at most: new sockets come in small steps. */
const GROWTH_INTERVAL_MILLIS = 25;
const GROWTH_STEP = 16;
const DEFAULT_INITIAL_CONCURRENT = 8;

/**
 * A transaction item serialized ahead (a string payload) carries its span count on itself,
 * not in a `WeakMap`: one WeakMap entry per envelope cost the service ~1 µs of GC per
 * transaction (ephemeron tables are expensive to scavenge). Serialization reads only
 * `headers` and `payload`.
 */
interface CountedItem extends EnvelopeItem {
  otelSentrySpanCount?: number;
}

/** Records how many spans a transaction item holds (its child spans), for drop counts. */
export function setItemSpanCount(item: EnvelopeItem, spans: number): void {
  (item as CountedItem).otelSentrySpanCount = spans;
}

function spanCountOf(item: EnvelopeItem): number {
  const known = (item as CountedItem).otelSentrySpanCount;
  if (known !== undefined) return known;
  const spans = (item.payload as { spans?: unknown } | null)?.spans;
  return Array.isArray(spans) ? spans.length : 0;
}

function reportOf(item: EnvelopeItem): ClientReport | undefined {
  const payload = item.payload;
  if (typeof payload === 'string') {
    try {
      return JSON.parse(payload) as ClientReport;
    } catch {
      return undefined;
    }
  }
  return payload as ClientReport;
}

/** Counts the drop of one item: a transaction also counts its spans and itself as `span`. */
export function recordItemDrop(reports: ClientReportRecorder, reason: DiscardReason, item: EnvelopeItem): void {
  const type = item.headers.type;
  if (type === 'client_report') {
    // Reports are never counted as dropped; their counts ride with the next report.
    const report = reportOf(item);
    if (report) reports.restore(report);
    return;
  }
  const category: DataCategory = itemTypeToCategory(type);
  if (type === 'sessions') {
    const aggregates = (item.payload as { aggregates?: unknown[] } | null)?.aggregates;
    reports.record(reason, category, Array.isArray(aggregates) ? Math.max(1, aggregates.length) : 1);
    return;
  }
  // A span container (span v2 envelope item, or an OTLP request) holds `item_count` spans.
  const itemCount = item.headers.item_count;
  if (type === 'span' && typeof itemCount === 'number') {
    reports.record(reason, category, itemCount);
    return;
  }
  reports.record(reason, category, 1);
  if (type === 'transaction') reports.record(reason, 'span', spanCountOf(item) + 1);
}

/** Counts the drop of every item of an envelope. */
export function recordEnvelopeDrop(reports: ClientReportRecorder, reason: DiscardReason, envelope: Envelope): void {
  for (const item of envelope.items) recordItemDrop(reports, reason, item);
}

function byteSize(body: string | Uint8Array): number {
  // A string's length is what it occupies in memory (one byte a character for the ASCII
  // that envelopes mostly are); exact UTF-8 counting here would cost a pass over every body.
  return body.length;
}

interface Outgoing {
  readonly envelope: Envelope;
  body: string | Uint8Array;
  /** UTF-8 bytes of `body` when the serializer counted them (the transport's `Content-Length`). */
  wireBytes: number | undefined;
  /** What it counts for in the queue's byte bound. */
  readonly bytes: number;
  /** Its fate is decided (delivered, dropped, stored, or handed back by `close`). */
  settled: boolean;
}

/** See the module comment. */
export class EnvelopeSender {
  readonly #o: EnvelopeSenderOptions;
  readonly #queue: Outgoing[] = [];
  /** Index of the next envelope to send: the queue is consumed from the front without shifting. */
  #head = 0;
  readonly #active = new Set<Outgoing>();
  #bytes = 0;
  #limit: number;
  #lastGrowth = 0;
  #growthTimer: ReturnType<typeof setTimeout> | undefined;
  #idleWaiters: Array<() => void> = [];
  readonly #sleeps = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  #closed = false;
  #troubleSinceCheck = false;

  constructor(options: EnvelopeSenderOptions) {
    this.#o = { ...options };
    this.#limit = Math.min(options.maxConcurrent, options.initialConcurrent ?? DEFAULT_INITIAL_CONCURRENT);
  }

  /** Sets where envelopes go when the network is down. */
  setOffline(store: OfflineStore): void {
    this.#o.offline = store;
  }

  /** Envelopes queued or in flight. */
  get pending(): number {
    return this.#queue.length - this.#head + this.#active.size;
  }

  /** Serialized bytes queued or in flight. */
  get pendingBytes(): number {
    return this.#bytes;
  }

  /** Requests allowed in flight now (grows with demand up to `maxConcurrent`). */
  get concurrency(): number {
    return this.#limit;
  }

  /**
   * Whether the transport kept up since the last call: no envelope shed for lack of room,
   * no send failure, the queue not nearly full, and no transaction or span rate limit in force.
   * Read by the backpressure check.
   */
  takeHealth(now = Date.now()): boolean {
    // Nearly full counts as full: by the next check it would be shedding.
    const nearlyFull = this.pending >= this.#o.maxQueueSize * 0.9 || this.#bytes >= this.#o.maxQueueBytes * 0.9;
    const limits = this.#o.rateLimits;
    // Spans streamed (span v2, OTLP) are limited under `span`, transactions under `transaction`.
    const limited = limits.isRateLimited('transaction', now) || limits.isRateLimited('span', now);
    const healthy = !this.#troubleSinceCheck && !nearlyFull && !limited;
    this.#troubleSinceCheck = false;
    return healthy;
  }

  /**
   * Queues an envelope and serializes it now, so the queue's bytes are known. Rate-limited
   * items are dropped (and counted) first; an envelope that does not fit is dropped (and
   * counted) at once. Returns whether it was queued.
   */
  enqueue(envelope: Envelope, body?: string | Uint8Array): boolean {
    if (this.#closed) {
      this.#drop(envelope, 'network_error', { error: new Error('the sender is closed') });
      return false;
    }
    let text = body;
    let wireBytes: number | undefined;
    const itemsBefore = envelope.items.length;
    if (!this.#dropRateLimited(envelope)) return false;
    if (text === undefined || envelope.items.length !== itemsBefore) {
      envelope.headers.sent_at ??= new Date().toISOString();
      const sized = serializeEnvelopeSized(envelope);
      text = sized.body;
      wireBytes = sized.bytes;
    }
    const bytes = wireBytes ?? byteSize(text);
    if (this.pending >= this.#o.maxQueueSize || this.#bytes + bytes > this.#o.maxQueueBytes) {
      this.#troubleSinceCheck = true;
      this.#drop(envelope, 'queue_overflow', {});
      exporterDiag.warn(
        `send queue to ${this.#o.label ?? 'Sentry'} full (${this.pending} envelopes, ${this.#bytes} bytes): an envelope was dropped`,
      );
      return false;
    }
    this.#queue.push({ envelope, body: text, wireBytes, bytes, settled: false });
    this.#bytes += bytes;
    this.#pump();
    return true;
  }

  /** Resolves once nothing is queued or in flight (true), or with false after `timeoutMillis`. */
  drain(timeoutMillis: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let done = false;
      const timer = setTimeout(
        () => {
          if (done) return;
          done = true;
          resolve(false);
        },
        Math.min(Math.max(0, timeoutMillis), MAX_TIMER_MILLIS),
      );
      this.#idleWaiters.push(() => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Stops for good: cancels retry waits, closes the transport (aborting requests in flight,
   * so no connection stays open or is opened later), and hands back every envelope whose
   * fate was not decided. Later `enqueue` calls drop and count.
   */
  close(): Undelivered[] {
    this.#closed = true;
    const undelivered: Undelivered[] = [];
    const take = (out: Outgoing): void => {
      if (out.settled) return;
      out.settled = true;
      undelivered.push({ envelope: out.envelope, body: out.body });
    };
    for (const out of this.#active) take(out);
    for (let i = this.#head; i < this.#queue.length; i++) take(this.#queue[i]!);
    this.#queue.length = 0;
    this.#head = 0;
    this.#active.clear();
    this.#bytes = 0;
    for (const sleep of this.#sleeps) {
      clearTimeout(sleep.timer);
      sleep.resolve();
    }
    this.#sleeps.clear();
    if (this.#growthTimer !== undefined) clearTimeout(this.#growthTimer);
    try {
      this.#o.transport.close?.();
    } catch (error) {
      exporterDiag.error('closing the transport failed', error);
    }
    this.#wakeIdle();
    return undelivered;
  }

  /** Removes rate-limited items; returns false when none is left. */
  #dropRateLimited(envelope: Envelope): boolean {
    const now = Date.now();
    const limits = this.#o.rateLimits;
    let kept: EnvelopeItem[] | undefined;
    const items = envelope.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (limits.isRateLimited(itemTypeToCategory(item.headers.type), now)) {
        kept ??= items.slice(0, i);
        recordItemDrop(this.#o.reports, 'ratelimit_backoff', item);
      } else if (kept !== undefined) {
        kept.push(item);
      }
    }
    if (kept === undefined) return true;
    envelope.items = kept;
    if (kept.length === 0) {
      this.#o.onResult(envelope, { statusCode: 429 }, false);
      return false;
    }
    return true;
  }

  #drop(envelope: Envelope, reason: DiscardReason, result: TransportResult): void {
    recordEnvelopeDrop(this.#o.reports, reason, envelope);
    this.#o.onResult(envelope, result, false);
  }

  /** Marks `out` decided; false when it already was (closed meanwhile). */
  #settle(out: Outgoing): boolean {
    if (out.settled) return false;
    out.settled = true;
    return true;
  }

  #pump(): void {
    if (this.#closed) return;
    const waiting = this.#queue.length - this.#head;
    if (waiting > 0 && this.#active.size >= this.#limit && this.#limit < this.#o.maxConcurrent) {
      // Saturated with work waiting: grow one step once the limit has been full for a growth
      // interval, and look again after the next one even if no request completes meanwhile.
      const now = Date.now();
      if (this.#lastGrowth === 0) {
        this.#lastGrowth = now;
      } else if (now - this.#lastGrowth >= GROWTH_INTERVAL_MILLIS) {
        this.#lastGrowth = now;
        this.#limit = Math.min(this.#o.maxConcurrent, this.#limit + Math.min(this.#limit, GROWTH_STEP));
      }
      this.#growthTimer ??= setTimeout(() => {
        this.#growthTimer = undefined;
        this.#pump();
      }, GROWTH_INTERVAL_MILLIS);
      unref(this.#growthTimer);
    }
    while (this.#active.size < this.#limit && this.#head < this.#queue.length) {
      const next = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as Outgoing;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      this.#active.add(next);
      this.#sendOne(next);
    }
    if (this.#head === this.#queue.length && this.#head > 0) {
      this.#queue.length = 0;
      this.#head = 0;
    }
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Waits `ms`, unless `close` ends the wait first. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(
          () => {
            this.#sleeps.delete(entry);
            resolve();
          },
          Math.min(Math.max(0, ms), MAX_TIMER_MILLIS),
        ),
        resolve,
      };
      this.#sleeps.add(entry);
    });
  }

  /**
   * Sends `out`, with retries; {@link EnvelopeSender.#finished} runs once when its fate is
   * decided. Plain callbacks on the transport's promise, not an `async` loop: this runs once per
   * envelope, so once per sampled request of the host, and an async function with `catch` and
   * `finally` on it made four promises (each seen by the async-context hooks) where this makes one.
   */
  #sendOne(out: Outgoing): void {
    // A limit may have arrived while the envelope waited in the queue.
    if (!this.#dropRateLimitedBeforeSend(out)) {
      // Called from `#pump`'s loop: finish on a later turn, as a settled send does.
      queueMicrotask(() => this.#finished(out));
      return;
    }
    this.#attempt(out, 0);
  }

  #attempt(out: Outgoing, attempt: number): void {
    let sent: Promise<TransportResponse>;
    try {
      sent = this.#o.transport.send({ body: out.body, bytes: out.wireBytes });
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (response) => {
        try {
          this.#answered(out, attempt, response);
        } catch (error) {
          this.#unexpected(out, error);
        }
      },
      (error: unknown) => {
        try {
          this.#failed(out, attempt, error);
        } catch (unexpected) {
          this.#unexpected(out, unexpected);
        }
      },
    );
  }

  /** A response came: delivered, dropped, or sent again after a wait. */
  #answered(out: Outgoing, attempt: number, response: TransportResponse): void {
    this.#o.rateLimits.update(response);
    if (out.settled) {
      this.#finished(out);
      return;
    }
    const envelope = out.envelope;
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      out.settled = true;
      this.#o.offline?.networkUp();
      this.#o.onResult(envelope, { statusCode: status }, true);
      this.#finished(out);
      return;
    }
    if (status === 429) {
      out.settled = true;
      this.#troubleSinceCheck = true;
      this.#drop(envelope, 'ratelimit_backoff', { statusCode: status });
      this.#finished(out);
      return;
    }
    if (isRetryableStatus(status) && attempt < this.#o.maxRetries) {
      const delay = response.retryAfter ? parseRetryAfter(response.retryAfter) : backoffDelay(attempt, this.#o.backoff);
      this.#retryAfter(out, attempt + 1, Math.min(delay, this.#o.maxRetryDelayMillis));
      return;
    }
    // 413 (too large) and other 4xx never succeed on retry; exhausted 5xx ends here too.
    out.settled = true;
    this.#troubleSinceCheck = true;
    exporterDiag.warn(`${this.#o.label ?? 'Sentry'} answered ${status}: an envelope was dropped`);
    this.#drop(envelope, 'send_error', { statusCode: status });
    this.#finished(out);
  }

  /** The request failed (network, timeout, closed): sent again after a wait, or given up. */
  #failed(out: Outgoing, attempt: number, error: unknown): void {
    if (out.settled) {
      this.#finished(out);
      return;
    }
    if (attempt < this.#o.maxRetries) {
      this.#retryAfter(out, attempt + 1, backoffDelay(attempt, this.#o.backoff));
      return;
    }
    this.#troubleSinceCheck = true;
    this.#networkFailure(out, error).then(
      () => this.#finished(out),
      (unexpected: unknown) => this.#unexpected(out, unexpected),
    );
  }

  #retryAfter(out: Outgoing, attempt: number, delayMillis: number): void {
    this.#sleep(delayMillis).then(() => {
      try {
        if (out.settled || !this.#dropRateLimitedBeforeSend(out)) this.#finished(out);
        else this.#attempt(out, attempt);
      } catch (error) {
        this.#unexpected(out, error);
      }
    });
  }

  /** A bug of ours while sending: the envelope is counted as dropped, never thrown at the host. */
  #unexpected(out: Outgoing, error: unknown): void {
    exporterDiag.error('unexpected failure while sending an envelope', error);
    if (this.#settle(out)) this.#drop(out.envelope, 'internal_sdk_error', { error });
    this.#finished(out);
  }

  /** `out` is decided: its slot and bytes are free for the next envelope. */
  #finished(out: Outgoing): void {
    if (this.#active.delete(out)) this.#bytes -= out.bytes;
    this.#pump();
    if (this.pending === 0) this.#wakeIdle();
  }

  /** Drops rate-limited items before a (re)send; re-serializes when items went. False: nothing left. */
  #dropRateLimitedBeforeSend(out: Outgoing): boolean {
    const before = out.envelope.items.length;
    if (!this.#dropRateLimited(out.envelope)) {
      out.settled = true;
      return false;
    }
    if (out.envelope.items.length !== before) {
      const sized = serializeEnvelopeSized(out.envelope);
      out.body = sized.body;
      out.wireBytes = sized.bytes;
    }
    return true;
  }

  async #networkFailure(out: Outgoing, error: unknown): Promise<void> {
    const offline = this.#o.offline;
    const envelope = out.envelope;
    const storable = envelope.items.filter((i) => i.headers.type !== 'client_report');
    if (offline !== undefined && storable.length > 0) {
      const reports = envelope.items.filter((i) => i.headers.type === 'client_report');
      const stored = await offline.store(
        reports.length === 0 ? out.body : serializeEnvelope({ headers: envelope.headers, items: storable }),
      );
      if (out.settled) return;
      if (stored) {
        out.settled = true;
        // Client reports are never stored offline: their counts go back for the next report.
        for (const item of reports) recordItemDrop(this.#o.reports, 'network_error', item);
        this.#o.onResult(envelope, { error }, false);
        return;
      }
    }
    if (out.settled) return;
    out.settled = true;
    exporterDiag.warn('network error after retries: an envelope was dropped', error);
    this.#drop(envelope, 'network_error', { error });
  }
}
