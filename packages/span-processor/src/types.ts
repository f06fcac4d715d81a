/**
 * Public types of `@otel-sentry/span-processor`.
 *
 * Spans, exporters and samplers are described by shape, not by class: the package works
 * with `@opentelemetry/sdk-trace-base` 2.x and `@opentelemetry/sdk-trace` 3.x alike and
 * imports neither.
 */
import type { Attributes, Context, Link, Span, SpanContext, SpanKind } from '@opentelemetry/api';
import type {
  Client,
  ClientOptions,
  DataCategory,
  DiscardReason,
  HookRegistry,
  ReadableSpanLike,
  SpansMode,
} from '@otel-sentry/core';

/**
 * A span as the SDK hands it to `SpanProcessor.onStart`: a live API `Span` that can also be
 * read (the SDK's `Span` class in both 2.x and 3.x).
 */
export interface StartedSpanLike extends Span {
  /** The span name at start. */
  readonly name: string;
  /** The span kind. */
  readonly kind: SpanKind;
  /** The parent's span context, when the span has a parent (local or remote). */
  readonly parentSpanContext?: SpanContext | undefined;
  /** Attributes set so far (those given at start, and any set since). */
  readonly attributes: Attributes;
  /** The instrumentation scope (tracer name and version) that created the span. */
  readonly instrumentationScope: { readonly name: string; readonly version?: string | undefined };
  /** Whether the span has ended. */
  readonly ended?: boolean;
}

/** What an exporter reports back for one `export` call (`ExportResult` of `@opentelemetry/core`). */
export interface ExportResultLike {
  /** `0` success, `1` failure (`ExportResultCode`). */
  readonly code: number;
  /** Why the export failed, when it did. */
  readonly error?: Error | undefined;
}

/**
 * The exporter a {@link SentrySpanProcessorOptions.exporter} must be: the `SpanExporter`
 * shape of the OpenTelemetry SDKs. `SentryEnvelopeExporter` is the usual one; any works
 * (an `InMemorySpanExporter` in tests, an OTLP exporter beside Sentry...).
 */
export interface SpanExporterLike {
  /**
   * Exports finished spans. The span processor hands over whole transactions: every span
   * of a local root arrives in the same call as that root.
   */
  export(spans: ReadableSpanLike[], resultCallback: (result: ExportResultLike) => void): void;
  /** Stops the exporter. */
  shutdown(): Promise<void>;
  /** Sends whatever the exporter still holds. */
  forceFlush?(): Promise<void>;
  /**
   * How the exporter sends spans, when it says (`SentryEnvelopeExporter` does): in `stream`
   * and `otlp` the processor hands each span on as it ends instead of assembling
   * transactions. Absent or unknown: `transactions`.
   */
  readonly spans?: SpansMode | string | undefined;
}

/** Options of `SentrySpanProcessor`. Client options are used only when no `client` is given. */
export interface SentrySpanProcessorOptions extends ClientOptions {
  /** Where finished transactions go. Required. */
  readonly exporter: SpanExporterLike;
  /**
   * The client whose hooks the processor emits. Share one client between the propagator,
   * the processor and the exporter so a hook registered once sees the whole pipeline.
   * Default: a client created with `createClient` from these options.
   */
  readonly client?: Client | undefined;
  /**
   * How spans leave: `'transactions'` (whole local-root transactions, after a short grace for
   * late children), or `'stream'` / `'otlp'` (each span handed on as it ends; hooks still fire,
   * `transactionEnd` when the root ends, with the root alone). Default: what the exporter says
   * through its `spans` property (`SentryEnvelopeExporter`'s `spans` option), else
   * `'transactions'`. Set it only for an exporter that cannot say (one wrapped in another);
   * a value that contradicts the exporter's throws `InvalidOptionError`.
   */
  readonly spans?: SpansMode | undefined;
  /**
   * Most spans in one transaction, the root included (1..1000). Beyond it the earliest
   * started spans are kept and the rest counted as `buffer_overflow`. Default `1000`
   * (Sentry's limit).
   */
  readonly maxSpansPerTransaction?: number | undefined;
  /**
   * Most finished spans held in memory at once: children waiting for their root plus
   * transactions waiting to be exported. What would go past it is dropped and counted as
   * `buffer_overflow`. Default `10000`.
   */
  readonly maxBufferedSpans?: number | undefined;
  /**
   * Longest time, in milliseconds, a finished child waits for its local root to end. After
   * it, the waiting children are exported without their root ("orphans", see the README).
   * Default `300000` (5 minutes).
   */
  readonly orphanTimeoutMillis?: number | undefined;
  /**
   * Longest time, in milliseconds, a finished local root waits for spans started under it
   * that are still running, so that spans a framework ends just after the server span join
   * its transaction instead of becoming "late" ones. The root goes as soon as they have all
   * ended; `forceFlush()` and `shutdown()` cut the wait short; a waiting root counts against
   * `maxBufferedSpans`. `0` sends roots at once. Default `100`.
   */
  readonly lateChildGraceMillis?: number | undefined;
  /**
   * Longest delay, in milliseconds, between a transaction finishing and its batch being
   * exported, so that several transactions share one export (and their envelopes one write
   * and one answer on the wire). Default `40`. Under heavy load a batch fills up
   * (`maxExportBatchSize`) long before that and leaves at once: spans kept past V8's
   * young-generation cycle, tens of ms at thousands of requests a second, are promoted out of
   * it, which costs more than fewer `export` calls save.
   */
  readonly scheduledDelayMillis?: number | undefined;
  /**
   * A batch is exported at once when it holds this many spans. Transactions are never split,
   * so one large transaction can make a batch bigger. Default `128`: at thousands of
   * transactions a second a batch leaves every few ms, whatever `scheduledDelayMillis` says.
   */
  readonly maxExportBatchSize?: number | undefined;
  /** Most `export` calls in flight at once; further batches wait. Default `2`. */
  readonly maxConcurrentExports?: number | undefined;
  /**
   * How long, in milliseconds, the processor waits for an export's callback before it stops
   * counting it as in flight. Default `30000`.
   */
  readonly exportTimeoutMillis?: number | undefined;
}

/** One line of the tally of what was dropped: the shape of a `client_report` entry. */
export interface DiscardedEvents {
  /** Why it was dropped. */
  readonly reason: DiscardReason;
  /** `transaction` or `span` here. */
  readonly category: DataCategory;
  /** How many. */
  readonly quantity: number;
}

/** Something that can give the drops it counted: the span processor and the sampler. */
export interface DiscardSource {
  /**
   * Returns what was dropped since the last call, one entry per reason and category, and
   * starts counting from zero again. Meant for whoever builds client reports.
   */
  takeDiscards(): DiscardedEvents[];
}

/** What a `tracesSampler` is told about the span it decides on (a local root). */
export interface TracesSamplerContext {
  /** The span name. */
  readonly name: string;
  /** The span kind. */
  readonly kind: SpanKind;
  /** Attributes given at start. */
  readonly attributes: Attributes;
  /** Links given at start. */
  readonly links: readonly Link[];
  /** The trace id. */
  readonly traceId: string;
  /** The context the span starts in (it may carry the incoming DSC and replay id). */
  readonly parentContext: Context;
  /** The decision made upstream: `undefined` for a new trace or a deferred decision. */
  readonly parentSampled: boolean | undefined;
  /** The sample rate upstream used, from the incoming DSC. */
  readonly parentSampleRate: number | undefined;
}

/**
 * Decides the sample rate of a local root: a number in [0, 1], or `true`/`false` for
 * always/never. `undefined` falls back to the upstream decision, else `tracesSampleRate`.
 */
export type TracesSampler = (context: TracesSamplerContext) => number | boolean | undefined;

/** Options of `SentrySampler`. Client options are used only when no `client` is given. */
export interface SentrySamplerOptions extends ClientOptions {
  /** The client the sampler reports drops to. Default: one created from these options. */
  readonly client?: Client | undefined;
  /**
   * Decides local roots. When set, it is asked for every local root, continued traces
   * included (it is told the upstream decision). Default: none.
   */
  readonly tracesSampler?: TracesSampler | undefined;
}

/** A value an ownership rule compares an attribute with. Strings may use `*` as a wildcard. */
export type AttributeMatcher = string | number | boolean | RegExp;

/**
 * One ownership rule: every criterion given must match. Strings match whole values and
 * may use `*` for any run of characters; regular expressions are tested as they are.
 */
export interface OwnershipRule {
  /** The owning team written on matching spans and events. */
  readonly team: string;
  /** Route pattern, matched against `http.route` (e.g. `/billing/*`). */
  readonly route?: string | RegExp | undefined;
  /** Instrumentation scope (tracer) name, e.g. `@opentelemetry/instrumentation-pg`. */
  readonly scope?: string | RegExp | undefined;
  /** Span name. */
  readonly name?: string | RegExp | undefined;
  /** Attribute values, by attribute key. */
  readonly attributes?: Readonly<Record<string, AttributeMatcher>> | undefined;
}

/** Options of `ownershipRouting`. */
export interface OwnershipRoutingOptions {
  /** The rules, first match wins. */
  readonly rules: readonly OwnershipRule[];
  /** The attribute written on spans and the tag written on events. Default `team`. */
  readonly key?: string | undefined;
  /** Team of spans no rule and no ancestor claims. Default: none (nothing written). */
  readonly fallbackTeam?: string | undefined;
}

/**
 * An integration built only on client hooks. `setup` subscribes it to a client or a
 * `SentrySpanProcessor` (anything with `on`) and returns a function that unsubscribes it.
 */
export interface Integration {
  /** A name for logs. */
  readonly name: string;
  /** Subscribes the integration's callbacks; returns the function that removes them. */
  setup(target: HookRegistry): () => void;
}
