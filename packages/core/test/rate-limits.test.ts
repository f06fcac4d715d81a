import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_AFTER_MS, parseRetryAfter, RateLimits } from '../src/rate-limits.js';
import { unicodeString } from './arbitraries.js';

const NOW = Date.UTC(2026, 10, 21, 17, 0, 0);

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads an HTTP date, relative to now, never negative', () => {
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 17:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 16:00:00 GMT', NOW)).toBe(0);
    // the obsolete RFC 850 form
    expect(parseRetryAfter('Saturday, 21-Nov-26 17:02:00 GMT', NOW)).toBe(120_000);
  });

  it('does not read numbers with junk as dates', () => {
    for (const value of ['-5', '10abc', '1 2', '0x10', 'Infinity']) {
      expect(parseRetryAfter(value, NOW)).toBe(60_000);
    }
  });

  it('falls back to 60 s for a missing or unreadable value', () => {
    expect(DEFAULT_RETRY_AFTER_MS).toBe(60_000);
    expect(parseRetryAfter(undefined, NOW)).toBe(60_000);
    expect(parseRetryAfter(null, NOW)).toBe(60_000);
    expect(parseRetryAfter('', NOW)).toBe(60_000);
    expect(parseRetryAfter('soon', NOW)).toBe(60_000);
    expect(parseRetryAfter('-5', NOW)).toBe(60_000);
  });

  it('falls back to 60 s for values that are not strings', () => {
    expect(parseRetryAfter(30 as unknown as string, NOW)).toBe(60_000);
    expect(parseRetryAfter(['30'] as unknown as string, NOW)).toBe(60_000);
  });

  it('uses the current time by default', () => {
    const ms = parseRetryAfter(new Date(Date.now() + 3_600_000).toUTCString());
    expect(ms).toBeGreaterThan(3_500_000);
    expect(ms).toBeLessThanOrEqual(3_600_000);
  });
});

describe('RateLimits', () => {
  it('starts with nothing limited', () => {
    const limits = new RateLimits();
    expect(limits.isRateLimited('error', NOW)).toBe(false);
    expect(limits.isAnyRateLimited(NOW)).toBe(false);
    expect(limits.disabledUntil('error')).toBe(0);
  });

  it('reads X-Sentry-Rate-Limits categories, on any status', () => {
    const limits = new RateLimits();
    expect(limits.update({ statusCode: 200, rateLimits: '60:transaction;span:organization:quota' }, NOW)).toBe(true);
    expect(limits.isRateLimited('transaction', NOW)).toBe(true);
    expect(limits.isRateLimited('span', NOW + 59_999)).toBe(true);
    expect(limits.isRateLimited('span', NOW + 60_000)).toBe(false);
    expect(limits.isRateLimited('error', NOW)).toBe(false);
    expect(limits.disabledUntil('transaction')).toBe(NOW + 60_000);
  });

  it('limits every category for an empty category list', () => {
    const limits = new RateLimits();
    limits.update({ statusCode: 429, rateLimits: '30::organization' }, NOW);
    for (const category of ['error', 'transaction', 'session', 'internal', 'whatever']) {
      expect(limits.isRateLimited(category, NOW + 29_000)).toBe(true);
    }
    expect(limits.isRateLimited('error', NOW + 30_000)).toBe(false);
  });

  it('reads several limits and keeps the longest per category', () => {
    const limits = new RateLimits();
    limits.update({ statusCode: 429, rateLimits: '10:error;transaction, 50:error:key, 20:transaction' }, NOW);
    expect(limits.disabledUntil('error')).toBe(NOW + 50_000);
    expect(limits.disabledUntil('transaction')).toBe(NOW + 20_000);
    // a later, shorter limit does not shorten a running one
    expect(limits.update({ statusCode: 200, rateLimits: '5:error' }, NOW + 1000)).toBe(false);
    expect(limits.disabledUntil('error')).toBe(NOW + 50_000);
    // a later, longer one extends it
    expect(limits.update({ statusCode: 200, rateLimits: '100:error' }, NOW + 1000)).toBe(true);
    expect(limits.disabledUntil('error')).toBe(NOW + 101_000);
  });

  it('ignores unknown categories', () => {
    const limits = new RateLimits();
    expect(limits.update({ statusCode: 429, rateLimits: '60:made_up;other' }, NOW)).toBe(false);
    expect(limits.isAnyRateLimited(NOW)).toBe(false);
    limits.update({ statusCode: 200, rateLimits: '60:made_up;error' }, NOW);
    expect(limits.isRateLimited('error', NOW)).toBe(true);
    expect(limits.isRateLimited('made_up', NOW)).toBe(false);
  });

  it('ignores empty entries of the header', () => {
    const limits = new RateLimits();
    limits.update({ statusCode: 200, rateLimits: '60:transaction:key, ,' }, NOW);
    expect(limits.isRateLimited('transaction', NOW)).toBe(true);
    expect(limits.isRateLimited('error', NOW)).toBe(false);
  });

  it('falls back to 60 s for an unreadable number of seconds', () => {
    const limits = new RateLimits();
    limits.update({ statusCode: 200, rateLimits: 'abc:error' }, NOW);
    expect(limits.disabledUntil('error')).toBe(NOW + 60_000);
  });

  it('uses Retry-After on a 429 without the header', () => {
    const limits = new RateLimits();
    expect(limits.update({ statusCode: 429, retryAfter: '15' }, NOW)).toBe(true);
    expect(limits.isRateLimited('error', NOW + 14_999)).toBe(true);
    expect(limits.isRateLimited('transaction', NOW + 14_999)).toBe(true);
    expect(limits.isRateLimited('error', NOW + 15_000)).toBe(false);
  });

  it('reads Retry-After as an HTTP date', () => {
    const limits = new RateLimits();
    limits.update({ statusCode: 429, retryAfter: new Date(NOW + 90_000).toUTCString() }, NOW);
    expect(limits.disabledUntil('session')).toBe(NOW + 90_000);
  });

  it('blocks everything for 60 s on a bare 429', () => {
    const limits = new RateLimits();
    limits.update({ statusCode: 429 }, NOW);
    expect(limits.isRateLimited('error', NOW + 59_999)).toBe(true);
    expect(limits.isRateLimited('error', NOW + 60_000)).toBe(false);
    const blank = new RateLimits();
    blank.update({ statusCode: 429, rateLimits: '  ', retryAfter: null }, NOW);
    expect(blank.disabledUntil('span')).toBe(NOW + 60_000);
  });

  it('prefers X-Sentry-Rate-Limits over Retry-After', () => {
    const limits = new RateLimits();
    limits.update({ statusCode: 429, rateLimits: '10:error', retryAfter: '500' }, NOW);
    expect(limits.isRateLimited('error', NOW + 5000)).toBe(true);
    expect(limits.isRateLimited('transaction', NOW + 5000)).toBe(false);
  });

  it('does nothing for a success without the header, nor for other errors', () => {
    const limits = new RateLimits();
    expect(limits.update({ statusCode: 200 }, NOW)).toBe(false);
    expect(limits.update({ statusCode: 500, retryAfter: '10' }, NOW)).toBe(false);
    expect(limits.update({ statusCode: 413 }, NOW)).toBe(false);
    expect(limits.isAnyRateLimited(NOW)).toBe(false);
  });

  it('never throws on header values that are not strings', () => {
    const limits = new RateLimits();
    expect(() =>
      limits.update({ statusCode: 429, rateLimits: ['60:error'] as unknown as string, retryAfter: 5 as never }, NOW),
    ).not.toThrow();
    expect(limits.disabledUntil('error')).toBe(NOW + 60_000);
  });

  it('prunes limits that have run out', () => {
    const limits = new RateLimits();
    limits.update({ statusCode: 200, rateLimits: '10:error, 100:transaction' }, NOW);
    limits.prune(NOW + 50_000);
    expect(limits.disabledUntil('error')).toBe(0);
    expect(limits.disabledUntil('transaction')).toBe(NOW + 100_000);
    expect(limits.isAnyRateLimited(NOW + 50_000)).toBe(true);
    expect(limits.isAnyRateLimited(NOW + 100_000)).toBe(false);
  });

  it('never throws on arbitrary headers, and only ever limits known categories', () => {
    const known = new Set([
      'default',
      'error',
      'transaction',
      'span',
      'session',
      'attachment',
      'profile',
      'replay',
      'monitor',
      'log_item',
      'security',
      'feedback',
      'metric',
      'internal',
    ]);
    const header = fc.oneof(
      fc.string(),
      unicodeString(),
      fc.string({ unit: fc.constantFrom('1', '60', ':', ';', ',', ' ', 'error', 'span', 'nope', 'key', '-3') }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        header,
        fc.option(header, { nil: undefined }),
        (status, h, ra) => {
          const limits = new RateLimits();
          limits.update({ statusCode: status, rateLimits: h, retryAfter: ra }, NOW);
          // a category name that is not known can only be limited through "all"
          const all = limits.disabledUntil('no-such-category');
          for (const category of known) expect(limits.disabledUntil(category)).toBeGreaterThanOrEqual(all);
          expect(Number.isNaN(limits.disabledUntil('error'))).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
