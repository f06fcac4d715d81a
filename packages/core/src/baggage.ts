/**
 * W3C `baggage` header codec.
 *
 * Limits (W3C Baggage §3.3.2): at most {@link BAGGAGE_MAX_MEMBERS} members and
 * {@link BAGGAGE_MAX_BYTES} bytes in total, across all `baggage` header values. Members
 * are kept or dropped whole — never cut — both when parsing and when formatting.
 *
 * Incoming baggage is untrusted: the scanner visits every character a bounded number of
 * times (linear in its input), and reads at most {@link BAGGAGE_MAX_READ_CHARS} characters
 * of a carrier however long its values are.
 */
import { percentDecode, percentEncode, utf8Length } from './percent-encoding.js';

/** One baggage list-member. */
export interface BaggageMember {
  /** The key, as written (a token; never percent-decoded). */
  readonly key: string;
  /** The percent-decoded value. */
  readonly value: string;
  /** Raw properties (`name` or `name=value`), in order, when the member has any. */
  readonly properties?: readonly string[];
}

/** Most list-members propagated (W3C Baggage). */
export const BAGGAGE_MAX_MEMBERS = 64;
/** Most bytes propagated in all `baggage` values together (W3C Baggage). */
export const BAGGAGE_MAX_BYTES = 8192;
/**
 * Most characters read of all the `baggage` values of one carrier: four times what can be
 * propagated, so the members of any header within the W3C limits are all read, while a
 * hostile megabyte costs no more than 32 KiB. A member that reaches past it is not read at all.
 */
export const BAGGAGE_MAX_READ_CHARS = 32_768;

/** A header value as HTTP libraries hand it over: one string, several, or nothing. */
export type HeaderValue = string | readonly string[] | null | undefined;

/** Limits for {@link parseBaggage} and {@link formatBaggage}. */
export interface BaggageLimits {
  /** Default {@link BAGGAGE_MAX_MEMBERS}. */
  readonly maxMembers?: number;
  /** Default {@link BAGGAGE_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Default {@link BAGGAGE_MAX_READ_CHARS}. */
  readonly maxReadChars?: number;
}

/** @internal RFC 7230 tchar, the characters of a baggage key: `TCHAR[c] === 1`. */
export const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = 1;
for (let c = 97; c <= 122; c++) TCHAR[c] = 1;

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

/** @internal Called for each valid member within the limits; return `false` to stop. */
export type MemberVisitor = (
  header: string,
  keyStart: number,
  keyEnd: number,
  valueStart: number,
  valueEnd: number,
  memberEnd: number,
) => boolean | undefined;

/** @internal Running totals shared by several header values of one carrier. */
export interface ScanBudget {
  members: number;
  bytes: number;
  /** Characters read so far, of all values. */
  read: number;
  readonly maxMembers: number;
  readonly maxBytes: number;
  readonly maxRead: number;
}

/** @internal */
export function newBudget(limits?: BaggageLimits): ScanBudget {
  return {
    members: 0,
    bytes: 0,
    read: 0,
    maxMembers: limits?.maxMembers ?? BAGGAGE_MAX_MEMBERS,
    maxBytes: limits?.maxBytes ?? BAGGAGE_MAX_BYTES,
    maxRead: limits?.maxReadChars ?? BAGGAGE_MAX_READ_CHARS,
  };
}

/**
 * @internal
 * A budget for scanning all of `header`. When the values are too short to ever reach the
 * byte limit (a UTF-16 unit is at most 3 bytes of UTF-8, a separator 1 byte), bytes are
 * not counted at all: the result is the same, without measuring every member.
 */
export function newBudgetFor(header: HeaderValue, limits?: BaggageLimits): ScanBudget {
  const budget = newBudget(limits);
  const short = budget.maxBytes / 4;
  let chars = 0;
  if (typeof header === 'string') {
    chars = header.length;
  } else if (Array.isArray(header)) {
    // Separators count too, and the sum stops as soon as it is too long: a carrier may hand over any number of values.
    for (let i = 0; i < header.length && chars <= short; i++) {
      const value: unknown = header[i];
      chars += (typeof value === 'string' ? value.length : 0) + (i > 0 ? 1 : 0);
    }
  } else {
    return budget;
  }
  return chars <= short ? { ...budget, maxBytes: Number.POSITIVE_INFINITY } : budget;
}

/**
 * @internal
 * Walks the members of one header value without allocating. A member without a
 * valid key or without `=` is skipped. A member that would break the byte budget is
 * skipped whole; scanning stops when the member budget is spent, when no member can fit
 * in the bytes left, or at the read budget (a member cut by it is not visited). Returns
 * `false` when the visitor or the budget stopped the scan.
 *
 * Linear: each character is looked at a bounded number of times. (Searching for a member's
 * `;` from its value to the end of the header, member after member, made it quadratic.)
 */
export function scanBaggage(input: string, budget: ScanBudget, visit: MemberVisitor): boolean {
  const room = budget.maxRead - budget.read;
  if (room <= 0) return false;
  const cut = input.length > room;
  const header = cut ? input.slice(0, room) : input;
  const n = header.length;
  // A value costs its separator too, so a carrier of a million empty values is cut short as well.
  budget.read += n + 1;
  let pos = 0;
  // The first ';' at or after the current value (n: none left). Values only move forward,
  // so every search starts past the last one and the header is searched once in all.
  let semicolon = -1;
  while (pos <= n) {
    let end = header.indexOf(',', pos);
    if (end === -1) {
      // The read budget cut this member short: it is not a member of the header.
      if (cut) return false;
      end = n;
    }
    let s = pos;
    let e = end;
    pos = end + 1;
    while (s < e && isOws(header.charCodeAt(s))) s++;
    while (e > s && isOws(header.charCodeAt(e - 1))) e--;
    if (s === e) continue;

    // Most members are Sentry's: their prefix is known to be token characters.
    let k = header.startsWith('sentry-', s) ? s + 7 : s;
    while (k < e) {
      const c = header.charCodeAt(k);
      if (c >= 128 || TCHAR[c] !== 1) break;
      k++;
    }
    if (k === s) continue;
    const keyEnd = k;
    while (k < e && isOws(header.charCodeAt(k))) k++;
    if (k === e || header.charCodeAt(k) !== 61 /* = */) continue;
    k++;
    while (k < e && isOws(header.charCodeAt(k))) k++;
    const valueStart = k;
    if (semicolon < valueStart) {
      semicolon = header.indexOf(';', valueStart);
      if (semicolon === -1) semicolon = n;
    }
    let valueEnd = Math.min(semicolon, e);
    while (valueEnd > valueStart && isOws(header.charCodeAt(valueEnd - 1))) valueEnd--;

    if (budget.members >= budget.maxMembers) return false;
    if (budget.maxBytes !== Number.POSITIVE_INFINITY) {
      // The member's bytes as it will be propagated, plus its ',' separator after the first.
      const separator = budget.members > 0 ? 1 : 0;
      // The smallest member (`k=`) no longer fits: nothing after this can be kept.
      if (budget.maxBytes - budget.bytes < 2 + separator) return false;
      const bytes = memberBytes(header, s, e) + separator;
      if (budget.bytes + bytes > budget.maxBytes) continue;
      budget.bytes += bytes;
    }
    budget.members++;
    if (visit(header, s, keyEnd, valueStart, valueEnd, e) === false) return false;
  }
  return true;
}

function memberBytes(header: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    if (header.charCodeAt(i) >= 128) return utf8Length(header.slice(start, end));
  }
  return end - start;
}

/**
 * @internal
 * Walks the members of every value of `header` (one string or several) under one budget,
 * so the W3C limits hold across repeated headers. Stops when `visit` or the budget says so.
 */
export function scanHeader(header: HeaderValue, visit: MemberVisitor, limits?: BaggageLimits): void {
  const budget = newBudgetFor(header, limits);
  if (typeof header === 'string') {
    scanBaggage(header, budget, visit);
  } else if (Array.isArray(header)) {
    for (const value of header) {
      if (typeof value === 'string' && !scanBaggage(value, budget, visit)) return;
    }
  }
}

/**
 * Parses one or several `baggage` header values into members, in order.
 * Invalid members are skipped; the W3C limits apply across all values. Never throws.
 */
export function parseBaggage(header: HeaderValue, limits?: BaggageLimits): BaggageMember[] {
  const members: BaggageMember[] = [];
  const visit: MemberVisitor = (h, ks, ke, vs, ve, me) => {
    const key = h.slice(ks, ke);
    const value = percentDecode(h.slice(vs, ve));
    if (ve < me) {
      const properties = parseProperties(h.slice(ve, me));
      members.push(properties.length > 0 ? { key, value, properties } : { key, value });
    } else {
      members.push({ key, value });
    }
    return true;
  };
  scanHeader(header, visit, limits);
  return members;
}

function parseProperties(tail: string): string[] {
  const out: string[] = [];
  for (const part of tail.split(';')) {
    const p = part.trim();
    if (p !== '') out.push(p);
  }
  return out;
}

// Properties are written raw, so one holding `,` or `;` (or a character an HTTP header
// cannot carry) would split the member or the list: such a property is left out.
function isWritableProperty(property: string): boolean {
  let text = false;
  for (let i = 0; i < property.length; i++) {
    const c = property.charCodeAt(i);
    if (c === 44 /* , */ || c === 59 /* ; */ || c > 0x7e || (c < 0x20 && c !== 9)) return false;
    if (!isOws(c)) text = true;
  }
  return text;
}

/**
 * Writes one member: `key=percent-encoded value[;property...]`. Properties are written
 * trimmed; one that is empty or holds `,`, `;`, a control or a non-ASCII character is left out.
 */
export function formatBaggageMember(member: BaggageMember): string {
  let out = `${member.key}=${percentEncode(member.value)}`;
  const properties = member.properties;
  if (properties) {
    for (const property of properties) {
      if (typeof property === 'string' && isWritableProperty(property)) out += `;${property.trim()}`;
    }
  }
  return out;
}

/**
 * Writes members as one `baggage` value, within the W3C limits: a member that does not
 * fit is left out whole (the rest still go in order). Members with an invalid key are left out.
 */
export function formatBaggage(members: readonly BaggageMember[], limits?: BaggageLimits): string {
  const budget = newBudget(limits);
  let out = '';
  for (const member of members) {
    if (!isValidKey(member.key)) continue;
    if (budget.members >= budget.maxMembers) break;
    const text = formatBaggageMember(member);
    const bytes = utf8Length(text) + (budget.members > 0 ? 1 : 0);
    if (budget.bytes + bytes > budget.maxBytes) continue;
    budget.members++;
    budget.bytes += bytes;
    out = out === '' ? text : `${out},${text}`;
  }
  return out;
}

/** Whether `key` is a valid baggage key (an RFC 7230 token). */
export function isValidKey(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 128 || TCHAR[c] !== 1) return false;
  }
  return true;
}

function commasIn(text: string): number {
  let n = 0;
  for (let at = text.indexOf(','); at !== -1; at = text.indexOf(',', at + 1)) n++;
  return n;
}

/**
 * Appends already-formatted members to an existing `baggage` value so that the result
 * as a whole stays within the W3C limits: a member that does not fit is left out whole.
 * The existing value is kept as it is, even when it alone breaks the limits.
 */
export function appendBaggage(existing: string | undefined, addition: string, limits?: BaggageLimits): string {
  if (!existing) return addition;
  if (!addition) return existing;
  const maxMembers = limits?.maxMembers ?? BAGGAGE_MAX_MEMBERS;
  const maxBytes = limits?.maxBytes ?? BAGGAGE_MAX_BYTES;
  // Every character takes at least a byte: a value this long leaves no room for a member,
  // and is kept as it is without being read (it may be an application's megabyte).
  if (existing.length >= maxBytes || existing.length > (limits?.maxReadChars ?? BAGGAGE_MAX_READ_CHARS)) {
    return existing;
  }
  const unlimited = { maxMembers: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };
  // When bounds alone prove that everything fits (a UTF-16 unit is at most 3 UTF-8 bytes;
  // members are at most one more than the commas), `existing` need not be measured.
  if (
    commasIn(existing) + commasIn(addition) + 2 <= maxMembers &&
    3 * (existing.length + 1 + addition.length) <= maxBytes
  ) {
    let all = existing;
    scanBaggage(addition, newBudget(unlimited), (h, start, _ke, _vs, _ve, end) => {
      all = `${all},${h.slice(start, end)}`;
      return true;
    });
    return all;
  }
  let members = 0;
  scanBaggage(existing, newBudget(unlimited), () => {
    members++;
    return true;
  });
  let bytes = utf8Length(existing);
  let out = existing;
  scanBaggage(addition, newBudget(unlimited), (h, start, _ke, _vs, _ve, end) => {
    if (members >= maxMembers) return false;
    const text = h.slice(start, end);
    const size = utf8Length(text) + 1;
    if (bytes + size <= maxBytes) {
      members++;
      bytes += size;
      out = `${out},${text}`;
    }
    return true;
  });
  return out;
}
