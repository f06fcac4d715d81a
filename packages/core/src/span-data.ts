/**
 * What otel-sentry keeps about live spans, beside them rather than on them: OpenTelemetry
 * spans are not ours to change, and attributes would leak into every other exporter.
 *
 * The table is a `WeakMap` (nothing is kept after a span is collected) stored under a
 * global symbol, so the propagator, the span processor and the exporter see the same
 * entries even when an application ends up with two copies of this package.
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
}

const REGISTRY = Symbol.for('otel-sentry.span-data.v1');

function table(): WeakMap<object, SpanSentryData> {
  const holder = globalThis as { [REGISTRY]?: WeakMap<object, SpanSentryData> };
  let map = holder[REGISTRY];
  if (map === undefined) {
    map = new WeakMap();
    holder[REGISTRY] = map;
  }
  return map;
}

/** The entry of `span`, if any. */
export function getSpanData(span: object): SpanSentryData | undefined {
  return table().get(span);
}

/** The entry of `span`, created empty if needed, for editing. */
export function ensureSpanData(span: object): SpanSentryData {
  const map = table();
  let data = map.get(span);
  if (data === undefined) {
    data = {};
    map.set(span, data);
  }
  return data;
}

/** The local root of `span`'s transaction: the span itself when nothing links it to another. */
export function getLocalRoot(span: object): object {
  return table().get(span)?.root ?? span;
}

/** The frozen DSC of the trace `span` belongs to, as recorded on its local root. */
export function getTraceFrozenDsc(span: object): FrozenDsc | undefined {
  return table().get(getLocalRoot(span))?.frozenDsc;
}

/**
 * Returns the frozen DSC of `span`'s local root, freezing the one `create` builds if the
 * root has none yet. This is the only way a DSC is ever set after the fact, so a trace
 * gets exactly one.
 */
export function freezeTraceDsc(span: object, create: () => FrozenDsc): FrozenDsc {
  const data = ensureSpanData(getLocalRoot(span));
  data.frozenDsc ??= create();
  return data.frozenDsc;
}
