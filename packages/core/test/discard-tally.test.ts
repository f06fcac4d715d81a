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
});
