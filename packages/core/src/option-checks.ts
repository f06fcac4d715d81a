/**
 * Option validation shared by every package (design decision 13): each option is checked
 * when the component is constructed, wrong types included, and the error names the
 * option, what was given and what is expected — so nothing fails later in the
 * application's path because of configuration.
 */
import { describeValue, InvalidOptionError, MAX_TIMER_MILLIS } from './client.js';
import { coreDiag } from './diag.js';

/** Range and kind of a numeric option. */
export interface NumberRule {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. Default true. */
  readonly integer?: boolean | undefined;
  /** What the number counts, for the message (`milliseconds`, `bytes`...). */
  readonly unit?: string | undefined;
}

function fail(component: string, name: string, expected: string, value: unknown): never {
  throw new InvalidOptionError(`${component}: option "${name}" must be ${expected}, got ${describeValue(value)}`);
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
    fail(component, name, `${kind} from ${rule.min} to ${rule.max}${unit}`, value);
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
  if (typeof value !== 'boolean') fail(component, name, 'true or false', value);
  return value;
}

/** An option that must be one of `allowed`. */
export function enumOption<T>(component: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    fail(component, name, `one of ${allowed.map((a) => describeValue(a)).join(', ')}`, value);
  }
  return value as T;
}

/** An optional string option (empty counts as absent). */
export function stringOption(component: string, name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') fail(component, name, 'a string', value);
  return value;
}

/** An optional function option. */
export function functionOption<F>(component: string, name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') fail(component, name, 'a function', value);
  return value as F;
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
