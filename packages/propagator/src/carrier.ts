/**
 * Internal (not exported from the package entry point).
 * Reading headers from carriers. Incoming: through the getter, with a case-insensitive
 * fallback for getters that look keys up exactly. Outgoing: the setter cannot read, but the
 * carrier must be looked at so nothing is written twice.
 */
import type { TextMapGetter } from '@opentelemetry/api';

/** A header value as getters hand it over. */
export type IncomingValue = string | string[] | undefined;

/**
 * Reads one incoming carrier's headers through its getter, however the carrier spells their
 * names. The exact look-up comes first: HTTP libraries lowercase incoming names, so the
 * fallback, a case-insensitive scan of the keys, only matters for carriers that keep the
 * sender's spelling. It lists the keys once per carrier, not once per absent header: a request
 * without trace headers misses `sentry-trace` and `traceparent` both.
 */
export class IncomingHeaders {
  readonly #getter: TextMapGetter;
  readonly #carrier: unknown;
  /** The carrier's keys once listed; `null` when the getter cannot list them. */
  #keys: readonly unknown[] | null | undefined;

  constructor(getter: TextMapGetter, carrier: unknown) {
    this.#getter = getter;
    this.#carrier = carrier;
  }

  /** The value of header `name` (lowercase). */
  get(name: string): IncomingValue {
    const value = this.#getter.get(this.#carrier, name);
    if (value !== undefined) return value;
    const keys = this.#listKeys();
    if (keys === null) return undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key === 'string' && key.length === name.length && key !== name && key.toLowerCase() === name) {
        return this.#getter.get(this.#carrier, key);
      }
    }
    return undefined;
  }

  #listKeys(): readonly unknown[] | null {
    if (this.#keys === undefined) {
      try {
        const keys: unknown = this.#getter.keys(this.#carrier);
        this.#keys = Array.isArray(keys) ? keys : null;
      } catch {
        // A getter that cannot list keys still answers exact look-ups: those answers stand.
        this.#keys = null;
      }
    }
    return this.#keys;
  }
}

/** The first value of a header that may arrive repeated. */
export function firstValue(value: IncomingValue): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const first: unknown = value[0];
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}

/** What an outgoing carrier already holds of the headers this propagator writes. */
export interface OutgoingHeaders {
  /** The carrier already has a `sentry-trace` header. */
  sentryTrace: boolean;
  /** The carrier already has a `traceparent` header. */
  traceparent: boolean;
  /** The existing `baggage` value (several joined with `,`), if any. */
  baggage: string | undefined;
  /** The key the existing `baggage` value is stored under, so it is replaced, not doubled. */
  baggageKey: string;
}

interface HeadersLike {
  get(name: string): unknown;
  has(name: string): unknown;
}

function isHeadersLike(carrier: object): carrier is HeadersLike {
  return (
    typeof (carrier as Partial<HeadersLike>).get === 'function' &&
    typeof (carrier as Partial<HeadersLike>).has === 'function'
  );
}

function joinValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const parts = value.filter((v): v is string => typeof v === 'string' && v !== '');
    return parts.length > 0 ? parts.join(',') : undefined;
  }
  return undefined;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/**
 * Looks at an outgoing carrier: a plain header object (any key case, array values) or a
 * `Headers`/`Map`-like object with `get` and `has`. Anything else counts as empty.
 */
export function inspectOutgoing(carrier: unknown): OutgoingHeaders {
  const found: OutgoingHeaders = { sentryTrace: false, traceparent: false, baggage: undefined, baggageKey: 'baggage' };
  if (typeof carrier !== 'object' || carrier === null) return found;
  if (isHeadersLike(carrier)) {
    found.sentryTrace = isPresent(carrier.get('sentry-trace'));
    found.traceparent = isPresent(carrier.get('traceparent'));
    found.baggage = joinValue(carrier.get('baggage')) || undefined;
    return found;
  }
  const record = carrier as Record<string, unknown>;
  // One pass over the keys, comparing lengths before case-folding: most keys are neither.
  for (const key in record) {
    const n = key.length;
    if (n !== 12 && n !== 11 && n !== 7) continue;
    const lower = key.toLowerCase();
    if (lower === 'sentry-trace') {
      if (isPresent(record[key])) found.sentryTrace = true;
    } else if (lower === 'traceparent') {
      if (isPresent(record[key])) found.traceparent = true;
    } else if (lower === 'baggage') {
      const value = joinValue(record[key]);
      if (value) {
        found.baggage = found.baggage === undefined ? value : `${found.baggage},${value}`;
        found.baggageKey = key;
      }
    }
  }
  return found;
}

/**
 * Removes header `key` from an outgoing carrier this module could read: a `Headers`/`Map`-like
 * object with `delete`, or a plain header object. Returns `false` when the carrier offers no
 * way to remove it (the setter API can only set).
 */
export function deleteOutgoing(carrier: unknown, key: string): boolean {
  if (typeof carrier !== 'object' || carrier === null) return false;
  try {
    if (isHeadersLike(carrier)) {
      const remove = (carrier as { delete?: unknown }).delete;
      if (typeof remove !== 'function') return false;
      remove.call(carrier, key);
      return true;
    }
    return delete (carrier as Record<string, unknown>)[key];
  } catch {
    // A frozen object, or headers guarded as immutable.
    return false;
  }
}
