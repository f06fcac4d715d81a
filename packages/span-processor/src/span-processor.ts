/**
 * `SentrySpanProcessor`: emits the lifecycle hooks and hands whole local-root transactions
 * to an exporter.
 */
import { type Context, TraceFlags, trace } from '@opentelemetry/api';
import {
  type AnyHookCallback,
  type Client,
  type ClientHooks,
  DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
  describeValue,
  ensureSpanData,
  getFrozenDsc,
  getLocalRoot,
  getReplayId,
  getSpanData,
  type HookName,
  type HookRegistry,
  InvalidOptionError,
  linkToLocalRoot,
  MAX_TIMER_MILLIS,
  numberOption,
  type ReadableSpanLike,
  SPANS_MODES,
  type SpanAssembly,
  type SpanSentryData,
  type SpansMode,
  spansModeOf,
  streamsSpans,
  TRANSACTION_ASSEMBLER_DEFAULTS,
  TransactionAssembler,
} from '@otel-sentry/core';
import { processorDiag } from './diag.js';
import { DiscardCounter } from './discard-counter.js';
import { ExportBatcher } from './export-batcher.js';
import { checkProcessorOptions } from './processor-options.js';
import { takeSamplingDecision } from './sampling-handoff.js';
import { SpanPassThrough } from './span-pass-through.js';
import type {
  DiscardedEvents,
  DiscardSource,
  SentrySpanProcessorOptions,
  SpanExporterLike,
  StartedSpanLike,
} from './types.js';

/** Sentry's limit of spans per transaction. */
const MAX_SPANS_PER_TRANSACTION = TRANSACTION_ASSEMBLER_DEFAULTS.maxSpansPerTransaction;

/** Default of `scheduledDelayMillis`. */
const DEFAULT_SCHEDULED_DELAY_MILLIS = 40;
/** Default of `maxExportBatchSize`. */
const DEFAULT_MAX_EXPORT_BATCH_SIZE = 128;

function integerOption(
  options: SentrySpanProcessorOptions,
  name: keyof SentrySpanProcessorOptions,
  fallback: number,
  min: number,
  max: number,
): number {
  return numberOption('otel-sentry/span-processor', name, options[name], { min, max }, fallback);
}

/**
 * How spans leave (design decision 9): the processor's own `spans` option, else what the
 * exporter says through its `spans` property (core's `spansModeOf`), else `transactions`.
 * Both given and different is a wiring mistake, reported now.
 */
function resolveSpansMode(option: unknown, exporter: unknown): SpansMode {
  const advertised = spansModeOf(exporter);
  if (option === undefined) return advertised ?? 'transactions';
  if (typeof option !== 'string' || !(SPANS_MODES as readonly string[]).includes(option)) {
    throw new InvalidOptionError(
      `otel-sentry: option "spans" must be one of ${SPANS_MODES.map((m) => `'${m}'`).join(', ')}, got ${describeValue(option)}`,
    );
  }
  if (advertised !== undefined && advertised !== option) {
    throw new InvalidOptionError(
      `otel-sentry: option "spans" is '${option}' but the exporter sends spans as '${advertised}'; leave "spans" out of the span processor, the exporter's setting is used`,
    );
  }
  return option as SpansMode;
}

/**
 * A `SpanProcessor` for Sentry. It
 * - links every span to its local root in core's span side table, and records on each local
 *   root the frozen DSC, replay id and sampling decision it started with;
 * - emits `spanStart`, `transactionStart`, `spanEnd` and `transactionEnd` on its client;
 * - holds finished children until their local root ends (and, briefly, a finished root until
 *   the children started under it have ended) and then hands the whole transaction to the
 *   exporter in one `export` call, batched with other transactions;
 * - bounds memory and counts every span it drops (see {@link SentrySpanProcessor.takeDiscards}).
 *
 * It never throws from `onStart`/`onEnd`.
 */
export class SentrySpanProcessor implements HookRegistry, DiscardSource {
  /** The client whose hooks this processor emits. */
  readonly client: Client;
  readonly #exporter: SpanExporterLike;
  readonly #discards: DiscardCounter;
  /** How spans leave: assembled transactions, or each span as it ends (`stream`, `otlp`). */
  readonly spans: SpansMode;
  // Core's assembler (the one the exporter uses for spans no processor assembled), or, when
  // spans are streamed, a pass-through that hands each span on as it ends.
  readonly #assembler: SpanAssembly;
  readonly #batcher: ExportBatcher;
  readonly #maxBufferedSpans: number;
  #shutdown: Promise<void> | undefined;
  readonly #shutdownTimeoutMillis: number;

  /**
   * @throws InvalidOptionError when an option cannot work (checked here, never later).
   */
  constructor(options: SentrySpanProcessorOptions) {
    const { exporter, client } = checkProcessorOptions(options);
    this.#exporter = exporter;
    this.spans = resolveSpansMode(options.spans, exporter);
    this.client = client;
    // One deadline for the whole pipeline, read from the client the exporter shares.
    this.#shutdownTimeoutMillis = this.client.options.shutdownTimeoutMillis ?? DEFAULT_SHUTDOWN_TIMEOUT_MILLIS;
    this.#discards = new DiscardCounter(this.client);
    const defaults = TRANSACTION_ASSEMBLER_DEFAULTS;
    this.#maxBufferedSpans = integerOption(
      options,
      'maxBufferedSpans',
      defaults.maxBufferedSpans,
      1,
      Number.MAX_SAFE_INTEGER,
    );
    // Built in every mode, so its options are checked in every mode (design decision 13).
    const assembler = this.#transactionAssembler(options);
    this.#assembler = streamsSpans(this.spans) ? new SpanPassThrough(this.#onSpan) : assembler;
    this.#batcher = new ExportBatcher(
      exporter,
      {
        // Two triggers, so that a batch is big at every rate and never old under load. Spans
        // held past V8's young-generation cycle (tens of ms at a few thousand requests a second)
        // are copied into the old generation, and under load that copying cost more than the
        // whole rest of the pipeline (a 1000 ms delay did): at high rates the size trigger sends
        // a batch every few ms. At lower rates the delay gathers the transactions of 40 ms into
        // one export, so their envelopes leave in one write and come back in one burst of
        // answers: at 10 % sampling against a 100 ms round trip, 40 ms / 128 used 10 % less CPU
        // per request than 5 ms / 512 (`bench:gc` GC_AB, two steps of 6 pairs each, 11 of 12
        // pairs cheaper), and at `continue` (every request sampled) no more.
        scheduledDelayMillis: integerOption(
          options,
          'scheduledDelayMillis',
          DEFAULT_SCHEDULED_DELAY_MILLIS,
          0,
          MAX_TIMER_MILLIS,
        ),
        maxExportBatchSize: integerOption(
          options,
          'maxExportBatchSize',
          DEFAULT_MAX_EXPORT_BATCH_SIZE,
          1,
          Number.MAX_SAFE_INTEGER,
        ),
        maxConcurrentExports: integerOption(options, 'maxConcurrentExports', 2, 1, 1000),
        exportTimeoutMillis: integerOption(options, 'exportTimeoutMillis', 30_000, 1, MAX_TIMER_MILLIS),
      },
      this.#discards,
    );
  }

  /** Core's assembler, with the options checked here (they are checked in every mode). */
  #transactionAssembler(options: SentrySpanProcessorOptions): TransactionAssembler {
    const defaults = TRANSACTION_ASSEMBLER_DEFAULTS;
    return new TransactionAssembler({
      maxSpansPerTransaction: integerOption(
        options,
        'maxSpansPerTransaction',
        MAX_SPANS_PER_TRANSACTION,
        1,
        MAX_SPANS_PER_TRANSACTION,
      ),
      maxBufferedSpans: this.#maxBufferedSpans,
      orphanTimeoutMillis: integerOption(
        options,
        'orphanTimeoutMillis',
        defaults.orphanTimeoutMillis,
        0,
        MAX_TIMER_MILLIS,
      ),
      lateChildGraceMillis: integerOption(
        options,
        'lateChildGraceMillis',
        defaults.lateChildGraceMillis,
        0,
        MAX_TIMER_MILLIS,
      ),
      // Transactions waiting to be exported share the bound with the spans held here.
      heldElsewhere: () => this.#batcher.size,
      onTransaction: this.#onTransaction,
      onDrop: (quantity, reason, why) => this.#discards.record(reason, 'span', quantity, why),
      onDetach: (quantity, reason) =>
        processorDiag.debug(`${quantity} span(s) sent without their local root (${reason})`),
    });
  }

  /**
   * Subscribes `callback` to the hook `name` of this processor's client; returns the
   * function that unsubscribes it.
   */
  on<K extends HookName>(name: K, callback: ClientHooks[K]): () => void;
  on(name: string, callback: AnyHookCallback): () => void;
  on(name: string, callback: AnyHookCallback): () => void {
    return this.client.on(name, callback);
  }

  /**
   * Returns what this processor dropped since the last call, one entry per reason and
   * category (`transaction`, `span`), and starts again from zero. Each drop is also emitted
   * as the client hook `discardedEvent(reason, category, quantity)`: an exporter should use
   * one of the two, not both.
   */
  takeDiscards(): DiscardedEvents[] {
    return this.#discards.take();
  }

  /** Finished spans held in memory now: children waiting for their root and queued exports. */
  get bufferedSpans(): number {
    return this.#assembler.size + this.#batcher.size;
  }

  /** Records the span's place in its transaction and emits `spanStart` / `transactionStart`. */
  onStart(span: StartedSpanLike, parentContext: Context): void {
    if (this.#shutdown !== undefined) return;
    try {
      const parent = trace.getSpan(parentContext);
      // A parent with a side-table entry is a local span this processor saw start; anything
      // else (no parent, a remote one, a bare span context) makes this span a local root.
      const parentData = parent === undefined || parent === span ? undefined : getSpanData(parent);
      let isRoot = true;
      if (parentData !== undefined && parent!.spanContext().traceId === span.spanContext().traceId) {
        const root = parentData.root ?? parent!;
        linkToLocalRoot(span, root);
        isRoot = false;
        // Counted so a finished root can wait for it (late-child grace). Unsampled spans are
        // never assembled, so they are not waited for.
        if (isSampled(span)) this.#assembler.spanStarted(span, root);
      } else {
        this.#recordRoot(span, parentContext);
      }
      const client = this.client;
      if (client.hasHooks('spanStart')) client.emit('spanStart', span, parentContext);
      if (isRoot && client.hasHooks('transactionStart') && isSampled(span)) client.emit('transactionStart', span);
    } catch (error) {
      processorDiag.error('onStart failed', error);
    }
  }

  /** Emits `spanEnd` and adds the span to its transaction. */
  onEnd(span: ReadableSpanLike): void {
    try {
      if (this.#shutdown !== undefined) {
        this.#discards.record('internal_sdk_error', 'span', 1, 'a span ended after shutdown');
        if (getLocalRoot(span) === span) {
          this.#discards.record('internal_sdk_error', 'transaction', 1, 'a span ended after shutdown');
        }
        return;
      }
      const client = this.client;
      if (client.hasHooks('spanEnd')) client.emit('spanEnd', span);
      const root = getLocalRoot(span);
      // Recorded but not sampled (a sampler other than SentrySampler decided RECORD).
      if (!isSampled(span)) {
        this.#discards.record('sample_rate', 'span', 1, 'the span was not sampled');
        if (root === span) this.#discards.record('sample_rate', 'transaction', 1, 'the span was not sampled');
        return;
      }
      // Drops past the bounds are counted by the assembler (onDrop).
      this.#assembler.spanEnded(span, root);
    } catch (error) {
      processorDiag.error('onEnd failed', error);
      this.#discards.record('internal_sdk_error', 'span', 1, 'onEnd failed');
    }
  }

  /**
   * Exports every finished transaction now — roots waiting for late children go without
   * them — then calls the exporter's `forceFlush`.
   */
  async forceFlush(): Promise<void> {
    if (this.#shutdown !== undefined) return this.#shutdown;
    const flushing = (async () => {
      try {
        this.#assembler.flush();
        await this.#batcher.flush();
      } catch (error) {
        processorDiag.error('flushing failed', error);
      }
      await this.#exporterForceFlush();
    })();
    await withDeadline(flushing, this.#shutdownTimeoutMillis, 'forceFlush');
  }

  /**
   * Exports everything still held — children whose root has not ended go out as orphans —
   * then shuts down the exporter (which sends what it holds). Returns within the client's
   * `shutdownTimeoutMillis` (the exporter on the same client keeps the same deadline), even
   * when the network hangs. Idempotent; spans ending afterwards are counted, not exported.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= withDeadline(this.#doShutdown(), this.#shutdownTimeoutMillis * 1.05, 'shutdown');
    return this.#shutdown;
  }

  async #doShutdown(): Promise<void> {
    // Never rejects: a failure here is logged and the exporter is still shut down.
    try {
      this.#assembler.flushAll();
      await withDeadline(this.#batcher.flush(), this.#shutdownTimeoutMillis, 'the last exports');
    } catch (error) {
      processorDiag.error('flushing at shutdown failed', error);
    }
    this.#batcher.stop();
    // No forceFlush first: the exporter's shutdown sends what it holds, within the same
    // deadline; a flush before it would spend the deadline twice.
    try {
      await this.#exporter.shutdown();
    } catch (error) {
      processorDiag.error('the exporter failed to shut down', error);
    }
  }

  async #exporterForceFlush(): Promise<void> {
    try {
      await this.#exporter.forceFlush?.();
    } catch (error) {
      processorDiag.error('the exporter failed to flush', error);
    }
  }

  #recordRoot(span: StartedSpanLike, parentContext: Context): void {
    // Every local root gets an entry, empty or not: it is how its children recognise a parent
    // this processor saw start.
    const data: SpanSentryData = {};
    const traceId = span.spanContext().traceId;
    // A DSC belongs to one trace: a root started with `root: true` inside a request must not
    // take the request's DSC.
    if (trace.getSpanContext(parentContext)?.traceId === traceId) {
      const frozen = getFrozenDsc(parentContext);
      if (frozen !== undefined) data.frozenDsc = frozen;
    }
    const replayId = getReplayId(parentContext);
    if (replayId !== undefined) data.replayId = replayId;
    const decision = takeSamplingDecision(traceId);
    if (decision !== undefined) {
      if (decision.sampleRate !== undefined) data.sampleRate = decision.sampleRate;
      data.sampleRand = decision.sampleRand;
    }
    // Merged into an entry that may exist already (a second processor on the provider).
    Object.assign(ensureSpanData(span), data);
  }

  // Every assembled transaction passes here: roots that ended, late children and orphans.
  readonly #onTransaction = (root: ReadableSpanLike, children: ReadableSpanLike[]): void => {
    children.push(root);
    let spans = children;
    if (this.client.hasHooks('transactionEnd')) {
      this.client.emit('transactionEnd', root, spans);
      spans = this.#assembler.capTransaction(root, spans);
    }
    if (this.bufferedSpans + spans.length > this.#maxBufferedSpans) {
      const why = `${this.#maxBufferedSpans} finished spans are already buffered (maxBufferedSpans)`;
      this.#discards.record('buffer_overflow', 'transaction', 1, why);
      this.#discards.record('buffer_overflow', 'span', spans.length, why);
      return;
    }
    this.#batcher.enqueue(spans);
  };

  // `stream` and `otlp`: every finished span passes here as it ends (design decision 11).
  readonly #onSpan = (span: ReadableSpanLike, isLocalRoot: boolean): void => {
    // The children have left already: the root is all that is left of its transaction.
    if (isLocalRoot && this.client.hasHooks('transactionEnd')) this.client.emit('transactionEnd', span, [span]);
    if (this.#batcher.size >= this.#maxBufferedSpans) {
      this.#discards.record(
        'buffer_overflow',
        'span',
        1,
        `${this.#maxBufferedSpans} finished spans are already waiting for export (maxBufferedSpans)`,
      );
      return;
    }
    this.#batcher.enqueue([span]);
  };
}

/**
 * Resolves when `work` settles or after `millis`, whichever comes first (never rejects): a
 * flush or shutdown must return on time even when an exporter hangs.
 */
function withDeadline(work: Promise<unknown>, millis: number, what: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      processorDiag.warn(`${what} did not finish within ${Math.round(millis)} ms (shutdownTimeoutMillis); returning`);
      resolve();
    }, millis);
    (timer as { unref?: () => void }).unref?.();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        processorDiag.error(`${what} failed`, error);
        resolve();
      },
    );
  });
}

function isSampled(span: { spanContext(): { traceFlags: number } }): boolean {
  return (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}
