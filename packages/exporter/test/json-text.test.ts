import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonNumber, jsonString, jsonStringUnlessDigits } from '../src/json-text.js';

describe('json-text', () => {
  it('jsonString equals JSON.stringify for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(jsonString(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 500 },
    );
  });
  it('jsonNumber equals JSON.stringify for any number', () => {
    fc.assert(
      fc.property(fc.double(), (n) => {
        expect(jsonNumber(n)).toBe(JSON.stringify(n));
      }),
      { numRuns: 500 },
    );
  });
  it('jsonStringUnlessDigits gives the literal, or undefined from minDigits digits on', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const digits = [...s].filter((c) => c >= '0' && c <= '9').length;
        expect(jsonStringUnlessDigits(s, 13)).toBe(digits >= 13 ? undefined : JSON.stringify(s));
      }),
      { numRuns: 500 },
    );
  });
});
