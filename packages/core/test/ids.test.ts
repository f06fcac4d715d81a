import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hrTimeToSeconds, normalizeReplayId, timestampInSeconds, uuid4, uuid4Dashed } from '../src/ids.js';

describe('uuid4', () => {
  it('gives 32 lowercase hex characters of a version 4, variant 1 UUID', () => {
    for (let i = 0; i < 50; i++) {
      expect(uuid4()).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    }
  });

  it('does not repeat itself', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uuid4()));
    expect(ids.size).toBe(1000);
  });
});

describe('uuid4Dashed', () => {
  it('gives the 8-4-4-4-12 form', () => {
    expect(uuid4Dashed()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('normalizeReplayId', () => {
  it('accepts UUIDs with or without dashes, in any case', () => {
    expect(normalizeReplayId('0123456789ABCDEF0123456789abcdef')).toBe('0123456789abcdef0123456789abcdef');
    expect(normalizeReplayId('01234567-89ab-cdef-0123-456789abcdef')).toBe('0123456789abcdef0123456789abcdef');
    expect(normalizeReplayId(' 01234567-89ab-cdef-0123-456789abcdef\t')).toBe('0123456789abcdef0123456789abcdef');
  });

  it('rejects anything else', () => {
    for (const bad of [
      undefined,
      null,
      42,
      '',
      '0'.repeat(32),
      '00000000-0000-0000-0000-000000000000',
      '0123456789abcdef0123456789abcdeg',
      '0123456789abcdef0123456789abcde',
      '01234567-89ab-cdef-0123_456789abcdef',
      '0123456789-ab-cdef-0123-456789abcdef',
      '01234567-89ab-cdef-0123-456789abcde-',
    ]) {
      expect(normalizeReplayId(bad)).toBeUndefined();
    }
  });

  it('gives 32 lowercase hex or undefined for any input, and is idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uuid(),
          fc.uuid().map((u) => u.replaceAll('-', '').toUpperCase()),
        ),
        (value) => {
          const id = normalizeReplayId(value);
          if (id !== undefined) {
            expect(id).toMatch(/^[0-9a-f]{32}$/);
            expect(normalizeReplayId(id)).toBe(id);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accepts every non-nil UUID', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        fc.pre(uuid !== '00000000-0000-0000-0000-000000000000');
        expect(normalizeReplayId(uuid)).toBe(uuid.replaceAll('-', ''));
      }),
      { numRuns: 100 },
    );
  });
});

describe('time', () => {
  it('timestampInSeconds is the current time in float seconds', () => {
    const before = Date.now() / 1000;
    const now = timestampInSeconds();
    const after = Date.now() / 1000;
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
  });

  it('hrTimeToSeconds converts [seconds, nanoseconds]', () => {
    expect(hrTimeToSeconds([1700000000, 500_000_000])).toBe(1700000000.5);
    expect(hrTimeToSeconds([0, 1])).toBe(1e-9);
    expect(hrTimeToSeconds([12, 0])).toBe(12);
  });
});
