/**
 * `SentrySampler`: a parent-based sampler that follows Sentry's rules, so a trace is sampled
 * the same way in every service it crosses, whatever SDK each one runs.
 */
import {
  type Attributes,
  type Context,
  isSpanContextValid,
  type Link,
  SpanKind,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import {
  type Client,
  deriveSampleRandValue,
  functionOption,
  getDynamicSamplingContext,
  isSamplingDeferred,
  offerUnrecordedRoot,
  offerUnrecordedSpan,
  parseSampleRate,
  recordDeferredDecision,
  requestUrlOf,
} from '@otel-sentry/core';
import { checkedOptions } from './checked-options.js';
import { processorDiag } from './diag.js';
import { DiscardCounter } from './discard-counter.js';
import { offerSamplingDecision } from './sampling-handoff.js';
import type {
  DiscardedEvents,
  DiscardSource,
  SentrySamplerOptions,
  TracesSampler,
  TracesSamplerContext,
} from './types.js';

/**
 * The decisions of the SDKs' `SamplingDecision` enum, by value: `NOT_RECORD` (0) and
 * `RECORD_AND_SAMPLED` (2). Written as values so this package imports no SDK.
 */
const NOT_RECORD = 0 as const;
const RECORD_AND_SAMPLED = 2 as const;

/** The result `SentrySampler.shouldSample` returns (the SDKs' `SamplingResult` shape). */
export interface SentrySamplingResult {
  /** `0` (`NOT_RECORD`) or `2` (`RECORD_AND_SAMPLED`). */
  readonly decision: typeof NOT_RECORD | typeof RECORD_AND_SAMPLED;
}

const SAMPLED: SentrySamplingResult = Object.freeze({ decision: RECORD_AND_SAMPLED });
const NOT_SAMPLED: SentrySamplingResult = Object.freeze({ decision: NOT_RECORD });

/** `sample_rand` as read from a DSC: a number in [0, 1). */
function parseSampleRand(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const rand = Number(value);
  return Number.isFinite(rand) && rand >= 0 && rand < 1 ? rand : undefined;
}

const C = 'otel-sentry/sampler';

/**
 * A parent-based sampler with Sentry's rules.
 *
 * - A span with a local parent follows its parent.
 * - A local root (no parent, or a remote one):
 *   1. with `tracesSampler`, takes the rate it returns (it is told the upstream decision);
 *   2. else, when upstream decided (`sentry-sampled` in the incoming DSC, or the sampled
 *      trace flag), follows that decision;
 *   3. else (a new trace, or a deferred decision) samples when the trace's `sample_rand` is
 *      below `tracesSampleRate`.
 *   `sample_rand` comes from the incoming DSC, so every service of a trace compares the same
 *   number with its rate; when the DSC has none, one is derived consistently with any
 *   upstream decision (core's `deriveSampleRand`, here as its value).
 * - The rate and `sample_rand` used are recorded on the local root's side-table entry by
 *   `SentrySpanProcessor`, for the DSC the trace will propagate.
 * - What it does not sample is counted as `sample_rate` (one `transaction` per local root,
 *   one `span` per span, the root included) and never recorded.
 * - Its decisions travel: for a trace that arrived deferred, the decision is recorded in the
 *   parent context (core's `recordDeferredDecision`), so `SentryPropagator` sends `-0` rather
 *   than passing the deferral on; for a span it does not record, the URL of the request it
 *   describes is handed to the propagator (core's `offerUnrecordedSpan`), so
 *   `tracePropagationTargets` still holds for that request; and for an unrecorded root of a
 *   new trace, the rate and `sample_rand` its head DSC must carry (`offerUnrecordedRoot`).
 *   None of it touches attributes or trace state.
 */
export class SentrySampler implements DiscardSource {
  /** The client drops are reported to. */
  readonly client: Client;
  readonly #tracesSampleRate: number;
  readonly #tracesSampler: TracesSampler | undefined;
  readonly #discards: DiscardCounter;

  /**
   * @throws InvalidOptionError when an option cannot work: a wrong type, `tracesSampleRate`
   * outside [0, 1], or a client option (`tracesSampleRate` included) given beside `client`
   * that differs from the client's. Unknown option names are reported through `diag`.
   */
  constructor(options: SentrySamplerOptions = {}) {
    const checked = checkedOptions(C, options, ['tracesSampler'], '{ client, tracesSampleRate }');
    this.client = checked.client;
    // The client's rate: the one the propagator writes into a head DSC too.
    this.#tracesSampleRate = this.client.options.tracesSampleRate;
    this.#tracesSampler = functionOption<TracesSampler>(C, 'tracesSampler', checked.options.tracesSampler);
    this.#discards = new DiscardCounter(this.client);
  }

  /** Decides whether the span about to start is recorded and sampled. Never throws. */
  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SentrySamplingResult {
    try {
      const parent = trace.getSpanContext(context);
      const validParent = parent !== undefined && isSpanContextValid(parent) ? parent : undefined;
      if (validParent !== undefined && validParent.isRemote !== true) {
        if ((validParent.traceFlags & TraceFlags.SAMPLED) !== 0) return SAMPLED;
        this.#discards.record('sample_rate', 'span', 1, 'its parent was not sampled');
        return this.#notRecorded(traceId, spanKind, attributes);
      }
      const result = this.#sampleLocalRoot(context, traceId, spanName, spanKind, attributes, links, validParent);
      return result === SAMPLED ? SAMPLED : this.#notRecorded(traceId, spanKind, attributes);
    } catch (error) {
      processorDiag.error('the sampler failed; the span is not sampled', error);
      this.#discards.record('internal_sdk_error', 'span', 1, 'the sampler failed');
      // Not a fresh look at the attributes here: they may be what failed.
      offerUnrecordedSpan(traceId, undefined);
      return NOT_SAMPLED;
    }
  }

  /** Returns what this sampler dropped since the last call and starts again from zero. */
  takeDiscards(): DiscardedEvents[] {
    return this.#discards.take();
  }

  /** A short description, as OpenTelemetry samplers give. */
  toString(): string {
    return `SentrySampler{tracesSampleRate=${this.#tracesSampleRate}${this.#tracesSampler ? ', tracesSampler' : ''}}`;
  }

  /**
   * `NOT_SAMPLED`, after telling the propagator which request the span describes: a span that
   * is not recorded keeps no attributes, and the propagator must still check the request's
   * URL against `tracePropagationTargets`. Only client spans describe an outgoing request.
   */
  #notRecorded(traceId: string, kind: SpanKind, attributes: Attributes): SentrySamplingResult {
    offerUnrecordedSpan(traceId, kind === SpanKind.CLIENT ? requestUrlOf(attributes) : undefined);
    return NOT_SAMPLED;
  }

  #sampleLocalRoot(
    context: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
    remote: { traceId: string; traceFlags: number } | undefined,
  ): SentrySamplingResult {
    // Only a parent of the same trace speaks for this span (a root started with `root: true`
    // inside a request begins a new trace).
    const continued = remote !== undefined && remote.traceId === traceId;
    const dsc = continued ? getDynamicSamplingContext(context) : undefined;
    let parentSampled: boolean | undefined;
    if (continued) {
      if (dsc?.sampled === 'true') parentSampled = true;
      else if (dsc?.sampled === 'false') parentSampled = false;
      else if ((remote.traceFlags & TraceFlags.SAMPLED) !== 0) parentSampled = true;
      // A cleared flag is a decision ("not sampled"), unless the propagator marked the
      // context: a `sentry-trace` without a sampled field defers the decision to us.
      else if (!isSamplingDeferred(context)) parentSampled = false;
    }
    const parentSampleRate = parseSampleRate(dsc?.sample_rate);
    const sampleRand = parseSampleRand(dsc?.sample_rand) ?? deriveSampleRandValue(parentSampled, parentSampleRate);

    let sampleRate: number | undefined;
    let sampled: boolean;
    // Backpressure lowers only the rate of traces nobody upstream decided (new or deferred):
    // a trace that arrives sampled keeps its decision, so overload never cuts a trace in two.
    const factor = parentSampled === undefined ? (this.client.backpressure?.factor ?? 1) : 1;
    let unlowered: number | undefined;
    const fromSampler =
      this.#tracesSampler === undefined
        ? undefined
        : this.#askTracesSampler({
            name,
            kind,
            attributes,
            links,
            traceId,
            parentContext: context,
            parentSampled,
            parentSampleRate,
          });
    if (fromSampler !== undefined) {
      unlowered = fromSampler;
      sampleRate = fromSampler * factor;
      sampled = sampleRand < sampleRate;
    } else if (parentSampled !== undefined) {
      sampleRate = parentSampleRate;
      sampled = parentSampled;
    } else {
      unlowered = this.#tracesSampleRate;
      sampleRate = this.#tracesSampleRate * factor;
      sampled = sampleRand < sampleRate;
    }

    // The lowered rate is the one recorded: the DSC and the transaction say what was applied.
    offerSamplingDecision({ traceId, sampleRate, sampleRand });
    // A trace that arrived deferred was decided here: the propagator sends this decision on
    // (`-0` when not sampled) instead of the deferral.
    if (continued && isSamplingDeferred(context)) recordDeferredDecision(context, sampled);
    if (sampled) return SAMPLED;
    // No span processor hears of a root that is not recorded: the head DSC this trace will
    // propagate learns the rate and sample_rand from here (none is needed when a DSC arrived).
    if (dsc === undefined) offerUnrecordedRoot(traceId, { sampleRate, sampleRand });
    if (unlowered !== undefined && sampleRand < unlowered) {
      const why = 'the transport is overloaded (backpressure lowered the sample rate)';
      this.#discards.record('backpressure', 'transaction', 1, why);
      this.#discards.record('backpressure', 'span', 1, why);
      return NOT_SAMPLED;
    }
    this.#discards.record('sample_rate', 'transaction', 1, 'the trace was not sampled');
    this.#discards.record('sample_rate', 'span', 1, 'the trace was not sampled');
    return NOT_SAMPLED;
  }

  #askTracesSampler(context: TracesSamplerContext): number | undefined {
    let answer: unknown;
    try {
      answer = this.#tracesSampler!(context);
    } catch (error) {
      processorDiag.error('tracesSampler threw; falling back to the upstream decision or tracesSampleRate', error);
      return undefined;
    }
    if (answer === undefined) return undefined;
    if (answer === true) return 1;
    if (answer === false) return 0;
    const rate = typeof answer === 'number' ? parseSampleRate(answer) : undefined;
    if (rate === undefined) {
      processorDiag.warn(`tracesSampler returned ${String(answer)}, not a rate from 0 to 1; the span is not sampled`);
      return 0;
    }
    return rate;
  }
}
