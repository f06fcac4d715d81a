import { describe, expect, it } from 'vitest';
import { safeStringify } from '../src/safe-json.js';

describe('safeStringify', () => {
  it('is JSON.stringify for what JSON can hold', () => {
    const value = { a: [1, 'x', null, true], b: { c: 'é' } };
    expect(safeStringify(value)).toBe(JSON.stringify(value));
  });

  it('never throws: cycles become "[Circular]", BigInts strings', () => {
    const cyclic: Record<string, unknown> = { name: 'root', n: 10n };
    cyclic.self = cyclic;
    expect(() => JSON.stringify(cyclic)).toThrow();
    expect(JSON.parse(safeStringify(cyclic))).toEqual({ name: 'root', n: '10', self: '[Circular]' });
  });

  it('writes null for what has no JSON form', () => {
    expect(safeStringify(undefined)).toBe('null');
    expect(safeStringify(() => 1)).toBe('null');
  });
});
