/**
 * What the propagator must still learn of spans a sampler decided not to record. Such a span
 * keeps no attributes and never reaches a span processor, yet its request's headers are
 * injected like any other:
 *
 * - **The URL of the request it describes**, for `tracePropagationTargets`. Without it every
 *   unsampled request would carry the DSC (public key, release, environment, org id) to any
 *   third party. The sampler sees the URL (the HTTP instrumentations pass it among the start
 *   attributes) but not the span: the SDK makes the span after asking. So the sampler leaves
 *   what it saw in one slot, tagged with the trace id, and the propagator reads it when it
 *   injects. One slot is enough because `@opentelemetry/instrumentation-http`, `-undici` and
 *   the browser `-fetch` start a client span and inject its headers in one synchronous run
 *   (XHR's `open()` and `send()` usually run together too); the propagator keeps what it read
 *   per span for later injects of the same span.
 * - **The rate and `sample_rand` of a trace that starts here unsampled**, for the head DSC,
 *   which must not contradict the decision. Read at the trace's first outgoing request, which
 *   may come after other traces' decisions, so these are kept by trace id, a bounded number.
 *
 * Why not another way:
 * - Not in the span's trace state (the reference SDK's way): `W3CTraceContextPropagator`
 *   writes trace state verbatim into `tracestate`, so the URL (query secrets included) would
 *   travel to every downstream service; a trace state that serializes to nothing still
 *   becomes an empty `tracestate` header, which a browser must also clear through CORS.
 * - Not in a table keyed by span id: a sampler is never told the span id.
 * - Not from the carrier: the instrumentations inject into a bare headers object.
 * - Not by recording the span: that costs what sampling out is meant to save.
 *
 * Both sit under global symbols, so two copies of this package still meet. The URL slot is
 * one object written in place: samplers write it for every span they do not record.
 */

/** The attribute holding the URL of an HTTP request: stable semantic conventions, then the old ones. */
export function requestUrlOf(attributes: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (attributes === undefined || attributes === null) return undefined;
  const url = attributes['url.full'] ?? attributes['http.url'];
  return typeof url === 'string' && url !== '' ? url : undefined;
}

interface Slot {
  traceId: string | undefined;
  url: string | undefined;
}

const SLOT = Symbol.for('otel-sentry.unrecorded-span.v1');

function sharedSlot(): Slot {
  const holder = globalThis as { [SLOT]?: Slot };
  let slot = holder[SLOT];
  if (slot === undefined) {
    slot = { traceId: undefined, url: undefined };
    holder[SLOT] = slot;
  }
  return slot;
}

// Looked up once: the slot is created once per realm and never replaced.
const slot = sharedSlot();

/**
 * Called by a sampler for every span it decides not to record: the span's trace and the URL of
 * the request it describes (`undefined` when it describes none, e.g. not a client span).
 */
export function offerUnrecordedSpan(traceId: string, url: string | undefined): void {
  slot.traceId = traceId;
  slot.url = url;
}

/**
 * The URL of the span of trace `traceId` most recently not recorded by a sampler that offers
 * its spans: a URL, `null` when that span describes no request, or `undefined` when no such
 * sampler spoke for this trace last (the URL is unknown). Read at inject, right after the
 * span started.
 */
export function peekUnrecordedSpanUrl(traceId: string): string | null | undefined {
  if (slot.traceId !== traceId) return undefined;
  return slot.url ?? null;
}

/** What a sampler decided for a local root it did not record, in a trace that starts here. */
export interface UnrecordedRootDecision {
  /** The rate applied (lowered by backpressure, or from a `tracesSampler`), if any. */
  readonly sampleRate: number | undefined;
  /** The `sample_rand` compared with it, in [0, 1). */
  readonly sampleRand: number;
}

/**
 * Decisions remembered at most. One is read at the trace's first outgoing request, soon after
 * the decision; after that the DSC is frozen and this entry is not needed.
 */
export const UNRECORDED_ROOTS_KEPT = 1000;

const ROOTS = Symbol.for('otel-sentry.unrecorded-roots.v2');

/**
 * A ring of the latest decisions: written for most requests of a service that samples, read
 * rarely (an unsampled trace's first outgoing request, soon after its decision), so a write
 * is two array stores and a read scans from the newest. A `Map` here cost a hash insert and
 * delete per request and kept the garbage collector busy with a churning old-space table.
 */
interface Ring {
  readonly traceIds: Array<string | undefined>;
  readonly decisions: Array<UnrecordedRootDecision | undefined>;
  next: number;
}

function sharedRoots(): Ring {
  const holder = globalThis as { [ROOTS]?: Ring };
  let ring = holder[ROOTS];
  if (ring === undefined) {
    ring = {
      traceIds: new Array<string | undefined>(UNRECORDED_ROOTS_KEPT).fill(undefined),
      decisions: new Array<UnrecordedRootDecision | undefined>(UNRECORDED_ROOTS_KEPT).fill(undefined),
      next: 0,
    };
    holder[ROOTS] = ring;
  }
  return ring;
}

const roots = sharedRoots();

/**
 * Called by a sampler when it does not record a local root whose trace has no DSC yet (a new
 * trace, or one that arrived without Sentry baggage): the head DSC the propagator builds for
 * it must say the rate and `sample_rand` the sampler used, or it would contradict the
 * decision (`sample_rand < sample_rate ⇔ sampled`). Kept by trace id, the last
 * {@link UNRECORDED_ROOTS_KEPT} decisions: the oldest goes first, and the newest decision for a
 * trace wins. (A recorded root gets the same through the span processor.)
 */
export function offerUnrecordedRoot(traceId: string, decision: UnrecordedRootDecision): void {
  const at = roots.next;
  roots.traceIds[at] = traceId;
  roots.decisions[at] = decision;
  roots.next = at + 1 === UNRECORDED_ROOTS_KEPT ? 0 : at + 1;
}

/** What a sampler decided for an unrecorded local root of trace `traceId`, if it said. */
export function getUnrecordedRoot(traceId: string): UnrecordedRootDecision | undefined {
  let at = roots.next;
  for (let n = 0; n < UNRECORDED_ROOTS_KEPT; n++) {
    at = at === 0 ? UNRECORDED_ROOTS_KEPT - 1 : at - 1;
    const id = roots.traceIds[at];
    if (id === undefined) return undefined;
    if (id === traceId) return roots.decisions[at];
  }
  return undefined;
}
