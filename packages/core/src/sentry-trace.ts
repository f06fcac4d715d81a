/**
 * The `sentry-trace` header: `<trace_id>-<span_id>[-<sampled>[-<flags>]]`.
 *
 * The three-field form is what every Sentry SDK reads. The fourth field is this
 * project's opt-in extension (8 bits of flags; see {@link SENTRY_TRACE_FLAG_HAS_REPLAY}):
 * a Sentry SDK that meets it starts a new trace, so it is only written on request.
 */

/** Parsed `sentry-trace` header. */
export interface SentryTraceData {
  /** 32 lowercase hex characters, never all zeros. */
  readonly traceId: string;
  /** 16 lowercase hex characters, never all zeros. */
  readonly spanId: string;
  /** `true`/`false` for a decision made upstream; absent when the decision is deferred. */
  readonly sampled?: boolean;
  /** The optional fourth field, 0..255. */
  readonly flags?: number;
}

/** Bit of the fourth `sentry-trace` field: the trace's browser session is recording a replay. */
export const SENTRY_TRACE_FLAG_HAS_REPLAY = 0x01;

/**
 * Longest `sentry-trace` value read. The longest form is 54 characters; what may surround it
 * is spaces and tabs, and no sender pads a header with 200 of them: a longer value is not
 * read at all, so a hostile one costs nothing.
 */
export const SENTRY_TRACE_MAX_CHARS = 256;

const TRACE_ID_LENGTH = 32;
const SPAN_ID_LENGTH = 16;

// 1 for the characters of lowercase hex, 0 for the rest of ASCII.
const LOWER_HEX = new Uint8Array(128);
for (let c = 48; c <= 57; c++) LOWER_HEX[c] = 1;
for (let c = 97; c <= 102; c++) LOWER_HEX[c] = 1;

// Char-code tests instead of a regular expression: this runs on every incoming request.
// Branch-free per character (random hex mispredicts any digit/letter branch): `ok` drops to 0
// on a character outside lowercase hex, `high` catches any above ASCII, `nonZero` any but '0'.
function isLowerHexRun(s: string, start: number, end: number): boolean {
  let ok = 1;
  let high = 0;
  let nonZero = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    ok &= LOWER_HEX[c & 127]!;
    high |= c & 0xff80;
    nonZero |= c ^ 48;
  }
  return ok === 1 && high === 0 && nonZero !== 0;
}

function isLowerHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/**
 * Parses a `sentry-trace` header value. Leading and trailing spaces and tabs are
 * ignored; anything else that is not exactly the 2-, 3- or 4-field form gives `undefined`, and
 * so does a value longer than {@link SENTRY_TRACE_MAX_CHARS}. When given several values
 * (repeated headers), the first one counts.
 *
 * Never throws.
 */
export function parseSentryTrace(value: string | readonly string[] | null | undefined): SentryTraceData | undefined {
  const header = typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined;
  if (typeof header !== 'string' || header.length > SENTRY_TRACE_MAX_CHARS) return undefined;

  let start = 0;
  let end = header.length;
  let c = header.charCodeAt(start);
  while (c === 32 || c === 9) c = header.charCodeAt(++start);
  c = header.charCodeAt(end - 1);
  while (end > start && (c === 32 || c === 9)) c = header.charCodeAt(--end - 1);
  const len = end - start;
  // 32 + 1 + 16 = 49; "-s" adds 2; "-ff" adds 3.
  if (len !== 49 && len !== 51 && len !== 54) return undefined;
  if (header.charCodeAt(start + TRACE_ID_LENGTH) !== 45) return undefined;
  if (!isLowerHexRun(header, start, start + TRACE_ID_LENGTH)) return undefined;
  const spanStart = start + TRACE_ID_LENGTH + 1;
  if (!isLowerHexRun(header, spanStart, spanStart + SPAN_ID_LENGTH)) return undefined;

  const traceId = header.slice(start, start + TRACE_ID_LENGTH);
  const spanId = header.slice(spanStart, spanStart + SPAN_ID_LENGTH);
  if (len === 49) return { traceId, spanId };

  const dash = start + 49;
  const flag = header.charCodeAt(dash + 1);
  if (header.charCodeAt(dash) !== 45 || (flag !== 48 && flag !== 49)) return undefined;
  const sampled = flag === 49;
  if (len === 51) return { traceId, spanId, sampled };

  const hi = header.charCodeAt(dash + 3);
  const lo = header.charCodeAt(dash + 4);
  if (header.charCodeAt(dash + 2) !== 45 || !isLowerHex(hi) || !isLowerHex(lo)) return undefined;
  return { traceId, spanId, sampled, flags: (hexValue(hi) << 4) | hexValue(lo) };
}

const HEX = '0123456789abcdef';

/**
 * Writes a `sentry-trace` header value.
 *
 * - `sampled` absent: the deferred two-field form `<trace>-<span>`.
 * - `flags` absent: the three-field form every Sentry SDK reads.
 * - `flags` given (0..255) and `sampled` known: the four-field form `<trace>-<span>-<s>-<ff>`.
 *   A deferred decision has no sampled field to follow, so its flags are not written.
 */
export function formatSentryTrace(data: {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled?: boolean | undefined;
  readonly flags?: number | undefined;
}): string {
  const { traceId, spanId, sampled, flags } = data;
  if (sampled === undefined) return `${traceId}-${spanId}`;
  const base = `${traceId}-${spanId}-${sampled ? '1' : '0'}`;
  if (flags === undefined) return base;
  const f = flags & 0xff;
  return `${base}-${HEX[f >> 4]}${HEX[f & 15]}`;
}
