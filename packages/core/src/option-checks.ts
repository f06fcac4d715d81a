/**
 * Option validation shared by every package (design decision 13): each option is checked
 * when the component is constructed, wrong types included, and the error names the
 * option, what was given and what is expected — so nothing fails later in the
 * application's path because of configuration.
 *
 * Every message has one shape: `<component>: option "<name>" must be <expected>, got <value>`.
 */
import { coreDiag } from './diag.js';

/** Thrown at construction for an option that cannot work; the message names the option and the fix. */
export class InvalidOptionError extends Error {
  override readonly name = 'InvalidOptionError';
}

/** Longest delay a Node timer takes; longer ones fire at once. */
export const MAX_TIMER_MILLIS = 2 ** 31 - 1;

const SHOWN_STRING_CHARS = 60;

/**
 * A value as an error message shows it: strings quoted (so `'0.5'` is not mistaken for
 * `0.5`) and cut at 60 characters, objects by kind (`an object`, `a SentryEnvelopeExporter`),
 * never their contents — an option may hold a secret.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > SHOWN_STRING_CHARS ? `${value.slice(0, SHOWN_STRING_CHARS)}…` : value);
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return 'a symbol';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RegExp) return 'a regular expression';
  if (value !== null && typeof value === 'object') {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return String(value);
}

/** Throws the {@link InvalidOptionError} of one option. */
export function failOption(component: string, name: string, expected: string, value: unknown): never {
  throw new InvalidOptionError(`${component}: option "${name}" must be ${expected}, got ${describeValue(value)}`);
}

/**
 * The options argument itself: `{}` when absent, the object when it is one. Anything else
 * (a string, or the exporter passed where `{ exporter }` was meant) gets an error that
 * shows the expected call, `example`.
 */
export function optionsObject(component: string, value: unknown, example: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(
      `${component}: options must be an object, e.g. ${example}; got ${describeValue(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Range and kind of a numeric option. */
export interface NumberRule {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. Default true. */
  readonly integer?: boolean | undefined;
  /** What the number counts, for the message (`milliseconds`, `bytes`...). */
  readonly unit?: string | undefined;
}

/** A numeric option: `fallback` when absent, else a number within `rule`, or an {@link InvalidOptionError}. */
export function numberOption(
  component: string,
  name: string,
  value: unknown,
  rule: NumberRule,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const integer = rule.integer !== false;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    (integer && !Number.isInteger(value)) ||
    value < rule.min ||
    value > rule.max
  ) {
    const kind = integer ? 'an integer' : 'a number';
    const unit = rule.unit === undefined ? '' : ` (${rule.unit})`;
    failOption(component, name, `${kind} from ${rule.min} to ${rule.max}${unit}`, value);
  }
  return value;
}

/** A duration option in milliseconds, within what a timer can wait. */
export function millisOption(component: string, name: string, value: unknown, fallback: number, min = 0): number {
  return numberOption(component, name, value, { min, max: MAX_TIMER_MILLIS, unit: 'milliseconds' }, fallback);
}

/** A boolean option. */
export function booleanOption(component: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') failOption(component, name, 'true or false', value);
  return value;
}

/** An option that must be one of `allowed`. */
export function enumOption<T>(component: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    failOption(component, name, `one of ${allowed.map((a) => describeValue(a)).join(', ')}`, value);
  }
  return value as T;
}

/** An optional string option (empty counts as absent). */
export function stringOption(component: string, name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') failOption(component, name, 'a string', value);
  return value;
}

/** An optional function option. */
export function functionOption<F>(component: string, name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') failOption(component, name, 'a function', value);
  return value as F;
}

/**
 * An optional object option that must have the methods `methods` (a transport's `send`,
 * an exporter's `export` and `shutdown`); `what` names it in the message.
 */
export function objectOption<T>(
  component: string,
  name: string,
  value: unknown,
  methods: readonly string[],
  what: string,
): T | undefined {
  if (value === undefined) return undefined;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
  if (!ok) {
    const absent =
      typeof value === 'object' && value !== null
        ? methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function')
        : [];
    const missing = absent.length === 0 ? '' : ` (it has no ${absent.map((m) => `${m}()`).join(' and ')})`;
    failOption(component, name, `${what}${missing}`, value);
  }
  return value as T;
}

/**
 * An optional array option whose every item passes `isItem`: the message names the first
 * item that does not, and where it is (`got 42 at index 0`).
 */
export function arrayOption<T>(
  component: string,
  name: string,
  value: unknown,
  isItem: (item: unknown) => boolean,
  expected: string,
): readonly T[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) failOption(component, name, expected, value);
  for (let i = 0; i < value.length; i++) {
    if (!isItem(value[i])) {
      throw new InvalidOptionError(
        `${component}: option "${name}" must be ${expected}, got ${describeValue(value[i])} at index ${i}`,
      );
    }
  }
  return value as T[];
}

/**
 * Reports, once through `diag`, every option name that is not in `known` — a misspelled
 * option (`tracesSamplerate`) would otherwise be ignored in silence.
 */
export function reportUnknownOptions(component: string, options: object, known: ReadonlySet<string>): string[] {
  const unknown = Object.keys(options).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    coreDiag.warn(`${component}: unknown option(s) ${unknown.map((k) => `"${k}"`).join(', ')} ignored`);
  }
  return unknown;
}
