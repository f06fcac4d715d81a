/**
 * Privacy by default: values of sensitive keys (credentials, cookies, secrets, client IPs)
 * and credit-card-like numbers are replaced by `[Filtered]` unless `sendDefaultPii` is set.
 * Users add deny and allow patterns.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { percentDecode } from '@otel-sentry/core';
import { jsonNumber, jsonString, jsonStringUnlessDigits } from './json-text.js';
import type { KeyPattern } from './types.js';

/** What a scrubbed value becomes. */
export const FILTERED = '[Filtered]';
const FILTERED_JSON = JSON.stringify(FILTERED);

/** Key fragments whose values are always secret (matched case-insensitively, `-`/`_` alike). */
const SECRET_KEYS: readonly string[] = [
  'authorization',
  'cookie',
  'api_key',
  'apikey',
  'x_api_key',
  'password',
  'passwd',
  'secret',
  'token',
  'private_key',
  'credentials',
  'x_auth',
];

/** Keys that hold the client's IP address: personal data. */
const IP_KEYS: readonly string[] = [
  'client.address',
  'http.client_ip',
  'net.sock.peer.addr',
  'net.peer.ip',
  'http.request.header.x_forwarded_for',
  'http.request.header.x_real_ip',
  'http.request.header.forwarded',
  'user.ip_address',
];

/** Options of {@link Scrubber}. */
export interface ScrubberOptions {
  readonly sendDefaultPii: boolean;
  readonly denyKeys?: readonly KeyPattern[] | undefined;
  readonly allowKeys?: readonly KeyPattern[] | undefined;
}

const CACHE_LIMIT = 2048;

function normalizeKey(key: string): string {
  return key.toLowerCase().replaceAll('-', '_');
}

function matches(pattern: KeyPattern, key: string, normalized: string): boolean {
  if (typeof pattern === 'string') return normalized.includes(normalizeKey(pattern));
  pattern.lastIndex = 0;
  return pattern.test(key);
}

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Replaces card-like numbers: 13–19 digits, in groups separated by one space or dash, that
 * pass the Luhn check. Within a longer run of groups, every contiguous sequence of groups
 * is tried, so a number next to other digits is still found. A linear scan over groups: no
 * regex, nothing to backtrack.
 */
export function scrubCardNumbers(text: string): string {
  let out: string | undefined;
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // Read one run of digit groups: [start, end) of each group.
    const groups: Array<[number, number]> = [];
    let j = i;
    while (j < n && groups.length < 32) {
      const g = j;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      groups.push([g, j]);
      const sep = text.charCodeAt(j);
      if ((sep === 32 || sep === 45) && j + 1 < n && isDigit(text.charCodeAt(j + 1))) j++;
      else break;
    }
    for (let a = 0; a < groups.length; a++) {
      let digits = '';
      for (let b = a; b < groups.length; b++) {
        const [gs, ge] = groups[b]!;
        digits += text.slice(gs, ge);
        if (digits.length > 19) break;
        if (digits.length >= 13 && luhn(digits)) {
          out = (out ?? '') + text.slice(last, groups[a]![0]) + FILTERED;
          last = ge;
          a = b;
          break;
        }
      }
    }
    i = Math.max(j, i + 1);
  }
  return out === undefined ? text : out + text.slice(last);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// Cheap pre-check: most strings have fewer than 13 digits and need no scan.
function mayHoldCardNumber(text: string): boolean {
  if (text.length < 13) return false;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++digits >= 13) return true;
  }
  return false;
}

/**
 * Attributes that can hold a URL or a query string. `url.query` is a bare query: the HTTP
 * instrumentation writes it without the leading `?` (`token=…&page=2`), so it is read as a
 * query whatever it starts with; the others may hold a whole URL.
 */
const URL_KEYS = new Set(['url.full', 'http.url', 'url.query', 'http.target', 'url.path', 'url.original']);
const BARE_QUERY_KEYS = new Set(['url.query']);
const FILTERED_IN_URL = encodeURIComponent(FILTERED);

// A parameter name as the server reads it: `to%6Ben` and `api+key` are `token` and `api key`.
function decodeParameterName(name: string): string {
  if (name.indexOf('%') === -1 && name.indexOf('+') === -1) return name;
  return percentDecode(name.replaceAll('+', ' '));
}

/**
 * Scrubs the values of secret-named parameters in `text[start, end)`: `name=value` pairs
 * separated by `&` or `;` (both are used), names compared decoded. Returns the pieces to
 * join, or `undefined` when nothing changed.
 */
function scrubParameters(
  text: string,
  start: number,
  end: number,
  isSecretKey: (key: string) => boolean,
): string | undefined {
  let out: string | undefined;
  let last = start;
  let from = start;
  while (from < end) {
    let stop = from;
    let eq = -1;
    while (stop < end) {
      const c = text.charCodeAt(stop);
      if (c === 38 /* & */ || c === 59 /* ; */) break;
      if (c === 61 /* = */ && eq === -1) eq = stop;
      stop++;
    }
    // A name and a value: `=x` names nothing, and `token=` holds nothing to hide.
    if (eq > from && eq < stop - 1 && isSecretKey(decodeParameterName(text.slice(from, eq)))) {
      out = `${out ?? ''}${text.slice(last, eq + 1)}${FILTERED_IN_URL}`;
      last = stop;
    }
    from = stop + 1;
  }
  return out === undefined ? undefined : out + text.slice(last, end);
}

/**
 * Scrubs secrets wherever a URL carries them, whatever its form: the values of secret-named
 * query parameters (after `?`, or the whole value of a bare query), of parameters in the
 * fragment (OAuth's `#access_token=…`), and the password of `user:password@host`.
 */
export function scrubUrlSecrets(value: string, bareQuery: boolean, isSecretKey: (key: string) => boolean): string {
  if (bareQuery) {
    const start = value.charCodeAt(0) === 63 /* ? */ ? 1 : 0;
    const scrubbed = scrubParameters(value, start, value.length, isSecretKey);
    return scrubbed === undefined ? value : value.slice(0, start) + scrubbed;
  }
  let out = value;
  const q = out.indexOf('?');
  const hash = out.indexOf('#');
  // Parameters of the query, then of the fragment: each region is scrubbed on its own.
  const regions: Array<[number, number]> = [];
  if (q !== -1 && (hash === -1 || q < hash)) regions.push([q + 1, hash === -1 ? out.length : hash]);
  if (hash !== -1) regions.push([hash + 1, out.length]);
  for (let i = regions.length - 1; i >= 0; i--) {
    const [start, end] = regions[i]!;
    const scrubbed = scrubParameters(out, start, end, isSecretKey);
    if (scrubbed !== undefined) out = out.slice(0, start) + scrubbed + out.slice(end);
  }
  return scrubPassword(out);
}

// `scheme://user:password@host`: the password goes, the user name (not a secret) stays.
function scrubPassword(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme === -1) return url;
  const hostStart = scheme + 3;
  let authorityEnd = url.length;
  for (const c of ['/', '?', '#']) {
    const at = url.indexOf(c, hostStart);
    if (at !== -1 && at < authorityEnd) authorityEnd = at;
  }
  const at = url.lastIndexOf('@', authorityEnd - 1);
  if (at < hostStart) return url;
  const colon = url.indexOf(':', hostStart);
  if (colon === -1 || colon >= at - 1) return url;
  return `${url.slice(0, colon + 1)}${FILTERED_IN_URL}${url.slice(at)}`;
}

/** Decides, per key and value, what leaves the process. */
export class Scrubber {
  readonly #pii: boolean;
  readonly #deny: readonly KeyPattern[];
  readonly #allow: readonly KeyPattern[];
  readonly #keyCache = new Map<string, boolean>();
  readonly #jsonKeys = new Map<string, string>();
  readonly #isSecretKey = (key: string): boolean => this.isSensitiveKey(key);

  constructor(options: ScrubberOptions) {
    this.#pii = options.sendDefaultPii;
    this.#deny = options.denyKeys ?? [];
    this.#allow = options.allowKeys ?? [];
  }

  /** Whether the value under `key` is scrubbed whole. */
  isSensitiveKey(key: string): boolean {
    let verdict = this.#keyCache.get(key);
    if (verdict === undefined) {
      verdict = this.#decide(key);
      if (this.#keyCache.size >= CACHE_LIMIT) this.#keyCache.clear();
      this.#keyCache.set(key, verdict);
    }
    return verdict;
  }

  #decide(key: string): boolean {
    const normalized = normalizeKey(key);
    for (const pattern of this.#allow) if (matches(pattern, key, normalized)) return false;
    for (const pattern of this.#deny) if (matches(pattern, key, normalized)) return true;
    if (this.#pii) return false;
    for (const fragment of SECRET_KEYS) if (normalized.includes(fragment)) return true;
    for (const ipKey of IP_KEYS) if (normalized === ipKey) return true;
    // The peer of a server span is its client.
    return normalized === 'network.peer.address' || normalized === 'net.peer.addr';
  }

  /** A value with secrets removed from inside it (card numbers, secret query parameters). */
  scrubValue(key: string, value: AttributeValue): AttributeValue {
    if (this.#pii) return value;
    if (typeof value === 'string') return this.#scrubString(key, value);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item === 'string') {
          const scrubbed = this.#scrubString(key, item);
          if (scrubbed !== item) {
            copy ??= value.slice();
            copy[i] = scrubbed;
          }
        }
      }
      return (copy ?? value) as AttributeValue;
    }
    return value;
  }

  #scrubString(key: string, value: string): string {
    let out = value;
    if (URL_KEYS.has(key)) out = scrubUrlSecrets(out, BARE_QUERY_KEYS.has(key), this.#isSecretKey);
    if (mayHoldCardNumber(out)) out = scrubCardNumbers(out);
    return out;
  }

  /**
   * Attributes with secrets scrubbed. Returns `attributes` itself when nothing needs to change
   * (the common case: no copy), else a copy. Never modifies `attributes`.
   */
  scrubAttributes(attributes: Attributes): Readonly<Record<string, unknown>> {
    let copy: Record<string, unknown> | undefined;
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      // Numbers and booleans under a secret-looking key are counts or flags (`gen_ai.usage.input_tokens`), not secrets.
      const secret = typeof value !== 'number' && typeof value !== 'boolean' && this.isSensitiveKey(key);
      const scrubbed = secret ? FILTERED : this.scrubValue(key, value);
      if (scrubbed !== value && copy === undefined) copy = { ...attributes };
      if (copy !== undefined) copy[key] = scrubbed;
    }
    return copy ?? attributes;
  }

  /**
   * The scrubbed attributes written straight to a JSON object text, in one pass and without
   * a copy: the hot path of span mapping. Equal to `JSON.stringify(scrubAttributes(attributes))`.
   * `lastMember`, a JSON member text (`"key":value`), is written last: a caller that adds one
   * member must not slice the result open again, which would flatten the text it built.
   */
  attributesJson(attributes: Attributes, lastMember?: string): string {
    let out = '{';
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      let entry = this.#jsonKeys.get(key);
      if (entry === undefined) {
        entry = `${jsonString(key)}:`;
        if (this.#jsonKeys.size >= CACHE_LIMIT) this.#jsonKeys.clear();
        this.#jsonKeys.set(key, entry);
      }
      let text: string;
      if (typeof value === 'number') text = jsonNumber(value);
      else if (typeof value === 'boolean') text = value ? 'true' : 'false';
      else if (this.isSensitiveKey(key)) text = FILTERED_JSON;
      else if (typeof value === 'string' && !URL_KEYS.has(key)) {
        // One scan answers both "escape it?" and "could it hold a card number?" for the common value.
        text = this.#pii
          ? jsonString(value)
          : (jsonStringUnlessDigits(value, 13) ?? jsonString(this.#scrubString(key, value)));
      } else {
        const scrubbed = this.scrubValue(key, value);
        text = typeof scrubbed === 'string' ? jsonString(scrubbed) : (JSON.stringify(scrubbed) ?? 'null');
      }
      out += out.length === 1 ? entry + text : `,${entry}${text}`;
    }
    if (lastMember !== undefined) out += out.length === 1 ? lastMember : `,${lastMember}`;
    return `${out}}`;
  }

  /** Free-form text (exception messages, span names): card numbers only. */
  scrubText(text: string): string {
    return this.#pii || !mayHoldCardNumber(text) ? text : scrubCardNumbers(text);
  }
}
