/**
 * Ids and timestamps in the forms Sentry expects.
 */

const HEX = '0123456789abcdef';

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (crypto?.getRandomValues) {
    crypto.getRandomValues(bytes);
  } else {
    for (let i = 0; i < n; i++) bytes[i] = (Math.random() * 256) | 0;
  }
  return bytes;
}

/** A random UUID v4 as 32 lowercase hex characters, the form of Sentry's `event_id` and `sid`. */
export function uuid4(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let out = '';
  for (let i = 0; i < 16; i++) out += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return out;
}

/** A UUID v4 with dashes (`8-4-4-4-12`), the form of a release-health session id. */
export function uuid4Dashed(): string {
  const h = uuid4();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Normalizes a replay id: a UUID with or without dashes, any case, becomes 32 lowercase
 * hex characters. Anything else (including the nil UUID) gives `undefined`.
 */
export function normalizeReplayId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let id = value.trim();
  if (id.length === 36) {
    if (id[8] !== '-' || id[13] !== '-' || id[18] !== '-' || id[23] !== '-') return undefined;
    id = id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
  }
  if (id.length !== 32) return undefined;
  id = id.toLowerCase();
  let nonZero = false;
  for (let i = 0; i < 32; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return undefined;
    if (c !== 48) nonZero = true;
  }
  return nonZero ? id : undefined;
}

/** Seconds since the epoch as a float, Sentry's timestamp form. */
export function timestampInSeconds(): number {
  return Date.now() / 1000;
}

/** An OpenTelemetry `HrTime` (`[seconds, nanoseconds]`) as float seconds. */
export function hrTimeToSeconds(time: readonly [number, number]): number {
  return time[0] + time[1] / 1e9;
}
