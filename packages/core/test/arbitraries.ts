/**
 * Arbitraries shared by the property tests.
 *
 * `fc.string({ unit: 'binary' })` spends more than a second building its tables the first
 * time it is used, in every test file; these cover the same ground for a fraction of that.
 */
import fc from 'fast-check';

const SURROGATES = 0xe000 - 0xd800;

/** Any Unicode scalar value (every code point but the surrogates). */
export const codePoint: fc.Arbitrary<string> = fc
  .oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0xffff - SURROGATES }),
    fc.integer({ min: 0, max: 0x10ffff - SURROGATES }),
  )
  .map((n) => String.fromCodePoint(n >= 0xd800 ? n + SURROGATES : n));

/** A well-formed Unicode string: any code point, never a lone surrogate. */
export function unicodeString(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ ...constraints, unit: codePoint });
}

/** Any UTF-16 string, lone surrogates included. */
export function utf16String(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ ...constraints, unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
}
