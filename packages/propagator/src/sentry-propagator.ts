/**
 * `SentryPropagator`: continues and propagates Sentry traces (`sentry-trace` + the DSC in
 * `baggage`) in an OpenTelemetry application, with the current replay id beside the DSC.
 */
import {
  type Context,
  isSpanContextValid,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed, parseTraceParent, TraceState } from '@opentelemetry/core';
import {
  type Client,
  EMPTY_FROZEN_DSC,
  type FrozenDsc,
  flatContext,
  formatSentryTrace,
  freezeTraceDsc,
  getDeferredDecision,
  getFrozenDsc,
  getFrozenDscTraceId,
  getLocalRoot,
  getReplayId,
  getSentryTraceFlags,
  getSpanData,
  isSamplingDeferred,
  normalizeReplayId,
  parseSentryTrace,
  readIncomingDsc,
  SENTRY_BAGGAGE_PREFIX,
  SENTRY_TRACE_FLAG_HAS_REPLAY,
  setFrozenDsc,
  setReplayId,
  setSamplingDeferred,
  setSentryTraceFlags,
  shouldContinueTrace,
} from '@otel-sentry/core';
import { deleteOutgoing, firstValue, IncomingHeaders, inspectOutgoing, type OutgoingHeaders } from './carrier.js';
import { propagatorDiag } from './diag.js';
import { headDscOf } from './head-dsc.js';
import { HeadDscMemory } from './head-dsc-memory.js';
import { mergeBaggage, sentryMembers, withoutSentryMembers } from './outgoing-baggage.js';
import { matchesTargets, requestUrl } from './propagation-targets.js';
import { resolvePropagatorOptions } from './propagator-options.js';
import { combineTraceState } from './trace-state.js';
import type { ReplayIdSource, SentryPropagatorOptions, TracePropagationTarget } from './types.js';

const SENTRY_TRACE_HEADER = 'sentry-trace';
const BAGGAGE_HEADER = 'baggage';
const TRACEPARENT_HEADER = 'traceparent';
const TRACESTATE_HEADER = 'tracestate';
// Room for a future version's extra fields and some whitespace around the 55 characters of version 00.
const TRACEPARENT_MAX_CHARS = 512;

/**
 * Whether the frozen DSC can belong to the trace `traceId`: its `sentry-trace_id` member, if
 * any, names that trace. A context can carry one trace's DSC while a span of another trace is
 * active (a new root started inside a request), and that DSC must not travel with it.
 * Compares in place: the DSC stays unparsed.
 */
function dscMatchesTrace(baggage: string, traceId: string): boolean {
  const needle = 'sentry-trace_id';
  // Sentry SDKs write trace_id first: answer that case without a search.
  if (baggage.startsWith('sentry-trace_id=')) return baggage.startsWith(traceId, 16);
  let at = baggage.indexOf(needle);
  while (at !== -1 && at !== 0 && baggage.charCodeAt(at - 1) !== 44 /* , */) at = baggage.indexOf(needle, at + 1);
  if (at === -1) return true;
  let i = at + needle.length;
  while (baggage.charCodeAt(i) === 32 || baggage.charCodeAt(i) === 9) i++;
  if (baggage.charCodeAt(i) !== 61 /* = */) return true;
  i++;
  while (baggage.charCodeAt(i) === 32 || baggage.charCodeAt(i) === 9) i++;
  return baggage.startsWith(traceId, i);
}

function belongsToTrace(frozen: FrozenDsc, traceId: string): boolean {
  const arrivedWith = getFrozenDscTraceId(frozen);
  return arrivedWith !== undefined ? arrivedWith === traceId : dscMatchesTrace(frozen.baggage, traceId);
}

/**
 * An OpenTelemetry `TextMapPropagator` for Sentry's trace headers.
 *
 * - `extract` reads `sentry-trace` (3 or 4 fields; else a W3C `traceparent`) into a remote
 *   span context, and the `sentry-` baggage members into a frozen DSC and a separate replay id
 *   in the context.
 * - `inject` writes `sentry-trace` and the frozen DSC members byte for byte, the current
 *   replay id beside them, and optionally `traceparent`. At the head of a trace it creates
 *   and freezes the DSC, once per trace. A decision made here travels (`-1`, or `-0` when
 *   `SentrySampler` decided "not sampled" for a trace that arrived deferred); only a trace
 *   nobody here decided is passed on deferred. A request outside `tracePropagationTargets`
 *   gets no header and no `sentry-` baggage member of ours, nor the ones a W3C baggage
 *   propagator copied; a carrier that already holds a `sentry-trace` is left as it is.
 *
 * Neither ever throws; failures are logged through `diag` (`otel-sentry/propagator`).
 * Beside the W3C propagators in a `CompositePropagator`, list it last, so it appends to the
 * `baggage` header `W3CBaggagePropagator` writes instead of being overwritten by it.
 */
export class SentryPropagator implements TextMapPropagator {
  readonly #client: Client;
  readonly #targets: readonly TracePropagationTarget[] | undefined;
  readonly #propagateTraceparent: boolean;
  readonly #sentryTraceFlags: boolean;
  readonly #replayIdSource: ReplayIdSource | undefined;
  readonly #fields: readonly string[];
  readonly #headDscs = new HeadDscMemory();
  // The request URL each span that is not recorded was found to describe (see requestUrl).
  readonly #urls = new WeakMap<object, string | null>();
  #replayIdSourceFailed = false;
  #unknownUrlReported = false;

  /**
   * @param options - see {@link SentryPropagatorOptions}. Throws core's `InvalidOptionError`,
   * naming the option, what was given and what is expected, for an option that cannot work
   * — including a client option given beside `client` that differs from the client's — so a
   * mistake shows when the application starts. Unknown option names are reported through `diag`.
   */
  constructor(options: SentryPropagatorOptions = {}) {
    const resolved = resolvePropagatorOptions(options);
    this.#client = resolved.client;
    this.#targets = resolved.targets;
    this.#propagateTraceparent = resolved.propagateTraceparent;
    this.#sentryTraceFlags = resolved.sentryTraceFlags;
    this.#replayIdSource = resolved.replayIdSource;
    this.#fields = Object.freeze(
      this.#propagateTraceparent
        ? [SENTRY_TRACE_HEADER, BAGGAGE_HEADER, TRACEPARENT_HEADER]
        : [SENTRY_TRACE_HEADER, BAGGAGE_HEADER],
    );
  }

  /** The client this propagator reads its options from and emits `createDsc` on. */
  get client(): Client {
    return this.#client;
  }

  /** Writes the trace headers of the span active in `context` into `carrier`. Never throws. */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      this.#inject(context, carrier, setter);
    } catch (error) {
      propagatorDiag.error('inject failed; the request goes without Sentry trace headers', error);
    }
  }

  /**
   * Returns `context` continued from the trace headers in `carrier`. Without any trace header,
   * a context with `context`'s values and nothing more, on which the request's own trace sets its
   * values cheaply (core's `flatContext`); with headers that do not parse, `context` itself.
   * Never throws.
   */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    try {
      return this.#extract(context, carrier, getter);
    } catch (error) {
      propagatorDiag.error('extract failed; the request starts a new trace', error);
      return context;
    }
  }

  /** The headers `inject` writes: `sentry-trace`, `baggage`, and `traceparent` when enabled. */
  fields(): string[] {
    return [...this.#fields];
  }

  #extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const headers = new IncomingHeaders(getter, carrier);
    const sentryTraceHeader = headers.get(SENTRY_TRACE_HEADER);
    const sentryTrace = parseSentryTrace(sentryTraceHeader);
    let traceId: string;
    let spanId: string;
    let sampled: boolean | undefined;
    let traceState: SpanContext['traceState'];
    if (sentryTrace !== undefined) {
      ({ traceId, spanId, sampled } = sentryTrace);
    } else {
      const traceparent = firstValue(headers.get(TRACEPARENT_HEADER));
      // No trace arrived: the request starts one here, and the HTTP instrumentation and every span
      // of it set their values on what this returns. A flat context makes each of those a copy of
      // a few array slots instead of a Map and three closures (`bench:gc` at `head-10`: +3 % req/s,
      // 1.2 kB less garbage per request). Headers that are there but do not parse are bad input:
      // the given context goes back untouched.
      if (traceparent === undefined && sentryTraceHeader === undefined) return flatContext(context);
      // The version-00 form is 55 characters; a longer value is not read at all (a hard cap on hostile input).
      const parsed =
        traceparent === undefined || traceparent.length > TRACEPARENT_MAX_CHARS ? null : parseTraceParent(traceparent);
      if (parsed === null) return context;
      ({ traceId, spanId } = parsed);
      sampled = (parsed.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
      const tracestate = combineTraceState(headers.get(TRACESTATE_HEADER));
      if (tracestate !== undefined) traceState = new TraceState(tracestate);
    }

    const incoming = readIncomingDsc(headers.get(BAGGAGE_HEADER), traceId);
    const { orgId, strictTraceContinuation } = this.#client.options;
    // Reading org_id parses the DSC; with no local org and no strict mode every trace continues.
    if (
      (orgId !== undefined || strictTraceContinuation) &&
      !shouldContinueTrace(orgId, incoming?.frozen.dsc.org_id, strictTraceContinuation)
    ) {
      propagatorDiag.debug('incoming trace is from another organization; starting a new trace');
      return context;
    }

    const traceFlags = sampled === true ? TraceFlags.SAMPLED : TraceFlags.NONE;
    const current = trace.getSpanContext(context);
    // The values below, and every one the request's trace sets later (its spans, the HTTP
    // instrumentation's metadata), go on a flat context: a few array slots per value instead
    // of a copied Map and three closures.
    const start = flatContext(context);
    let next = start;
    // A W3C propagator listed before this one may have set the same span context already,
    // with its tracestate: keep that.
    if (
      current === undefined ||
      current.traceId !== traceId ||
      current.spanId !== spanId ||
      current.traceFlags !== traceFlags
    ) {
      const spanContext: SpanContext = { traceId, spanId, traceFlags, isRemote: true };
      const keptState = current?.traceId === traceId ? current.traceState : undefined;
      const state = traceState ?? keptState;
      if (state !== undefined) spanContext.traceState = state;
      next = trace.setSpanContext(next, spanContext);
    }
    if (sentryTrace !== undefined) {
      next = setFrozenDsc(next, incoming?.frozen ?? EMPTY_FROZEN_DSC);
      if (sampled === undefined) next = setSamplingDeferred(next);
      if (sentryTrace.flags !== undefined) next = setSentryTraceFlags(next, sentryTrace.flags);
    } else if (incoming !== undefined) {
      next = setFrozenDsc(next, incoming.frozen);
    }
    if (incoming?.replayId !== undefined) next = setReplayId(next, incoming.replayId);
    return next === start ? context : next;
  }

  #inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (isTracingSuppressed(context)) return;
    const span = trace.getSpan(context);
    if (span === undefined) return;
    const spanContext = span.spanContext();
    if (!isSpanContextValid(spanContext)) return;

    const outgoing = inspectOutgoing(carrier);
    // Someone set this request's `sentry-trace` by hand (forwarding another trace): our DSC
    // or `traceparent` beside it would make its receivers continue one trace with another's
    // sampling data, or split Sentry and W3C-only receivers onto two traces.
    if (outgoing.sentryTrace) return;
    if (this.#targets !== undefined && !this.#isTarget(span)) {
      this.#withholdSentryMembers(carrier, setter, outgoing);
      return;
    }

    const { traceId, spanId } = spanContext;
    let replayId = this.#currentReplayId(context);
    let frozen = getFrozenDsc(context);
    if (frozen !== undefined && !belongsToTrace(frozen, traceId)) frozen = undefined;
    // Context values such as the deferral describe the trace that arrived; only spans of it use them.
    const continuesIncoming = frozen !== undefined;
    const fromSource = this.#replayIdSource !== undefined;
    if (frozen === undefined || (replayId === undefined && !fromSource)) {
      const root = getLocalRoot(span);
      const record = getSpanData(root);
      // A replay-id source is the only word on the replay id: what arrived with the trace is stale to it.
      if (!fromSource) replayId ??= record?.replayId;
      frozen ??= record?.frozenDsc ?? this.#freezeHeadDsc(span, root);
    }

    const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    // OpenTelemetry's flags say "not sampled" both for a decision and for none. An unsampled
    // span passes a deferral on unless `SentrySampler` decided here (it records that in the
    // context the trace arrived in): then `-0`, as the Sentry SDKs send.
    const deferred =
      !sampled && continuesIncoming && isSamplingDeferred(context) && getDeferredDecision(context) !== false;
    setter.set(
      carrier,
      SENTRY_TRACE_HEADER,
      formatSentryTrace({
        traceId,
        spanId,
        sampled: deferred ? undefined : sampled,
        flags: this.#sentryTraceFlags ? this.#flags(context, replayId) : undefined,
      }),
    );

    const members = sentryMembers(frozen.baggage, replayId, !fromSource);
    const baggage = mergeBaggage(outgoing.baggage, members);
    if (baggage !== '' && baggage !== outgoing.baggage) setter.set(carrier, outgoing.baggageKey, baggage);

    if (this.#propagateTraceparent && !outgoing.traceparent) {
      setter.set(carrier, TRACEPARENT_HEADER, `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`);
    }
  }

  /**
   * Whether the request `span` describes is one of `tracePropagationTargets`. A span not
   * recorded here keeps no URL: `SentrySampler` hands it over; with another sampler it is
   * unknown, and such a request gets headers, as any request of unknown URL does (said once).
   */
  #isTarget(span: Span): boolean {
    const url = requestUrl(span, this.#urls);
    if (url === undefined && !this.#unknownUrlReported) {
      this.#unknownUrlReported = true;
      propagatorDiag.warn(
        'tracePropagationTargets cannot be checked for a request whose span is not recorded: its URL is ' +
          'unknown, so it gets trace headers. Use SentrySampler (it hands the URL over) to keep the targets ' +
          'for unsampled requests too.',
      );
    }
    return matchesTargets(url ?? undefined, this.#targets);
  }

  /**
   * For a request outside the targets: no `sentry-` member leaves, including those a
   * `W3CBaggagePropagator` listed before this one copied from the incoming request.
   */
  #withholdSentryMembers(carrier: unknown, setter: TextMapSetter, outgoing: OutgoingHeaders): void {
    const existing = outgoing.baggage;
    if (existing === undefined || !existing.includes(SENTRY_BAGGAGE_PREFIX)) return;
    const rest = withoutSentryMembers(existing);
    if (rest !== '') {
      setter.set(carrier, outgoing.baggageKey, rest);
    } else if (!deleteOutgoing(carrier, outgoing.baggageKey)) {
      setter.set(carrier, outgoing.baggageKey, '');
    }
  }

  #freezeHeadDsc(span: Span, root: object): FrozenDsc {
    const { traceId } = span.spanContext();
    // On the local root for the exporter, and per trace id for the spans nothing links to it.
    return freezeTraceDsc(span, () => this.#headDscs.freeze(traceId, () => headDscOf(span, root, this.#client)));
  }

  /** The incoming flags with the has-replay bit set from what is known now. */
  #flags(context: Context, replayId: string | undefined): number {
    const flags = getSentryTraceFlags(context) ?? 0;
    if (replayId !== undefined) return flags | SENTRY_TRACE_FLAG_HAS_REPLAY;
    // A replay-id source that knows of no replay is authoritative; otherwise the upstream bit stands.
    return this.#replayIdSource === undefined ? flags : flags & ~SENTRY_TRACE_FLAG_HAS_REPLAY;
  }

  /**
   * The replay id to send. With a `getReplayId` source, its answer and nothing else: no answer
   * (or a failing source) means no replay, whatever arrived with the trace or sits in the
   * context. Without one, the replay id in the context.
   */
  #currentReplayId(context: Context): string | undefined {
    const source = this.#replayIdSource;
    if (source === undefined) return getReplayId(context);
    let value: unknown;
    try {
      value = source(context);
    } catch (error) {
      this.#reportSourceFailure('getReplayId threw; no replay id is sent', error);
      return undefined;
    }
    if (value === undefined || value === null) return undefined;
    const id = normalizeReplayId(value);
    if (id === undefined)
      this.#reportSourceFailure('getReplayId returned something that is not a UUID; ignored', value);
    return id;
  }

  // Once as a warning, then as debug: the source is called on every request.
  #reportSourceFailure(message: string, detail: unknown): void {
    if (this.#replayIdSourceFailed) {
      propagatorDiag.debug(message, detail);
    } else {
      this.#replayIdSourceFailed = true;
      propagatorDiag.warn(message, detail);
    }
  }
}
