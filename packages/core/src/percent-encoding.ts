/**
 * Percent-encoding for W3C baggage values.
 *
 * Decoding never throws: a `%` that does not start a two-hex-digit escape is dropped
 * (the characters after it are kept as text), and bytes that are not valid UTF-8
 * become U+FFFD, as the W3C baggage specification asks.
 */

const utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decodes percent-escapes in `value`. Never throws. */
export function percentDecode(value: string): string {
  let pct = value.indexOf('%');
  if (pct === -1) return value;
  // The usual escapes are of ASCII (`%20`, `%2C`): decoded here without a call into the
  // runtime. The first escape of anything else hands the whole value to the general path.
  let out = '';
  let from = 0;
  do {
    const hi = hexDigit(value.charCodeAt(pct + 1));
    const lo = hexDigit(value.charCodeAt(pct + 2));
    if (hi < 0 || hi > 7 || lo < 0) return generalPercentDecode(value);
    out += value.slice(from, pct) + String.fromCharCode((hi << 4) | lo);
    from = pct + 3;
    pct = value.indexOf('%', from);
  } while (pct !== -1);
  return from === value.length ? out : out + value.slice(from);
}

function generalPercentDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return slowPercentDecode(value);
  }
}

// The rare path: a stray `%` or bytes that are not UTF-8. Runs of escaped bytes are
// decoded together so multi-byte characters survive; literal text is kept as it is.
function slowPercentDecode(value: string): string {
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) {
      out += utf8Decoder.decode(new Uint8Array(bytes));
      bytes = [];
    }
  };
  let i = 0;
  while (i < value.length) {
    const c = value.charCodeAt(i);
    if (c === 37) {
      const hi = i + 1 < value.length ? hexDigit(value.charCodeAt(i + 1)) : -1;
      const lo = i + 2 < value.length ? hexDigit(value.charCodeAt(i + 2)) : -1;
      if (hi >= 0 && lo >= 0) {
        bytes.push((hi << 4) | lo);
        i += 3;
      } else {
        i += 1; // a stray '%': dropped
      }
      continue;
    }
    flush();
    let j = i + 1;
    while (j < value.length && value.charCodeAt(j) !== 37) j++;
    out += value.slice(i, j);
    i = j;
  }
  flush();
  return out;
}

// W3C baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E.
// '%' (0x25) and '=' (0x3D) are escaped too: '%' because it starts an escape, '='
// because several SDKs (Sentry's among them) split a member on every '='.
const SAFE = new Uint8Array(128);
for (let c = 0x21; c <= 0x7e; c++) SAFE[c] = 1;
for (const c of [0x22, 0x2c, 0x3b, 0x5c, 0x25, 0x3d]) SAFE[c] = 0;

const HEX = '0123456789ABCDEF';

/** Percent-encodes every character of `value` that may not appear raw in a baggage value. */
export function percentEncode(value: string): string {
  return encode(value, false) as string;
}

/**
 * @internal
 * {@link percentEncode}, or `undefined` when `value` holds a control character or DEL: what a
 * receiver would decode into bytes no header may carry. Found while encoding, at no extra cost.
 */
export function percentEncodeWithoutControls(value: string): string | undefined {
  return encode(value, true);
}

function encode(value: string, refuseControls: boolean): string | undefined {
  let i = 0;
  const n = value.length;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c >= 128 || SAFE[c] === 0) break;
    i++;
  }
  if (i === n) return value;

  let out = value.slice(0, i);
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c < 128) {
      if (SAFE[c] === 1) {
        // Copy the whole run of safe characters at once rather than one by one.
        let j = i + 1;
        while (j < n) {
          const d = value.charCodeAt(j);
          if (d >= 128 || SAFE[d] === 0) break;
          j++;
        }
        out += value.slice(i, j);
        i = j;
      } else {
        if (refuseControls && (c < 0x20 || c === 0x7f)) return undefined;
        out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
        i++;
      }
      continue;
    }
    // Encode the whole non-ASCII run at once; lone surrogates become U+FFFD's bytes.
    let j = i + 1;
    while (j < n && value.charCodeAt(j) >= 128) j++;
    for (const b of utf8Encoder.encode(value.slice(i, j))) out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
    i = j;
  }
  return out;
}

/** Number of bytes `value` takes in UTF-8 (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8Length(value: string): number {
  let bytes = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // a surrogate pair: 2 UTF-16 units, 4 bytes
        bytes += 2;
        i++;
      } else {
        bytes += 2;
      }
    } else {
      bytes += 2;
    }
  }
  return bytes;
}
