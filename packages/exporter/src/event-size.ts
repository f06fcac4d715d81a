/**
 * Keeps an event under Relay's size limit (1 MiB per event): rather than send something
 * that would be rejected, long strings are shortened and then spans removed, and what was
 * removed is counted.
 */
import { type SentryEvent, safeStringify } from '@otel-sentry/core';

/** Relay's default limit for one event or transaction item. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
/** Strings are cut to this many characters when an event is too big. */
const TRIMMED_STRING_LENGTH = 1024;

const nodeBuffer = (globalThis as { Buffer?: { byteLength(s: string, e: string): number } }).Buffer;
const encoder = new TextEncoder();

/** UTF-8 byte length of `text`. */
export function utf8Bytes(text: string): number {
  return nodeBuffer ? nodeBuffer.byteLength(text, 'utf8') : encoder.encode(text).length;
}

/** Whether `text` is at most `max` UTF-8 bytes; the cheap bound first (a char is ≤ 3 bytes). */
export function fitsIn(text: string, max: number): boolean {
  if (text.length * 3 <= max) return true;
  if (text.length > max) return false;
  return utf8Bytes(text) <= max;
}

/** The outcome of {@link serializeWithinLimit}. */
export interface SizedEvent {
  /** The serialized event, within the limit. */
  readonly json: string;
  /** Strings shortened. */
  readonly truncatedStrings: number;
  /** Spans removed. */
  readonly droppedSpans: number;
}

function truncateStrings(value: unknown, counter: { n: number }, depth: number): unknown {
  if (typeof value === 'string') {
    if (value.length <= TRIMMED_STRING_LENGTH) return value;
    counter.n++;
    return `${value.slice(0, TRIMMED_STRING_LENGTH - 1)}…`;
  }
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = truncateStrings(value[i], counter, depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = truncateStrings(record[key], counter, depth + 1);
  return value;
}

/**
 * Serializes `event`, trimming it in place when it is over `maxBytes`: first long strings,
 * then spans from the end. An event that still does not fit (a huge root alone) is returned
 * as `undefined` so the caller drops and counts it.
 */
export function serializeWithinLimit(event: SentryEvent, maxBytes: number): SizedEvent | undefined {
  let json = safeStringify(event);
  if (fitsIn(json, maxBytes)) return { json, truncatedStrings: 0, droppedSpans: 0 };
  const counter = { n: 0 };
  truncateStrings(event, counter, 0);
  json = safeStringify(event);
  let droppedSpans = 0;
  const spans = event.spans;
  while (!fitsIn(json, maxBytes) && spans !== undefined && spans.length > 0) {
    const bytes = utf8Bytes(json);
    // Remove the share of spans that should bring the event under the limit, at least one.
    const perSpan = bytes / (spans.length + 1);
    const remove = Math.min(spans.length, Math.max(1, Math.ceil((bytes - maxBytes) / perSpan)));
    spans.length -= remove;
    droppedSpans += remove;
    json = safeStringify(event);
  }
  if (!fitsIn(json, maxBytes)) return undefined;
  return { json, truncatedStrings: counter.n, droppedSpans };
}
