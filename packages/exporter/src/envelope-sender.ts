/**
 * The send pipeline: a bounded queue, a bounded number of requests in flight, per-category
 * rate limits read from every response, retries with backoff for network errors and 5xx,
 * and a count of everything that does not make it (client reports).
 */
import {
  type ClientReport,
  type DataCategory,
  type DiscardReason,
  type Envelope,
  type EnvelopeItem,
  itemTypeToCategory,
  parseRetryAfter,
  type RateLimits,
  serializeEnvelope,
  type TransportResult,
} from '@otel-sentry/core';
import type { ClientReportRecorder } from './client-reports.js';
import { exporterDiag } from './diag.js';
import { type BackoffOptions, backoffDelay, isRetryableStatus, sleep } from './retry.js';
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
  readonly maxQueueSize: number;
  readonly maxConcurrent: number;
  readonly maxRetries: number;
  /** The backoff between retries. */
  readonly backoff: BackoffOptions;
  /** Longest wait for one retry, whatever `Retry-After` says. */
  readonly maxRetryDelayMs: number;
  /** Called for every envelope once its fate is known. */
  readonly onResult: (envelope: Envelope, result: TransportResult, delivered: boolean) => void;
  /** Where network failures go instead of being dropped. */
  offline?: OfflineStore | undefined;
}

/** Transaction items serialized ahead (string payloads) remember their span count here. */
const spanCounts = new WeakMap<EnvelopeItem, number>();

/** Records how many spans a transaction item holds (its child spans), for drop counts. */
export function setItemSpanCount(item: EnvelopeItem, spans: number): void {
  spanCounts.set(item, spans);
}

function spanCountOf(item: EnvelopeItem): number {
  const known = spanCounts.get(item);
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
  if (type === 'client_report') return; // never reported as dropped
  const category: DataCategory = itemTypeToCategory(type);
  if (type === 'sessions') {
    const aggregates = (item.payload as { aggregates?: unknown[] } | null)?.aggregates;
    reports.record(reason, category, Array.isArray(aggregates) ? Math.max(1, aggregates.length) : 1);
    return;
  }
  reports.record(reason, category, 1);
  if (type === 'transaction') reports.record(reason, 'span', spanCountOf(item) + 1);
}

interface Outgoing {
  envelope: Envelope;
  body: string | Uint8Array | undefined;
}

/** See the module comment. */
export class EnvelopeSender {
  readonly #o: EnvelopeSenderOptions & { offline?: OfflineStore | undefined };
  readonly #queue: Outgoing[] = [];
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(options: EnvelopeSenderOptions) {
    this.#o = { ...options };
  }

  /** Sets where envelopes go when the network is down. */
  setOffline(store: OfflineStore): void {
    this.#o.offline = store;
  }

  /** Envelopes queued or in flight. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /**
   * Queues an envelope. Rate-limited items are dropped (and counted) first; an envelope
   * that does not fit in the queue is dropped (and counted). Returns whether it was queued.
   */
  enqueue(envelope: Envelope): boolean {
    if (!this.#dropRateLimited(envelope)) return false;
    if (this.pending >= this.#o.maxQueueSize) {
      this.#drop(envelope, 'queue_overflow', {});
      exporterDiag.warn(`send queue full (${this.#o.maxQueueSize}): an envelope was dropped`);
      return false;
    }
    this.#queue.push({ envelope, body: undefined });
    this.#pump();
    return true;
  }

  /** Resolves once nothing is queued or in flight, or with false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        resolve(false);
      }, timeoutMs);
      this.#idleWaiters.push(() => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(true);
      });
    });
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
        if (item.headers.type === 'client_report') {
          const report = reportOf(item);
          if (report) this.#o.reports.restore(report);
        } else {
          recordItemDrop(this.#o.reports, 'ratelimit_backoff', item);
        }
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
    for (const item of envelope.items) {
      if (item.headers.type === 'client_report') {
        // Reports are never counted as dropped; their counts ride with the next report.
        const report = reportOf(item);
        if (report) this.#o.reports.restore(report);
      } else {
        recordItemDrop(this.#o.reports, reason, item);
      }
    }
    this.#o.onResult(envelope, result, false);
  }

  #pump(): void {
    while (this.#inFlight < this.#o.maxConcurrent && this.#queue.length > 0) {
      const next = this.#queue.shift()!;
      this.#inFlight++;
      this.#sendOne(next)
        .catch((error: unknown) => {
          exporterDiag.error('unexpected failure while sending an envelope', error);
          this.#drop(next.envelope, 'internal_sdk_error', { error });
        })
        .finally(() => {
          this.#inFlight--;
          this.#pump();
          if (this.pending === 0) {
            const waiters = this.#idleWaiters;
            this.#idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }

  #serialize(out: Outgoing): string | Uint8Array {
    if (out.body === undefined) {
      out.envelope.headers.sent_at = new Date().toISOString();
      out.body = serializeEnvelope(out.envelope);
    }
    return out.body;
  }

  async #sendOne(out: Outgoing): Promise<void> {
    const { envelope } = out;
    // A limit may have arrived while the envelope waited in the queue.
    if (!this.#dropRateLimited(envelope)) return;
    for (let attempt = 0; ; attempt++) {
      const body = this.#serialize(out);
      let response: TransportResponse;
      try {
        response = await this.#o.transport.send({ body });
      } catch (error) {
        if (attempt < this.#o.maxRetries) {
          await sleep(backoffDelay(attempt, this.#o.backoff));
          if (!this.#dropRateLimited(envelope)) return;
          out.body = undefined;
          continue;
        }
        await this.#networkFailure(out, error);
        return;
      }
      this.#o.rateLimits.update(response);
      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        this.#o.offline?.networkUp();
        this.#o.onResult(envelope, { statusCode: status }, true);
        return;
      }
      if (status === 429) {
        this.#drop(envelope, 'ratelimit_backoff', { statusCode: status });
        return;
      }
      if (isRetryableStatus(status) && attempt < this.#o.maxRetries) {
        const delay = response.retryAfter
          ? parseRetryAfter(response.retryAfter)
          : backoffDelay(attempt, this.#o.backoff);
        await sleep(Math.min(delay, this.#o.maxRetryDelayMs));
        if (!this.#dropRateLimited(envelope)) return;
        out.body = undefined;
        continue;
      }
      // 413 (too large) and other 4xx never succeed on retry; exhausted 5xx ends here too.
      exporterDiag.warn(`Sentry answered ${status}: an envelope was dropped`);
      this.#drop(envelope, 'send_error', { statusCode: status });
      return;
    }
  }

  async #networkFailure(out: Outgoing, error: unknown): Promise<void> {
    const offline = this.#o.offline;
    const envelope = out.envelope;
    const storable = envelope.items.filter((i) => i.headers.type !== 'client_report');
    if (offline !== undefined && storable.length > 0) {
      const reports = envelope.items.filter((i) => i.headers.type === 'client_report');
      const stored = await offline.store(
        reports.length === 0 ? this.#serialize(out) : serializeEnvelope({ headers: envelope.headers, items: storable }),
      );
      if (stored) {
        // Client reports are never stored offline: their counts go back for the next report.
        for (const item of reports) {
          const report = reportOf(item);
          if (report) this.#o.reports.restore(report);
        }
        this.#o.onResult(envelope, { error }, false);
        return;
      }
    }
    exporterDiag.warn('network error after retries: an envelope was dropped', error);
    this.#drop(envelope, 'network_error', { error });
  }
}
