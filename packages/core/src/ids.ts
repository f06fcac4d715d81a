/**
 * Ids and timestamps in the forms Sentry expects.
 */

const HEX = '0123456789abcdef';

// `crypto.getRandomValues` costs about a microsecond per call in Node, and exporting makes
// an id per event: one call fills a pool that serves 256 ids.
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let poolOffset = POOL_BYTES;

function refillPool(): void {
  pool = new Uint8Array(POOL_BYTES);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (crypto?.getRandomValues) {
    crypto.getRandomValues(pool);
  } else {
    for (let i = 0; i < POOL_BYTES; i++) pool[i] = (Math.random() * 256) | 0;
  }
  poolOffset = 0;
}

const BYTE_HEX: string[] = [];
for (let i = 0; i < 256; i++) BYTE_HEX.push(HEX[i >> 4]! + HEX[i & 15]!);

/** A random UUID v4 as 32 lowercase hex characters, the form of Sentry's `event_id` and `sid`. */
export function uuid4(): string {
  if (poolOffset + 16 > POOL_BYTES) refillPool();
  const o = poolOffset;
  poolOffset += 16;
  let out = '';
  for (let i = 0; i < 16; i++) {
    let byte = pool[o + i]!;
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    out += BYTE_HEX[byte]!;
  }
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
