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
  createClient,
  EMPTY_FROZEN_DSC,
  type FrozenDsc,
  formatSentryTrace,
  freezeTraceDsc,
  getFrozenDsc,
  getFrozenDscTraceId,
  getLocalRoot,
  getReplayId,
  getSentryTraceFlags,
  getSpanData,
  isClient,
  isSamplingDeferred,
  normalizeReplayId,
  parseSentryTrace,
  readIncomingDsc,
  SENTRY_TRACE_FLAG_HAS_REPLAY,
  setFrozenDsc,
  setReplayId,
  setSamplingDeferred,
  setSentryTraceFlags,
  shouldContinueTrace,
} from '@otel-sentry/core';
import { firstValue, getIncomingHeader, inspectOutgoing } from './carrier.js';
import { propagatorDiag } from './diag.js';
import { headDscOf } from './head-dsc.js';
import { mergeBaggage, sentryMembers } from './outgoing-baggage.js';
import { matchesTargets, spanUrl } from './propagation-targets.js';
import type { ReplayIdSource, SentryPropagatorOptions, TracePropagationTarget } from './types.js';

const SENTRY_TRACE_HEADER = 'sentry-trace';
const BAGGAGE_HEADER = 'baggage';
const TRACEPARENT_HEADER = 'traceparent';
const TRACESTATE_HEADER = 'tracestate';

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
 *   and freezes the DSC.
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
  #replayIdSourceFailed = false;

  /**
   * @param options - see {@link SentryPropagatorOptions}. Throws a `TypeError` (or core's
   * `InvalidOptionError` for the client options) on options that cannot work, so a mistake
   * shows when the application starts.
   */
  constructor(options: SentryPropagatorOptions = {}) {
    const { client, tracePropagationTargets, getReplayId: replayIdSource } = options;
    if (client !== undefined && !isClient(client)) {
      throw new TypeError('otel-sentry/propagator: option "client" must be a client from createClient()');
    }
    if (tracePropagationTargets !== undefined && !Array.isArray(tracePropagationTargets)) {
      throw new TypeError('otel-sentry/propagator: option "tracePropagationTargets" must be an array');
    }
    if (replayIdSource !== undefined && typeof replayIdSource !== 'function') {
      throw new TypeError('otel-sentry/propagator: option "getReplayId" must be a function');
    }
    this.#client =
      client ??
      createClient({
        dsn: options.dsn,
        release: options.release,
        environment: options.environment,
        tracesSampleRate: options.tracesSampleRate,
        orgId: options.orgId,
        strictTraceContinuation: options.strictTraceContinuation,
        env: options.env,
      });
    this.#targets = tracePropagationTargets === undefined ? undefined : Object.freeze([...tracePropagationTargets]);
    this.#propagateTraceparent = options.propagateTraceparent === true;
    this.#sentryTraceFlags = options.sentryTraceFlags === true;
    this.#replayIdSource = replayIdSource;
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

  /** Returns `context` continued from the trace headers in `carrier`, or `context` itself. Never throws. */
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
    const sentryTrace = parseSentryTrace(getIncomingHeader(getter, carrier, SENTRY_TRACE_HEADER));
    let traceId: string;
    let spanId: string;
    let sampled: boolean | undefined;
    let traceState: SpanContext['traceState'];
    if (sentryTrace !== undefined) {
      ({ traceId, spanId, sampled } = sentryTrace);
    } else {
      const traceparent = firstValue(getIncomingHeader(getter, carrier, TRACEPARENT_HEADER));
      const parsed = traceparent === undefined ? null : parseTraceParent(traceparent);
      if (parsed === null) return context;
      ({ traceId, spanId } = parsed);
      sampled = (parsed.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
      const tracestate = firstValue(getIncomingHeader(getter, carrier, TRACESTATE_HEADER));
      if (tracestate) traceState = new TraceState(tracestate);
    }

    const incoming = readIncomingDsc(getIncomingHeader(getter, carrier, BAGGAGE_HEADER), traceId);
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
    let next = context;
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
    return next;
  }

  #inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (isTracingSuppressed(context)) return;
    const span = trace.getSpan(context);
    if (span === undefined) return;
    const spanContext = span.spanContext();
    if (!isSpanContextValid(spanContext)) return;
    if (this.#targets !== undefined && !matchesTargets(spanUrl(span), this.#targets)) return;

    const { traceId, spanId } = spanContext;
    const outgoing = inspectOutgoing(carrier);

    let replayId = this.#currentReplayId(context);
    let frozen = getFrozenDsc(context);
    if (frozen !== undefined && !belongsToTrace(frozen, traceId)) frozen = undefined;
    // Context values such as the deferral describe the trace that arrived; only spans of it use them.
    const continuesIncoming = frozen !== undefined;
    if (frozen === undefined || replayId === undefined) {
      const root = getLocalRoot(span);
      const record = getSpanData(root);
      replayId ??= record?.replayId;
      frozen ??= record?.frozenDsc ?? this.#freezeHeadDsc(span, root);
    }

    const sampled = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    if (!outgoing.sentryTrace) {
      // Still deferred unless a sampler here sampled the trace. OpenTelemetry has no flag for
      // "decided: not sampled" beside "deferred", so an unsampled span passes the deferral on.
      const deferred = !sampled && continuesIncoming && isSamplingDeferred(context);
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
    }

    const members = sentryMembers(frozen.baggage, replayId, this.#replayIdSource === undefined);
    const baggage = mergeBaggage(outgoing.baggage, members, outgoing.sentryTrace);
    if (baggage !== '' && baggage !== outgoing.baggage) setter.set(carrier, outgoing.baggageKey, baggage);

    if (this.#propagateTraceparent && !outgoing.traceparent) {
      setter.set(carrier, TRACEPARENT_HEADER, `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`);
    }
  }

  #freezeHeadDsc(span: Span, root: object): FrozenDsc {
    return freezeTraceDsc(span, () => headDscOf(span, root, this.#client));
  }

  /** The incoming flags with the has-replay bit set from what is known now. */
  #flags(context: Context, replayId: string | undefined): number {
    const flags = getSentryTraceFlags(context) ?? 0;
    if (replayId !== undefined) return flags | SENTRY_TRACE_FLAG_HAS_REPLAY;
    // A replay-id source that knows of no replay is authoritative; otherwise the upstream bit stands.
    return this.#replayIdSource === undefined ? flags : flags & ~SENTRY_TRACE_FLAG_HAS_REPLAY;
  }

  #currentReplayId(context: Context): string | undefined {
    const source = this.#replayIdSource;
    if (source !== undefined) {
      try {
        const value = source(context);
        if (value !== undefined && value !== null) {
          const id = normalizeReplayId(value);
          if (id !== undefined) return id;
          this.#reportSourceFailure('getReplayId returned something that is not a UUID; ignored', value);
        }
      } catch (error) {
        this.#reportSourceFailure('getReplayId threw; no replay id from it', error);
      }
    }
    return getReplayId(context);
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
