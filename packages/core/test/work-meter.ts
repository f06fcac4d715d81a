/**
 * A deterministic meter of the work a parser does on its input, for property tests that
 * prove a parser linear and capped without timing it (timings swing on a shared machine).
 *
 * While {@link measureWork} runs its function, the string primitives parsers use — every
 * `String.prototype` method that looks at characters, `RegExp.prototype.exec`, percent-
 * and UTF-8 decoding, `JSON.parse`, typed-array searches — are wrapped and charged the
 * characters they may visit: `charCodeAt` one, `indexOf` the span it searched, `slice` the
 * characters it copied, `split`/`trim` the whole string, a regular expression the input it
 * scanned. A scanner that searches to the end of the header for every member shows up as
 * quadratic work however fast the machine is. The wrappers are removed before it returns.
 */

type Cost = (self: unknown, args: unknown[], result: unknown) => number;

const len = (value: unknown): number =>
  typeof value === 'string' || Array.isArray(value) ? value.length : ArrayBuffer.isView(value) ? value.byteLength : 0;

function clamp(value: unknown, fallback: number, max: number): number {
  const n = typeof value === 'number' && !Number.isNaN(value) ? Math.trunc(value) : fallback;
  return Math.min(Math.max(n, 0), max);
}

const self = (s: unknown) => len(s);
const result = (_s: unknown, _a: unknown[], r: unknown) => len(r);
const one = () => 1;
const firstArgument = (_s: unknown, a: unknown[]) => len(a[0]);

const indexOfCost: Cost = (s, a, r) => {
  const from = clamp(a[1], 0, len(s));
  return (r as number) === -1 ? len(s) - from : (r as number) - from + Math.max(len(a[0]), 1);
};
const lastIndexOfCost: Cost = (s, a, r) => {
  const from = clamp(a[1], len(s), len(s));
  return (r as number) === -1 ? from + 1 : from - (r as number) + Math.max(len(a[0]), 1);
};
const includesCost: Cost = (s, a) => len(s) - clamp(a[1], 0, len(s));
const typedIndexOfCost: Cost = (s, a, r) => {
  const from = clamp(a[1], 0, len(s));
  return (r as number) === -1 ? len(s) - from : (r as number) - from + 1;
};

const STRING_COSTS: Record<string, Cost> = {
  charCodeAt: one,
  codePointAt: one,
  at: one,
  charAt: one,
  indexOf: indexOfCost,
  lastIndexOf: lastIndexOfCost,
  includes: includesCost,
  startsWith: (_s, a) => len(a[0]),
  endsWith: (_s, a) => len(a[0]),
  slice: result,
  substring: result,
  substr: result,
  split: self,
  trim: self,
  trimStart: self,
  trimEnd: self,
  toLowerCase: self,
  toUpperCase: self,
  replace: self,
  replaceAll: self,
  match: self,
  matchAll: self,
  search: self,
  normalize: self,
  padStart: result,
  padEnd: result,
  repeat: result,
  concat: result,
  localeCompare: self,
};

interface Patch {
  readonly target: object;
  readonly name: string | symbol;
  readonly descriptor: PropertyDescriptor;
}

let work = 0;
let active = false;

function wrap(target: object, name: string | symbol, cost: Cost, patches: Patch[]): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (descriptor === undefined || typeof descriptor.value !== 'function') return;
  const original = descriptor.value as (...args: unknown[]) => unknown;
  patches.push({ target, name, descriptor });
  Object.defineProperty(target, name, {
    ...descriptor,
    value: function metered(this: unknown, ...args: unknown[]) {
      const r = original.apply(this, args);
      // The meter's own arithmetic calls no wrapped method; nested calls are charged once each.
      if (active) work += cost(this, args, r);
      return r;
    },
  });
}

/** Runs `fn` and returns its result with the characters its string work may have visited. */
export function measureWork<T>(fn: () => T): { result: T; work: number } {
  const patches: Patch[] = [];
  const stringPrototype = String.prototype as unknown as Record<string, unknown>;
  for (const [name, cost] of Object.entries(STRING_COSTS)) wrap(stringPrototype, name, cost, patches);
  // A regular expression is charged its whole input (our parsers use anchored, bounded ones);
  // a global or sticky one, called again and again by replace or split, only what it moved over.
  const execDescriptor = Object.getOwnPropertyDescriptor(RegExp.prototype, 'exec')!;
  const exec = execDescriptor.value as (this: RegExp, input: string) => RegExpExecArray | null;
  patches.push({ target: RegExp.prototype, name: 'exec', descriptor: execDescriptor });
  Object.defineProperty(RegExp.prototype, 'exec', {
    ...execDescriptor,
    value: function meteredExec(this: RegExp, input: string) {
      const start = this.global || this.sticky ? this.lastIndex : 0;
      const match = exec.call(this, input);
      if (active) work += match === null ? len(input) - start : match.index + match[0].length - start + 1;
      return match;
    },
  });
  wrap(globalThis, 'decodeURIComponent', firstArgument, patches);
  wrap(globalThis, 'encodeURIComponent', firstArgument, patches);
  wrap(JSON, 'parse', firstArgument, patches);
  wrap(JSON, 'stringify', result, patches);
  wrap(TextDecoder.prototype, 'decode', firstArgument, patches);
  wrap(TextEncoder.prototype, 'encode', firstArgument, patches);
  wrap(TextEncoder.prototype, 'encodeInto', firstArgument, patches);
  const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as object;
  wrap(typedArray, 'indexOf', typedIndexOfCost, patches);
  wrap(typedArray, 'slice', result, patches);
  wrap(typedArray, 'subarray', result, patches);
  wrap(Array.prototype, 'join', result, patches);
  const buffer = (globalThis as { Buffer?: object }).Buffer;
  if (buffer !== undefined) wrap(buffer, 'byteLength', firstArgument, patches);

  work = 0;
  active = true;
  try {
    const value = fn();
    return { result: value, work };
  } finally {
    active = false;
    for (let i = patches.length - 1; i >= 0; i--) {
      const { target, name, descriptor } = patches[i]!;
      Object.defineProperty(target, name, descriptor);
    }
  }
}
