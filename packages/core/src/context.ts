/**
 * Values that ride in the OpenTelemetry `Context` between the propagator, the span
 * processor and the exporter. The keys are global symbols, so two copies of this
 * package in one application still see each other's values.
 */
import { type Context, createContextKey } from '@opentelemetry/api';
import type { DynamicSamplingContext, FrozenDsc } from './dsc.js';
import { normalizeReplayId } from './ids.js';

const FROZEN_DSC_KEY = createContextKey('otel-sentry frozen dynamic sampling context');
const REPLAY_ID_KEY = createContextKey('otel-sentry replay id');
const SENTRY_TRACE_FLAGS_KEY = createContextKey('otel-sentry sentry-trace flags');
const SAMPLING_DEFERRED_KEY = createContextKey('otel-sentry sampling decision deferred');
// Its own key beside the `true` above: a copy of this package that knows only that key still
// reads the deferral.
const DEFERRED_DECISION_KEY = createContextKey('otel-sentry decision on a deferred trace');

/**
 * What a sampler in this process decided for a trace that arrived deferred. Mutable on
 * purpose, and the one such value in the context: a sampler cannot hand a context back, and
 * OpenTelemetry's trace flags say "not sampled" both for a decision and for none, so the
 * sampler writes its answer into the record the extract left, and the propagator reads it
 * from any context descending from that one. (OpenTelemetry's `RPCMetadata` does the same.)
 */
interface DeferredDecisionRecord {
  sampled: boolean | undefined;
}

/** The frozen DSC of the trace `ctx` belongs to, with the bytes to re-propagate. */
export function getFrozenDsc(ctx: Context): FrozenDsc | undefined {
  const value = ctx.getValue(FROZEN_DSC_KEY) as FrozenDsc | undefined;
  return value && typeof value.baggage === 'string' ? value : undefined;
}

/** Returns a context that carries `frozen` as its trace's DSC. */
export function setFrozenDsc(ctx: Context, frozen: FrozenDsc): Context {
  return ctx.setValue(FROZEN_DSC_KEY, frozen);
}

/** The deep-frozen DSC of the trace `ctx` belongs to, if it has one yet. */
export function getDynamicSamplingContext(ctx: Context): DynamicSamplingContext | undefined {
  return getFrozenDsc(ctx)?.dsc;
}

/** The id of the session replay being recorded for `ctx` (32 lowercase hex), if known. */
export function getReplayId(ctx: Context): string | undefined {
  return ctx.getValue(REPLAY_ID_KEY) as string | undefined;
}

/**
 * Returns a context that carries `replayId` (a UUID, with or without dashes) beside the
 * frozen DSC. `undefined` — or anything that is not a UUID — removes the one `ctx` had:
 * a replay that can no longer be named must not be linked to by a stale id.
 */
export function setReplayId(ctx: Context, replayId: string | undefined): Context {
  const id = normalizeReplayId(replayId);
  if (id === undefined) return ctx.getValue(REPLAY_ID_KEY) === undefined ? ctx : ctx.deleteValue(REPLAY_ID_KEY);
  return ctx.setValue(REPLAY_ID_KEY, id);
}

/** The fourth `sentry-trace` field that arrived with the trace, if any. */
export function getSentryTraceFlags(ctx: Context): number | undefined {
  return ctx.getValue(SENTRY_TRACE_FLAGS_KEY) as number | undefined;
}

/** Returns a context that carries the incoming fourth `sentry-trace` field. */
export function setSentryTraceFlags(ctx: Context, flags: number): Context {
  return ctx.setValue(SENTRY_TRACE_FLAGS_KEY, flags & 0xff);
}

/**
 * Whether the trace `ctx` continues arrived with a deferred sampling decision (a
 * `sentry-trace` without `-1`/`-0`). OpenTelemetry trace flags have no "deferred" state, so
 * its remote span context has `TraceFlags.NONE`, which a sampler should read as "decide
 * here", not as "not sampled".
 */
export function isSamplingDeferred(ctx: Context): boolean {
  return ctx.getValue(SAMPLING_DEFERRED_KEY) === true;
}

/**
 * Returns a context that marks its trace's sampling decision as deferred to this service,
 * with an empty record for the decision a sampler here makes ({@link recordDeferredDecision}).
 */
export function setSamplingDeferred(ctx: Context): Context {
  const record: DeferredDecisionRecord = { sampled: undefined };
  return ctx.setValue(SAMPLING_DEFERRED_KEY, true).setValue(DEFERRED_DECISION_KEY, record);
}

/**
 * Records that a sampler in this process decided the trace that arrived deferred in `ctx`
 * (the parent context of a local root): sampled or not. No-op when `ctx` holds no deferral.
 * `SentrySampler` calls it; the propagator then sends `-0` for "not sampled" instead of
 * passing the deferral on.
 */
export function recordDeferredDecision(ctx: Context, sampled: boolean): void {
  const record = ctx.getValue(DEFERRED_DECISION_KEY) as DeferredDecisionRecord | undefined;
  if (record !== undefined && typeof record === 'object') record.sampled = sampled;
}

/**
 * What a sampler in this process decided for the trace that arrived deferred in `ctx`, or
 * `undefined` when nobody here decided (or the trace was not deferred).
 */
export function getDeferredDecision(ctx: Context): boolean | undefined {
  const record = ctx.getValue(DEFERRED_DECISION_KEY) as DeferredDecisionRecord | undefined;
  return record !== undefined && typeof record === 'object' ? record.sampled : undefined;
}
