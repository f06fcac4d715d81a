/**
 * Which local root (Sentry's "segment") each span of an export batch belongs to, when spans
 * are streamed (`stream`, `otlp`) instead of assembled into transactions.
 *
 * - Behind `SentrySpanProcessor` every span is linked to its local root in core's span side
 *   table: one lookup, and the root may still be running (a long transaction leaves in
 *   pieces).
 * - A span with no parent or a remote one is its own segment.
 * - Otherwise (a plain `BatchSpanProcessor`, no side table) the batch itself is searched,
 *   walking parent ids up to a local root. A child whose root is in no batch it came with has
 *   no known segment: it is sent without `sentry.segment.*` attributes.
 */
import { getSpanData, isTransactionRoot, type ReadableSpanLike } from '@otel-sentry/core';

/** The segment of each span of `spans`, in order (`undefined` where none is known). */
export function segmentsOf(spans: readonly ReadableSpanLike[]): Array<ReadableSpanLike | undefined> {
  const out: Array<ReadableSpanLike | undefined> = new Array(spans.length);
  let byId: Map<string, ReadableSpanLike> | undefined;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const linked = getSpanData(span)?.root as ReadableSpanLike | undefined;
    if (linked !== undefined) {
      out[i] = linked;
      continue;
    }
    if (isTransactionRoot(span)) {
      out[i] = span;
      continue;
    }
    if (byId === undefined) {
      byId = new Map();
      for (const s of spans) byId.set(s.spanContext().spanId, s);
    }
    out[i] = walkUp(span, byId);
  }
  return out;
}

function walkUp(span: ReadableSpanLike, byId: ReadonlyMap<string, ReadableSpanLike>): ReadableSpanLike | undefined {
  let current = span;
  // Bounded by the batch: colliding span ids cannot loop forever.
  for (let steps = 0; steps <= byId.size; steps++) {
    const parentId = current.parentSpanContext?.spanId;
    const parent = parentId === undefined ? undefined : byId.get(parentId);
    if (parent === undefined) return undefined;
    const linked = getSpanData(parent)?.root as ReadableSpanLike | undefined;
    if (linked !== undefined) return linked;
    if (isTransactionRoot(parent)) return parent;
    current = parent;
  }
  return undefined;
}

/** The spans of a batch by segment (a span with none stands for itself). */
export function bySegment(
  spans: readonly ReadableSpanLike[],
  segments: ReadonlyArray<ReadableSpanLike | undefined>,
): Map<ReadableSpanLike, ReadableSpanLike[]> {
  const groups = new Map<ReadableSpanLike, ReadableSpanLike[]>();
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    const key = segments[i] ?? span;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [span]);
    else group.push(span);
  }
  return groups;
}
