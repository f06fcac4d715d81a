import { describe, expect, it } from 'vitest';
import { DiscardTally } from '../src/index.js';

describe('DiscardTally', () => {
  it('adds up by reason and category, groups lines by reason, and clears', () => {
    const tally = new DiscardTally();
    expect(tally.isEmpty).toBe(true);
    tally.add('sample_rate', 'transaction', 1);
    tally.add('queue_overflow', 'span', 3);
    tally.add('sample_rate', 'span', 2);
    tally.add('sample_rate', 'transaction', 4);
    expect(tally.isEmpty).toBe(false);
    expect(tally.lines()).toEqual([
      { reason: 'sample_rate', category: 'transaction', quantity: 5 },
      { reason: 'sample_rate', category: 'span', quantity: 2 },
      { reason: 'queue_overflow', category: 'span', quantity: 3 },
    ]);
    tally.clear();
    expect(tally.isEmpty).toBe(true);
    expect(tally.lines()).toEqual([]);
  });

  it('tells a pair it has not met before, also across clear()', () => {
    const tally = new DiscardTally();
    expect(tally.add('sample_rate', 'span', 1)).toBe(true);
    expect(tally.add('sample_rate', 'span', 1)).toBe(false);
    expect(tally.add('sample_rate', 'transaction', 1)).toBe(true);
    tally.clear();
    // Counts start again from zero; the pair is still known, so a caller logs it once only.
    expect(tally.add('sample_rate', 'span', 2)).toBe(false);
    expect(tally.lines()).toEqual([{ reason: 'sample_rate', category: 'span', quantity: 2 }]);
  });

  it('forgets the pairs at clear() once too many were met, so made-up names cannot grow it', () => {
    const tally = new DiscardTally();
    for (let i = 0; i < 65; i++) tally.add('send_error', `made_up_${i}` as 'span', 1);
    expect(tally.lines()).toHaveLength(65);
    tally.clear();
    expect(tally.lines()).toEqual([]);
    // Forgotten: the first pair counts as new again.
    expect(tally.add('send_error', 'made_up_0' as 'span', 1)).toBe(true);
    expect(tally.lines()).toEqual([{ reason: 'send_error', category: 'made_up_0', quantity: 1 }]);
  });
});
