/**
 * What a header value may carry when it is re-sent byte for byte (design decision 1).
 * `isSafeHeaderText` is exported from the package entry point (the propagator checks
 * `tracestate` values with it); the rest is internal.
 *
 * HTTP allows visible ASCII, space and tab in a field value (RFC 9110 §5.5); CR, LF, NUL,
 * the other controls, DEL and anything past ASCII are refused by Node's HTTP client and
 * server, but queue and RPC carriers pass them on — to whoever splits headers on CR/LF.
 * A percent-escape of a control (`%0D%0A`) is as dangerous once a receiver decodes it, so
 * it is refused too. Non-ASCII text stays possible the way W3C baggage means it to travel:
 * percent-encoded UTF-8 (`caf%C3%A9`).
 */

// For each ASCII character: 1 when it is a hex digit.
const HEX = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

// `%0X`, `%1X` or `%7F` at `i`: a control character once decoded.
function isEscapedControl(text: string, i: number, end: number): boolean {
  if (i + 2 >= end) return false;
  const hi = text.charCodeAt(i + 1);
  const lo = text.charCodeAt(i + 2);
  if (hi === 48 || hi === 49) return lo < 128 && HEX[lo] === 1;
  return hi === 55 && (lo === 70 || lo === 102);
}

/**
 * Whether `text[start, end)` can be re-sent as (part of) a header value, and decoded by a
 * receiver without producing a control character: only tab and `%x20-7E`, and no
 * `%`-escape of a control (`%00`-`%1F`, `%7F`). One pass, no allocation: it runs on every
 * incoming `sentry-` member, so the common character costs one range test.
 */
export function isSafeHeaderText(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 37) {
      if (c === 9) continue;
      if (c !== 37 || isEscapedControl(text, i, end)) return false;
    }
  }
  return true;
}

// Whole headers are first checked four bytes at a time: encoding to UTF-8 natively finds any
// non-ASCII character (more bytes than characters), and a word test finds a control byte or
// DEL. A header that passes (nearly every one) needs no look member by member; one that does
// not, or is too long for the scratch buffer, gets the exact per-member check.
const SCRATCH_BYTES = 32_768;
const encoder = new TextEncoder();
let scratch: Uint8Array | undefined;
let scratchWords: Uint32Array | undefined;

/**
 * Whether all of `text` passes {@link isSafeHeaderText} without a tab: `false` may also mean
 * "too long to tell this way". Allocation-free after the first call.
 */
export function isPlainHeaderText(text: string): boolean {
  if (text.length > SCRATCH_BYTES) return false;
  scratch ??= new Uint8Array(SCRATCH_BYTES);
  scratchWords ??= new Uint32Array(scratch.buffer);
  // Locals, not the module's bindings, in the loop: V8 keeps them in registers.
  const bytes = scratch;
  const words = scratchWords;
  const n = encoder.encodeInto(text, bytes).written;
  // More bytes than characters, or fewer written: something past ASCII.
  if (n !== text.length) return false;
  const end = n >> 2;
  let flags = 0;
  for (let i = 0; i < end; i++) {
    const w = words[i]!;
    // Bytes are ASCII here: the high bit of a byte of (w - 0x20…) & ~w is set when one byte is
    // below 0x20 (a borrow may mark a byte beside it too: the answer as a whole is exact), and
    // of w + 0x01… when one is 0x7F.
    flags |= ((w - 0x20202020) & ~w) | (w + 0x01010101);
  }
  if ((flags & 0x80808080) !== 0) return false;
  for (let i = end << 2; i < n; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c === 0x7f) return false;
  }
  for (let p = text.indexOf('%'); p !== -1; p = text.indexOf('%', p + 1)) {
    if (isEscapedControl(text, p, n)) return false;
  }
  return true;
}

/** {@link isPlainHeaderText} of every value of a header (one string or several). */
export function isPlainHeader(header: string | readonly unknown[] | null | undefined): boolean {
  if (typeof header === 'string') return isPlainHeaderText(header);
  // Several values: at most what fits the scratch buffer in all, like one value.
  if (!Array.isArray(header) || header.length > 64) return false;
  let total = 0;
  for (const value of header) if (typeof value === 'string') total += value.length;
  if (total > SCRATCH_BYTES) return false;
  for (const value of header) if (typeof value === 'string' && !isPlainHeaderText(value)) return false;
  return true;
}
