/**
 * Sentry's dynamic sampling context (DSC): the `sentry-` members of `baggage`.
 *
 * A DSC is created once, by the head of a trace, and then frozen for the rest of the
 * trace: every hop re-propagates it as it arrived. {@link FrozenDsc} carries both the
 * bytes to re-send and, parsed only when first read, the deep-frozen object.
 */
import { BAGGAGE_MAX_MEMBERS, type HeaderValue, isValidKey, scanHeader } from './baggage.js';
import { isPlainHeader, isSafeHeaderText } from './header-value.js';
import { percentDecode, percentEncodeWithoutControls } from './percent-encoding.js';

/**
 * The dynamic sampling context. Keys are the baggage keys without the `sentry-`
 * prefix; unknown keys are kept. Values are strings, as on the wire.
 */
export interface DynamicSamplingContext {
  readonly trace_id?: string;
  readonly public_key?: string;
  readonly sample_rate?: string;
  readonly sample_rand?: string;
  readonly sampled?: string;
  readonly release?: string;
  readonly environment?: string;
  readonly transaction?: string;
  readonly org_id?: string;
  readonly replay_id?: string;
  readonly [key: string]: string | undefined;
}

/** The prefix of Sentry's baggage members. */
export const SENTRY_BAGGAGE_PREFIX = 'sentry-';

/** Most bytes of `sentry-` members Sentry SDKs propagate. */
const SENTRY_BAGGAGE_MAX_BYTES = 8192;

// `__proto__` is the one key whose assignment changes an object instead of adding to it.
function setEntry(target: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  } else {
    target[key] = value;
  }
}

// DSC objects inherit from this frozen, empty object instead of Object.prototype: keys such
// as `constructor`, `toString` or `__proto__` are plain data, and nothing can be added to what
// they inherit. (A `null` prototype would do the same, but V8 keeps such objects in slow
// dictionary mode, which costs a third of the time of reading a DSC.)
const DSC_PROTOTYPE: object = Object.freeze(Object.create(null));

function newDscObject(): Record<string, string> {
  return Object.create(DSC_PROTOTYPE) as Record<string, string>;
}

/**
 * Reads the `sentry-` members of one or several `baggage` values into a frozen DSC.
 * Members with an empty value are ignored; a repeated key keeps its last value. A member
 * holding a control character, DEL or non-ASCII text (raw, or a percent-escaped control)
 * is ignored, as the propagator drops it at extract. Reads at most
 * `BAGGAGE_MAX_READ_CHARS` characters. Returns `undefined` when there is no `sentry-`
 * member. Never throws.
 */
export function dscFromBaggage(header: HeaderValue): DynamicSamplingContext | undefined {
  return readDsc(header, !isPlainHeader(header));
}

// `check`: drop members no header may carry. Bytes frozen here were checked when they were
// read (or written by freezeDsc, percent-encoded): parsing them again skips the check.
function readDsc(header: HeaderValue, check: boolean): DynamicSamplingContext | undefined {
  let dsc: Record<string, string> | undefined;
  const visit = (h: string, ks: number, ke: number, vs: number, ve: number, me: number): boolean => {
    if (ke - ks <= 7 || !h.startsWith(SENTRY_BAGGAGE_PREFIX, ks) || ve === vs) return true;
    // After the `sentry-` prefix: a key is a token, but `%` is a token character, and Sentry's
    // SDKs decode keys too (`sentry-%0A…`).
    if (check && !isSafeHeaderText(h, ks + 7, me)) return true;
    // A value can be empty once decoded too (`%`, a stray escape): ignored like an empty one.
    const value = percentDecode(h.slice(vs, ve));
    if (value === '') return true;
    dsc ??= newDscObject();
    setEntry(dsc, h.slice(ks + 7, ke), value);
    return true;
  };
  scanHeader(header, visit);
  return dsc === undefined ? undefined : Object.freeze(dsc);
}

/**
 * Whether `text` is members with nothing around them (no whitespace, no `;` properties): what
 * {@link freezeDsc} writes and what nearly every SDK sends, so what nearly every frozen DSC
 * holds. Such a list splits on `,` and `=` alone.
 */
function isBareMemberList(text: string): boolean {
  return text.indexOf(' ') === -1 && text.indexOf('\t') === -1 && text.indexOf(';') === -1;
}

/**
 * {@link readDsc} of frozen bytes (checked, and within the W3C limits) that
 * {@link isBareMemberList}: the same result, without the general scanner's budget and
 * per-member callback. A DSC is read once per sampled trace (the
 * sampler's rate, the envelope's trace header), so this is on the hot path.
 */
function readBareMembers(text: string): DynamicSamplingContext | undefined {
  let dsc: Record<string, string> | undefined;
  const n = text.length;
  let eq = -1;
  for (let start = 0; start < n; ) {
    let end = text.indexOf(',', start);
    if (end === -1) end = n;
    // Searched again only once passed: linear over the whole text.
    if (eq < start) {
      eq = text.indexOf('=', start);
      if (eq === -1) break;
    }
    if (eq < end && eq - start > 7 && eq + 1 < end && text.startsWith(SENTRY_BAGGAGE_PREFIX, start)) {
      const value = percentDecode(text.slice(eq + 1, end));
      if (value !== '') {
        dsc ??= newDscObject();
        setEntry(dsc, text.slice(start + 7, eq), value);
      }
    }
    start = end + 1;
  }
  return dsc === undefined ? undefined : Object.freeze(dsc);
}

/**
 * Writes a DSC as `sentry-` baggage members in its key order, percent-encoding values.
 * Keys with an undefined or empty value are skipped, and so are keys that are not baggage
 * tokens (they would break the list) and values holding a control character or DEL (every
 * receiver drops those at extract); members that would take the result past 8192 bytes
 * are left out whole, and at most 64 are written. Returns `''` for an empty DSC.
 */
export function dscToBaggage(dsc: Readonly<Record<string, string | undefined>>): string {
  return writeDscMembers(dsc);
}

// `written` hears of every member that made it into the result, so a caller can keep an
// object that says exactly what the bytes say.
function writeDscMembers(
  dsc: Readonly<Record<string, string | undefined>>,
  written?: (key: string, value: string) => void,
): string {
  let out = '';
  let bytes = 0;
  let members = 0;
  for (const key in dsc) {
    const value = dsc[key];
    if (typeof value !== 'string' || value === '' || !Object.hasOwn(dsc, key) || !isValidKey(key)) continue;
    if (members >= BAGGAGE_MAX_MEMBERS) break;
    // A value with a control character or DEL is left out: every receiver drops it at extract.
    const encoded = percentEncodeWithoutControls(value);
    if (encoded === undefined) continue;
    const member = `${SENTRY_BAGGAGE_PREFIX}${key}=${encoded}`;
    // All ASCII (a token key, a percent-encoded value): its length is its size in bytes.
    const size = (out === '' ? 0 : 1) + member.length;
    if (bytes + size > SENTRY_BAGGAGE_MAX_BYTES) continue;
    bytes += size;
    members++;
    out = out === '' ? member : `${out},${member}`;
    written?.(key, value);
  }
  return out;
}

/**
 * A DSC that can no longer change: the `sentry-` baggage members to propagate, byte for
 * byte, and the same DSC as a deep-frozen object.
 */
export interface FrozenDsc {
  /** The `sentry-` members exactly as they are re-propagated (`''` for an empty DSC). */
  readonly baggage: string;
  /** The DSC as a deep-frozen object (parsed from {@link FrozenDsc.baggage} on first read). */
  readonly dsc: DynamicSamplingContext;
}

const EMPTY_DSC: DynamicSamplingContext = Object.freeze(newDscObject());

class LazyFrozenDsc implements FrozenDsc {
  readonly baggage: string;
  readonly #traceId: string | undefined;
  #dsc: DynamicSamplingContext | undefined;

  constructor(baggage: string, dsc?: DynamicSamplingContext, traceId?: string) {
    this.baggage = baggage;
    this.#dsc = dsc;
    this.#traceId = traceId;
    Object.freeze(this);
  }

  static traceIdOf(frozen: FrozenDsc): string | undefined {
    return #traceId in frozen ? frozen.#traceId : undefined;
  }

  get dsc(): DynamicSamplingContext {
    // Parsing waits until somebody reads the DSC: most hops only re-send the bytes.
    // Frozen bytes were read within the W3C limits (or written by freezeDsc within them), so
    // a bare list of them splits without the scanner's budget.
    this.#dsc ??=
      (isBareMemberList(this.baggage) ? readBareMembers(this.baggage) : readDsc(this.baggage, false)) ?? EMPTY_DSC;
    return this.#dsc;
  }
}

/**
 * @internal
 * A frozen DSC made of `sentry-` members as they arrived, parsed on first read. `traceId`
 * names the trace they arrived with, so a DSC met in another trace's context is not sent.
 */
export function frozenDscFromMembers(baggage: string, traceId?: string): FrozenDsc {
  return baggage === '' ? EMPTY_FROZEN_DSC : new LazyFrozenDsc(baggage, undefined, traceId);
}

/**
 * The trace id a frozen DSC arrived with, when it was read from incoming baggage with one
 * ({@link readIncomingDsc}'s `traceId`); `undefined` otherwise.
 */
export function getFrozenDscTraceId(frozen: FrozenDsc): string | undefined {
  return LazyFrozenDsc.traceIdOf(frozen);
}

/** The frozen empty DSC: a trace that arrived with `sentry-trace` but no `sentry-` baggage. */
export const EMPTY_FROZEN_DSC: FrozenDsc = new LazyFrozenDsc('', EMPTY_DSC);

/**
 * Freezes a DSC built by the head of a trace. Its members are written once, here, and
 * those bytes are what every later hop sends.
 */
export function freezeDsc(dsc: Readonly<Record<string, string | undefined>>): FrozenDsc {
  // The object holds only what the bytes hold: a member left out of the baggage (too big,
  // or an invalid key) is left out of the object too.
  const copy = newDscObject();
  const baggage = writeDscMembers(dsc, (key, value) => setEntry(copy, key, value));
  return new LazyFrozenDsc(baggage, Object.freeze(copy));
}

/**
 * Parses a sample rate as written in a DSC or an option: a finite number in [0, 1].
 * Anything else gives `undefined`.
 */
export function parseSampleRate(value: unknown): number | undefined {
  const rate = typeof value === 'string' ? (value.trim() === '' ? Number.NaN : Number(value)) : value;
  return typeof rate === 'number' && Number.isFinite(rate) && rate >= 0 && rate <= 1 ? rate : undefined;
}

const SIX_DECIMALS = 1_000_000;

/**
 * Derives `sample_rand` for an incoming trace that carries none, consistent with the
 * decision already made upstream: uniform in `[0, rate)` when sampled, in `[rate, 1)` when
 * not, and in `[0, 1)` when either is unknown. Written with six decimals, rounded so that
 * the invariant `sample_rand < sample_rate ⇔ sampled` still holds after rounding.
 */
export function deriveSampleRand(
  sampled: boolean | undefined,
  sampleRate: number | undefined,
  random: () => number = Math.random,
): string {
  return (deriveSampleRandMicros(sampled, sampleRate, random) / SIX_DECIMALS).toFixed(6);
}

/**
 * {@link deriveSampleRand} as the number its text stands for (`Number(deriveSampleRand(…))`
 * for the same `random`), without writing and reading the text: the sampler derives one for
 * every new trace, and most never need the text (it is written only into a DSC).
 */
export function deriveSampleRandValue(
  sampled: boolean | undefined,
  sampleRate: number | undefined,
  random: () => number = Math.random,
): number {
  return deriveSampleRandMicros(sampled, sampleRate, random) / SIX_DECIMALS;
}

/** `sample_rand` in millionths (an integer in [0, 10⁶)): see {@link deriveSampleRand}. */
function deriveSampleRandMicros(
  sampled: boolean | undefined,
  sampleRate: number | undefined,
  random: () => number,
): number {
  let r = random();
  if (!(r >= 0 && r < 1)) r = 0;
  // A rate that is not a number in [0, 1] says nothing about where sample_rand must lie.
  const rate = sampleRate !== undefined && sampleRate >= 0 && sampleRate <= 1 ? sampleRate : undefined;
  let value: number;
  if (sampled === undefined || rate === undefined) {
    value = r;
  } else if (sampled) {
    value = r * rate;
  } else {
    value = rate + r * (1 - rate);
  }
  let micro = Math.min(Math.max(Math.floor(value * SIX_DECIMALS), 0), SIX_DECIMALS - 1);
  if (sampled !== undefined && rate !== undefined) {
    // Floating-point rounding can carry a value onto the rate (r * 0.00001 for r close to 1
    // gives 0.000010): step back to the side of the rate the decision is on. `value` is
    // within one step of where it belongs, so these loops run once or twice.
    if (sampled) {
      while (micro > 0 && micro / SIX_DECIMALS >= rate) micro--;
    } else {
      while (micro < SIX_DECIMALS - 1 && micro / SIX_DECIMALS < rate) micro++;
    }
  }
  return micro;
}

/**
 * The `org_id` rule for continuing an incoming trace: a trace from another organization is
 * not continued. With `strict`, a trace is continued only when both sides know their
 * `org_id` and they match (or neither knows one).
 */
export function shouldContinueTrace(
  localOrgId: string | undefined,
  incomingOrgId: string | undefined,
  strict = false,
): boolean {
  if (localOrgId && incomingOrgId) return localOrgId === incomingOrgId;
  if (strict) return !localOrgId && !incomingOrgId;
  return true;
}
