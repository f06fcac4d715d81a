/**
 * Internal (not exported from the package entry point).
 * Hands the sampler's decision for a local root to the span processor, which records it
 * in the root's side-table entry.
 *
 * A sampler cannot reach the span it decides on: the SDK calls `shouldSample`, then builds
 * the span and calls `SpanProcessor.onStart`, all synchronously. So the sampler leaves its
 * decision in a single slot, tagged with the trace id, and `onStart` of the next local root
 * of that trace takes it. One slot is enough because nothing can run in between; the tag
 * keeps a stale slot (a root that was not recorded) from reaching another trace. The slot
 * sits under a global symbol so two copies of this package still meet. This keeps sampling
 * data off span attributes, where every other exporter would see it.
 */

/** What the sampler decided for a local root. */
export interface SamplingHandoff {
  readonly traceId: string;
  readonly sampleRate: number | undefined;
  readonly sampleRand: number;
}

const SLOT = Symbol.for('otel-sentry.sampling-handoff.v1');

type Holder = { [SLOT]?: SamplingHandoff | undefined };

/** Leaves the decision for the local root the SDK is about to create. */
export function offerSamplingDecision(decision: SamplingHandoff): void {
  (globalThis as Holder)[SLOT] = decision;
}

/** Takes the decision left for a local root of `traceId`, if any. */
export function takeSamplingDecision(traceId: string): SamplingHandoff | undefined {
  const holder = globalThis as Holder;
  const decision = holder[SLOT];
  if (decision === undefined) return undefined;
  holder[SLOT] = undefined;
  return decision.traceId === traceId ? decision : undefined;
}
