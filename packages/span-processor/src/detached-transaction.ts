/**
 * Marks a span that becomes a transaction of its own although it has a local parent: a
 * child that ended after its local root was sent (`late`), or one whose root never ended
 * (`orphan`).
 *
 * The mark lives in core's span side table, never in attributes:
 * - the span's `root` link is removed, so `getLocalRoot(span) === span` and an exporter that
 *   groups spans by local root sees a transaction root;
 * - the trace-level data of the original root (frozen DSC, replay id, sample rate and rand)
 *   is copied onto it, so its envelope carries the same trace header;
 * - `detached` says why and `detachedFrom` holds the original root.
 */
import { ensureSpanData, getSpanData } from '@otel-sentry/core';
import type { DetachReason } from './types.js';

/** @internal Makes `span` the root of its own transaction, cut off from `formerRoot`. */
export function detachSpan(span: object, formerRoot: object, reason: DetachReason): void {
  const data = ensureSpanData(span);
  const rootData = getSpanData(formerRoot);
  delete data.root;
  if (rootData !== undefined) {
    if (rootData.frozenDsc !== undefined) data.frozenDsc = rootData.frozenDsc;
    if (rootData.replayId !== undefined) data.replayId = rootData.replayId;
    if (rootData.sampleRate !== undefined) data.sampleRate = rootData.sampleRate;
    if (rootData.sampleRand !== undefined) data.sampleRand = rootData.sampleRand;
  }
  data.detached = reason;
  data.detachedFrom = formerRoot;
}

/**
 * Why `span` was exported as a transaction of its own although it has a local parent, or
 * `undefined` for an ordinary span or root.
 */
export function getDetachReason(span: object): DetachReason | undefined {
  return getSpanData(span)?.detached;
}
