/**
 * What otel-sentry keeps about live spans. Never in attributes, which would leak into every
 * other exporter: in a slot keyed by a global symbol on the span object itself.
 *
 * - The slot is invisible to what reads spans: attributes, `JSON.stringify`, `Object.keys`,
 *   `for…in`. It goes away with the span.
 * - It is a slot rather than a `WeakMap` entry for speed: this runs for every span an
 *   application starts, and a `WeakMap` insert costs about 20 times as much (~170 ns per span
 *   against ~8 ns, Node 20), a third of the span processor's whole cost per span.
 * - The symbol is global (`Symbol.for`), so the propagator, the span processor and the
 *   exporter see the same entries even when an application ends up with two copies of this
 *   package.
 * - A span object that cannot take the slot (frozen, sealed, a proxy that refuses) gets a
 *   `WeakMap` entry instead, under another global symbol.
 *
 * Who writes what:
 * - `SentrySpanProcessor.onStart` links every span to its local root, and records on the
 *   root the frozen DSC and replay id that arrived in its parent context.
 * - `SentryPropagator.inject` freezes the DSC on the local root the first time a trace
 *   started here leaves the process, so every later hop and envelope sends the same one.
 * - `SentryEnvelopeExporter` reads the root's entry for the envelope `trace` header and
 *   `contexts.replay`.
 */
import type { FrozenDsc } from './dsc.js';

/** The entry for one span. Fields other than `root` are only set on local roots. */
export interface SpanSentryData {
  /** The local root of the span's transaction; absent on the root itself. */
  root?: object;
  /** The trace's frozen DSC: from the incoming request, or frozen here at first propagation. */
  frozenDsc?: FrozenDsc;
  /** The replay id that came with the trace (32 lowercase hex). */
  replayId?: string;
  /** The sample rate the sampler used for this trace, when it decided here. */
  sampleRate?: number;
  /** The trace's `sample_rand`, in [0, 1). */
  sampleRand?: number;
  /**
   * Set on a span sent as a transaction of its own although it has a local parent: a child
   * that ended after its root was sent (`late`), or one whose root never ended (`orphan`).
   */
  detached?: 'late' | 'orphan';
  /** The local root a detached span was cut off from; the trace's DSC is looked up there. */
  detachedFrom?: object;
  /**
   * @internal
   * On a local root: how many spans started under it have not ended yet. Kept by the span
   * processor's transaction assembler, so a finished root can wait briefly for late children
   * (`lateChildGraceMillis`). Here rather than in a map: it is touched for every span.
   */
  openChildren?: number;
}

const SLOT = Symbol.for('otel-sentry.span-data.v2');
const FALLBACK = Symbol.for('otel-sentry.span-data.v2.fallback');

type WithSlot = { [SLOT]?: SpanSentryData };

function sharedFallback(): WeakMap<object, SpanSentryData> {
  const holder = globalThis as { [FALLBACK]?: WeakMap<object, SpanSentryData> };
  let map = holder[FALLBACK];
  if (map === undefined) {
    map = new WeakMap();
    holder[FALLBACK] = map;
  }
  return map;
}

// Looked up once: the map is created once per realm and never replaced.
const fallback = sharedFallback();

function read(span: object): SpanSentryData | undefined {
  // `Object.hasOwn` keeps an entry on a prototype from being read as every instance's.
  const data = Object.hasOwn(span, SLOT) ? (span as WithSlot)[SLOT] : undefined;
  return data ?? fallback.get(span);
}

function write(span: object, data: SpanSentryData): void {
  try {
    (span as WithSlot)[SLOT] = data;
    if (Object.hasOwn(span, SLOT)) return;
  } catch {
    // a frozen or sealed span: the fallback below
  }
  fallback.set(span, data);
}

/** The entry of `span`, if any. */
export function getSpanData(span: object): SpanSentryData | undefined {
  return read(span);
}

/** The entry of `span`, created empty if needed, for editing. */
export function ensureSpanData(span: object): SpanSentryData {
  let data = read(span);
  if (data === undefined) {
    data = {};
    write(span, data);
  }
  return data;
}

/**
 * Links a span that has just started to the local root of its transaction, in one step
 * (the entry is written whole: a child's entry holds nothing else).
 */
export function linkToLocalRoot(span: object, root: object): void {
  write(span, { root });
}

/** The local root of `span`'s transaction: the span itself when nothing links it to another. */
export function getLocalRoot(span: object): object {
  return read(span)?.root ?? span;
}

/**
 * Whether `span` is sent as the root of a transaction: it is detached (a late child or an
 * orphan), or nothing links it to a local root and its parent, if any, is remote.
 */
export function isTransactionRoot(span: {
  readonly parentSpanContext?: { readonly isRemote?: boolean | undefined } | undefined;
}): boolean {
  const data = read(span);
  // The side table knows better than the parent link: a detached span has a local parent.
  if (data?.root !== undefined) return false;
  if (data?.detached !== undefined) return true;
  const parent = span.parentSpanContext;
  return parent === undefined || parent.isRemote === true;
}

// A detached span's trace data lives with the root it was cut off from. Followed a bounded
// number of hops: the links are made by span processors, and a bad one must not hang us.
const MAX_DETACHED_HOPS = 8;

// The entry that holds the trace's DSC: the local root's, or for a detached span, that of
// the root it was cut off from (a trace has one DSC, however its spans are sent).
function traceEntryOf(span: object, create: boolean): SpanSentryData | undefined {
  let entry = create ? ensureSpanData(getLocalRoot(span)) : read(getLocalRoot(span));
  for (
    let hop = 0;
    entry?.frozenDsc === undefined && entry?.detachedFrom !== undefined && hop < MAX_DETACHED_HOPS;
    hop++
  ) {
    const from = entry.detachedFrom;
    entry = create ? ensureSpanData(getLocalRoot(from)) : read(getLocalRoot(from));
  }
  return entry;
}

/** The frozen DSC of the trace `span` belongs to, as recorded on its local root. */
export function getTraceFrozenDsc(span: object): FrozenDsc | undefined {
  return traceEntryOf(span, false)?.frozenDsc;
}

/**
 * Returns the frozen DSC of `span`'s trace, freezing the one `create` builds if the trace
 * has none yet. This is the only way a DSC is ever set after the fact, so a trace gets
 * exactly one.
 */
export function freezeTraceDsc(span: object, create: () => FrozenDsc): FrozenDsc {
  const data = traceEntryOf(span, true)!;
  data.frozenDsc ??= create();
  return data.frozenDsc;
}
