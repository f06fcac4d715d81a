/**
 * Marks a span that becomes a transaction of its own although it has a local parent: a
 * child that ended after its local root was handed on (`late`), or one whose root never
 * ended or never arrived (`orphan`).
 *
 * The mark lives in the span side table (`span-data.ts`), never in attributes:
 * - the span's `root` link is removed, so `getLocalRoot(span) === span` and whoever groups
 *   spans by local root sees a transaction root;
 * - the trace-level data of the original root (frozen DSC, replay id, sample rate and rand)
 *   is copied onto it, so its envelope carries the same trace header;
 * - `detached` says why and `detachedFrom` holds the original root, when it is known (an
 *   exporter assembling spans behind a plain `BatchSpanProcessor` never sees a root whose
 *   children it gives up on).
 */
import { ensureSpanData, getSpanData, type SpanSentryData } from './span-data.js';

/**
 * Why a span was sent as a transaction of its own although it has a local parent.
 * - `late`: it ended (or arrived) after its local root had already been handed on.
 * - `orphan`: its local root did not end (or arrive) within the orphan timeout, or the
 *   assembler was flushed at shutdown first.
 */
export type DetachReason = NonNullable<SpanSentryData['detached']>;

/**
 * @internal
 * Makes `span` the root of its own transaction, cut off from `formerRoot` (`undefined` when
 * the original root was never seen).
 */
export function detachSpan(span: object, formerRoot: object | undefined, reason: DetachReason): void {
  const data = ensureSpanData(span);
  delete data.root;
  const rootData = formerRoot === undefined ? undefined : getSpanData(formerRoot);
  if (rootData !== undefined) {
    if (rootData.frozenDsc !== undefined) data.frozenDsc = rootData.frozenDsc;
    if (rootData.replayId !== undefined) data.replayId = rootData.replayId;
    if (rootData.sampleRate !== undefined) data.sampleRate = rootData.sampleRate;
    if (rootData.sampleRand !== undefined) data.sampleRand = rootData.sampleRand;
  }
  data.detached = reason;
  if (formerRoot !== undefined) data.detachedFrom = formerRoot;
}

/**
 * Why `span` was exported as a transaction of its own although it has a local parent, or
 * `undefined` for an ordinary span or root.
 */
export function getDetachReason(span: object): DetachReason | undefined {
  return getSpanData(span)?.detached;
}
