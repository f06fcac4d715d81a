/**
 * Reading the DSC of incoming `baggage`: on the hot path of every request a service receives.
 *
 * The `sentry-` members are kept as the bytes they arrived as (parsed later, if anyone
 * reads them) and `sentry-replay_id` is split off: the replay id rides beside the frozen
 * DSC, not in it. Foreign members are not kept: they are not Sentry's to propagate.
 *
 * What is frozen is re-sent byte for byte, so only bytes a header value can carry are
 * frozen (design decision 1): a `sentry-` member holding a control character, DEL or
 * non-ASCII text — raw, or as a percent-escape of a control — is dropped here, before the
 * DSC freezes, and `diag` says so once.
 */
import {
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  BAGGAGE_MAX_READ_CHARS,
  type HeaderValue,
  scanHeader,
  TCHAR,
} from './baggage.js';
import { coreDiag } from './diag.js';
import { type FrozenDsc, frozenDscFromMembers, SENTRY_BAGGAGE_PREFIX } from './dsc.js';
import { isPlainHeader, isPlainHeaderText, isSafeHeaderText } from './header-value.js';
import { percentDecode } from './percent-encoding.js';

/** What {@link readIncomingDsc} found in incoming baggage. */
export interface IncomingDsc {
  /** The frozen DSC: the `sentry-` members as they arrived, `sentry-replay_id` excepted. */
  readonly frozen: FrozenDsc;
  /** The decoded `sentry-replay_id`, kept apart from the frozen DSC. */
  readonly replayId?: string;
}

const PREFIX_LENGTH = SENTRY_BAGGAGE_PREFIX.length;
const REPLAY_KEY_LENGTH = PREFIX_LENGTH + 'replay_id'.length;
// Every UTF-16 unit takes at most 3 UTF-8 bytes: a header this short cannot break the byte limit.
const SURELY_WITHIN_BYTES = Math.floor(BAGGAGE_MAX_BYTES / 3);

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

let unsafeMemberReported = false;

/** Says, once as a warning and then at debug level, that an unsafe member was dropped. */
function reportUnsafeMember(header: string, keyStart: number, keyEnd: number): void {
  const key = header.slice(keyStart, Math.min(keyEnd, keyStart + 64));
  const message =
    `incoming baggage member "${key}" holds a control character, DEL or non-ASCII text (raw or ` +
    'percent-encoded); it is dropped before the DSC freezes, so nothing re-sent can break a header';
  if (unsafeMemberReported) {
    coreDiag.debug(message);
  } else {
    unsafeMemberReported = true;
    coreDiag.warn(`${message} (said once; later ones at debug level)`);
  }
}

/** Whether `header` has at most `max` comma-separated parts, so it cannot hold more members. */
function partsAtMost(header: string, max: number): boolean {
  let parts = 1;
  for (let at = header.indexOf(','); at !== -1; at = header.indexOf(',', at + 1)) {
    if (++parts > max) return false;
  }
  return true;
}

/**
 * Reads the `sentry-` members of incoming baggage into a frozen DSC, with
 * `sentry-replay_id` split off. `traceId`, when given, is remembered with the DSC
 * ({@link getFrozenDscTraceId}) so it is never sent on behalf of another trace.
 * Returns `undefined` when there is no `sentry-` member. Never throws.
 */
export function readIncomingDsc(header: HeaderValue, traceId?: string): IncomingDsc | undefined {
  // Past the read limit, not even a search may run over all of it: the scanner stops in time.
  if (typeof header !== 'string' || header.length > BAGGAGE_MAX_READ_CHARS) return scanIncomingDsc(header, traceId);
  if (header.indexOf(SENTRY_BAGGAGE_PREFIX) === -1) return undefined;
  // Within both limits for sure, no member is dropped: only the `sentry-` members need a look.
  if (header.length > SURELY_WITHIN_BYTES || !partsAtMost(header, BAGGAGE_MAX_MEMBERS)) {
    return scanIncomingDsc(header, traceId);
  }
  return searchIncomingDsc(header, traceId);
}

/**
 * @internal
 * The fast path, for one header value within the W3C limits for sure: finds the `sentry-`
 * members by search, never walks foreign members, and slices members that follow each
 * other out of the header as one run instead of joining them one by one.
 */
export function searchIncomingDsc(header: string, traceId?: string): IncomingDsc | undefined {
  let raw = '';
  let runStart = -1;
  let runEnd = -1;
  let found = false;
  let replayId: string | undefined;
  const n = header.length;
  // Nearly every header is plain ASCII with no control: then no member needs a look of its own.
  const check = !isPlainHeaderText(header);
  // The first ',' (and ';') at or after the current position: `at` only moves forward, so
  // these searches, like the one for `sentry-`, cover the header once in all.
  let comma = -1;
  let semicolon = -1;
  for (let at = header.indexOf(SENTRY_BAGGAGE_PREFIX); at !== -1; at = header.indexOf(SENTRY_BAGGAGE_PREFIX, at + 1)) {
    // A member starts after a comma and optional whitespace; elsewhere `sentry-` is value text.
    let before = at - 1;
    while (before >= 0 && isOws(header.charCodeAt(before))) before--;
    if (before !== -1 && header.charCodeAt(before) !== 44 /* , */) continue;
    if (comma < at) {
      comma = header.indexOf(',', at);
      if (comma === -1) comma = n;
    }
    const end = comma;
    let e = end;
    while (e > at && isOws(header.charCodeAt(e - 1))) e--;
    let k = at + PREFIX_LENGTH;
    while (k < e && TCHAR[header.charCodeAt(k)] === 1) k++;
    const keyEnd = k;
    while (k < e && isOws(header.charCodeAt(k))) k++;
    // Not a member (bad key, or no `=` after it), or the bare key `sentry-`: not Sentry's.
    if (k === e || header.charCodeAt(k) !== 61 /* = */ || keyEnd === at + PREFIX_LENGTH) continue;
    found = true;
    // After the `sentry-` prefix: a key is a token, but `%` is a token character, and Sentry's
    // SDKs decode keys too (`sentry-%0A…`).
    if (check && !isSafeHeaderText(header, at + PREFIX_LENGTH, e)) {
      reportUnsafeMember(header, at, keyEnd);
      continue;
    }
    if (keyEnd - at === REPLAY_KEY_LENGTH && header.startsWith('replay_id', at + PREFIX_LENGTH)) {
      let vs = k + 1;
      while (vs < e && isOws(header.charCodeAt(vs))) vs++;
      if (semicolon < vs) {
        semicolon = header.indexOf(';', vs);
        if (semicolon === -1) semicolon = n;
      }
      let ve = Math.min(semicolon, e);
      while (ve > vs && isOws(header.charCodeAt(ve - 1))) ve--;
      // A value that decodes to nothing (`%`) names no replay: an earlier one stands.
      if (ve > vs) replayId = percentDecode(header.slice(vs, ve)) || replayId;
      continue;
    }
    if (runEnd !== -1 && at === runEnd + 1 && header.charCodeAt(runEnd) === 44 /* , */) {
      runEnd = e;
      continue;
    }
    if (runEnd !== -1) {
      const run = header.slice(runStart, runEnd);
      raw = raw === '' ? run : `${raw},${run}`;
    }
    runStart = at;
    runEnd = e;
  }
  if (runEnd !== -1) {
    const run = header.slice(runStart, runEnd);
    raw = raw === '' ? run : `${raw},${run}`;
  }
  if (!found) return undefined;
  const frozen = frozenDscFromMembers(raw, traceId);
  return replayId === undefined ? { frozen } : { frozen, replayId };
}

/**
 * @internal
 * The general path: repeated headers, and headers that may break a W3C limit. Walks every
 * member with the baggage scanner, so the limits cut exactly where `parseBaggage` cuts.
 */
export function scanIncomingDsc(header: HeaderValue, traceId?: string): IncomingDsc | undefined {
  let raw = '';
  let found = false;
  let replayId: string | undefined;
  const check = !isPlainHeader(header);
  const visit = (h: string, ks: number, ke: number, vs: number, ve: number, me: number): boolean => {
    if (ke - ks <= PREFIX_LENGTH || !h.startsWith(SENTRY_BAGGAGE_PREFIX, ks)) return true;
    found = true;
    if (check && !isSafeHeaderText(h, ks + PREFIX_LENGTH, me)) {
      reportUnsafeMember(h, ks, ke);
      return true;
    }
    if (ke - ks === REPLAY_KEY_LENGTH && h.startsWith('replay_id', ks + PREFIX_LENGTH)) {
      if (ve > vs) replayId = percentDecode(h.slice(vs, ve)) || replayId;
      return true;
    }
    const member = h.slice(ks, me);
    raw = raw === '' ? member : `${raw},${member}`;
    return true;
  };
  scanHeader(header, visit);
  if (!found) return undefined;
  const frozen = frozenDscFromMembers(raw, traceId);
  return replayId === undefined ? { frozen } : { frozen, replayId };
}
