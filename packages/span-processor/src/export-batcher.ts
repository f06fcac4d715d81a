/**
 * Internal (not exported from the package entry point).
 * Batches finished transactions into `export` calls: a batch goes out after a short delay
 * or as soon as it is full, never more than a fixed number at once. A transaction is never
 * split between two calls, so the exporter always sees a root with all its spans.
 *
 * Like OpenTelemetry's `BatchSpanProcessor`, a batch whose spans carry a resource with
 * attributes still to come from async detectors (`host.id`, cloud metadata) waits for them
 * before it is handed over: the exporter reads `resource.attributes`, which would log
 * "Accessing resource attributes before async attributes settled" and leave them out.
 */
import { context, createContextKey } from '@opentelemetry/api';
import type { ReadableSpanLike } from '@otel-sentry/core';
import { processorDiag } from './diag.js';
import type { DiscardCounter } from './discard-counter.js';
import type { SpanExporterLike } from './types.js';

// The key `suppressTracing` of @opentelemetry/core sets (`createContextKey` is `Symbol.for`),
// built here so that package stays an optional peer. Exports run under it so that whatever
// the exporter does (HTTP requests) is not traced in turn.
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** Settings of {@link ExportBatcher}. */
export interface ExportBatcherSettings {
  readonly scheduledDelayMillis: number;
  readonly maxExportBatchSize: number;
  readonly maxConcurrentExports: number;
  readonly exportTimeoutMillis: number;
}

type Timer = ReturnType<typeof setTimeout>;

/** Spans of whole transactions that go out in one `export` call. */
interface Batch {
  readonly spans: ReadableSpanLike[];
  transactions: number;
}

/** The parts of an SDK `Resource` that say whether async detector attributes are still to come. */
interface SettlingResource {
  readonly asyncAttributesPending?: boolean;
  waitForAsyncAttributes?(): Promise<void>;
}

/** The distinct resources of `spans` whose async attributes have not settled, or `undefined`. */
function unsettledResources(spans: readonly ReadableSpanLike[]): SettlingResource[] | undefined {
  let out: SettlingResource[] | undefined;
  let last: unknown;
  for (const span of spans) {
    const resource = span.resource as SettlingResource;
    // The spans of a batch almost always share one resource: one check per run of them.
    if (resource === last) continue;
    last = resource;
    if (resource?.asyncAttributesPending !== true || typeof resource.waitForAsyncAttributes !== 'function') continue;
    out ??= [];
    if (!out.includes(resource)) out.push(resource);
  }
  return out;
}

function unref(timer: Timer): Timer {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

export class ExportBatcher {
  readonly #exporter: SpanExporterLike;
  readonly #settings: ExportBatcherSettings;
  readonly #discards: DiscardCounter;
  // Batches are formed as transactions arrive, so sending one costs nothing more. Every batch
  // but the last is full: the next transaction did not fit in it.
  #batches: Batch[] = [];
  #queuedSpans = 0;
  #inFlight = 0;
  #timer: Timer | undefined;
  #settled: Array<() => void> = [];

  constructor(exporter: SpanExporterLike, settings: ExportBatcherSettings, discards: DiscardCounter) {
    this.#exporter = exporter;
    this.#settings = settings;
    this.#discards = discards;
  }

  /** Spans waiting to be exported (not counting those in flight). */
  get size(): number {
    return this.#queuedSpans;
  }

  /** Queues one whole transaction. */
  enqueue(transaction: ReadableSpanLike[]): void {
    const last = this.#batches[this.#batches.length - 1];
    if (last !== undefined && last.spans.length + transaction.length <= this.#settings.maxExportBatchSize) {
      for (let i = 0; i < transaction.length; i++) last.spans.push(transaction[i]!);
      last.transactions++;
    } else {
      // A copy: hook callbacks saw `transaction` and may still hold it.
      this.#batches.push({ spans: transaction.slice(), transactions: 1 });
    }
    this.#queuedSpans += transaction.length;
    if (this.#queuedSpans >= this.#settings.maxExportBatchSize) {
      this.#drain(false);
    } else if (this.#timer === undefined) {
      this.#timer = unref(setTimeout(this.#onTimer, this.#settings.scheduledDelayMillis));
    }
  }

  /** Exports everything queued, ignoring the delay, and waits until nothing is in flight. */
  async flush(): Promise<void> {
    while (this.#batches.length > 0 || this.#inFlight > 0) {
      this.#drain(true);
      if (this.#inFlight === 0) break;
      await new Promise<void>((resolve) => this.#settled.push(resolve));
    }
  }

  /** Stops the timer; queued work is left to {@link ExportBatcher.flush}. */
  stop(): void {
    this.#stopTimer();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    // A timer callback: whatever happens must not reach the host application.
    try {
      this.#drain(true);
    } catch (error) {
      processorDiag.error('exporting a batch failed', error);
    }
  };

  /**
   * Sends batches while export slots are free: every queued transaction when `all` (the
   * delay is over, or a flush), else only full batches, the rest waiting for the timer.
   */
  #drain(all: boolean): void {
    const max = this.#settings.maxExportBatchSize;
    while (
      this.#batches.length > 0 &&
      this.#inFlight < this.#settings.maxConcurrentExports &&
      (all || this.#batches.length > 1 || this.#batches[0]!.spans.length >= max)
    ) {
      const batch = this.#batches.shift()!;
      this.#queuedSpans -= batch.spans.length;
      this.#send(batch);
    }
    if (this.#batches.length === 0 || this.#inFlight >= this.#settings.maxConcurrentExports) {
      // Nothing left, or no free slot: a settled export drains again, no timer needed.
      this.#stopTimer();
    } else if (this.#timer === undefined) {
      // A batch that is not full waits for the delay.
      this.#timer = unref(setTimeout(this.#onTimer, this.#settings.scheduledDelayMillis));
    }
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #send(batch: Batch): void {
    this.#inFlight++;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timeout);
      this.#inFlight--;
      const waiters = this.#settled;
      this.#settled = [];
      for (const resolve of waiters) resolve();
      if (this.#batches.length > 0) this.#drain(false);
    };
    const timeout = unref(
      setTimeout(() => {
        processorDiag.warn(
          `export of ${batch.spans.length} spans got no answer within ${this.#settings.exportTimeoutMillis} ms; no longer waiting for it`,
        );
        finish();
      }, this.#settings.exportTimeoutMillis),
    );
    const unsettled = unsettledResources(batch.spans);
    if (unsettled === undefined) {
      this.#export(batch, finish);
      return;
    }
    // Counted in flight and under the export timeout while it waits, as the SDK's batch
    // processor does. A detector that fails leaves its attributes out; the spans still go.
    // (Called inside `then`: a resource that throws instead of rejecting is caught the same way.)
    Promise.all(unsettled.map((resource) => Promise.resolve().then(() => resource.waitForAsyncAttributes!()))).then(
      () => this.#export(batch, finish),
      (error: unknown) => {
        processorDiag.warn('a resource detector failed; exporting without its attributes', error);
        this.#export(batch, finish);
      },
    );
  }

  #export(batch: Batch, finish: () => void): void {
    try {
      context.with(context.active().setValue(SUPPRESS_TRACING_KEY, true), () => {
        this.#exporter.export(batch.spans, (result) => {
          if (result.code !== 0) {
            // The exporter counts what it fails to send (it knows why); counting here too
            // would report those spans twice.
            processorDiag.warn(`the exporter failed ${batch.spans.length} spans`, result.error);
          }
          finish();
        });
      });
    } catch (error) {
      processorDiag.error('the exporter threw from export()', error);
      this.#discards.record('internal_sdk_error', 'transaction', batch.transactions, 'the exporter threw');
      this.#discards.record('internal_sdk_error', 'span', batch.spans.length, 'the exporter threw');
      finish();
    }
  }
}
