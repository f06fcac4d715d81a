/**
 * Counts of dropped items by reason and category: the body of a client report
 * (`discarded_events`). The exporter's client reports and the span processor's drop counter
 * both keep one.
 *
 * A sampler drops on most requests of a service (a `transaction` and a `span` for the root, a
 * `span` for each child), and each drop is added twice: to the processor's tally and, through
 * the client hook, to the exporter's. So adding is a scan of a short array with identity
 * comparisons of the (literal) strings: no hashing, no key string, no allocation once a pair
 * has been seen. The pairs a service meets are few (a handful of reasons × categories).
 */
import type { DataCategory } from './envelope.js';
import type { ClientReport, DiscardReason } from './types.js';

/** One line of a tally: how many items of `category` were dropped for `reason`. */
export type DiscardedCount = ClientReport['discarded_events'][number];

interface Line {
  readonly reason: DiscardReason;
  readonly category: DataCategory;
  quantity: number;
}

/**
 * Pairs kept across {@link DiscardTally.clear} at most. Past it, `clear` forgets the pairs (a
 * caller that emits made-up reasons or categories cannot grow the tally without bound).
 */
const MAX_KEPT_PAIRS = 64;

export class DiscardTally {
  /** Every pair seen (since the last reset), zeroed rather than removed by `clear`. */
  #lines: Line[] = [];
  #empty = true;

  /**
   * Adds `quantity` (the caller checks it is a positive count). Returns true when this tally
   * has not met the pair before (since it was made, or since `clear` last forgot the pairs):
   * callers that log the first drop of a kind use it instead of a set of their own.
   */
  add(reason: DiscardReason, category: DataCategory, quantity: number): boolean {
    this.#empty = false;
    const lines = this.#lines;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.reason === reason && line.category === category) {
        line.quantity += quantity;
        return false;
      }
    }
    lines.push({ reason, category, quantity });
    return true;
  }

  /** Whether nothing was added since the last {@link DiscardTally.clear}. */
  get isEmpty(): boolean {
    return this.#empty;
  }

  /** The lines with a count: grouped by reason in the order each was first met, and so its categories. */
  lines(): DiscardedCount[] {
    const out: DiscardedCount[] = [];
    if (this.#empty) return out;
    const lines = this.#lines;
    for (let i = 0; i < lines.length; i++) {
      const reason = lines[i]!.reason;
      // The first line of its reason gathers the reason's lines; later ones were gathered.
      if (lines.findIndex((line) => line.reason === reason) !== i) continue;
      for (let j = i; j < lines.length; j++) {
        const line = lines[j]!;
        if (line.reason === reason && line.quantity > 0) {
          out.push({ reason, category: line.category, quantity: line.quantity });
        }
      }
    }
    return out;
  }

  /** Starts again from zero (the pairs stay known, up to {@link MAX_KEPT_PAIRS}). */
  clear(): void {
    this.#empty = true;
    if (this.#lines.length > MAX_KEPT_PAIRS) {
      this.#lines = [];
      return;
    }
    for (const line of this.#lines) line.quantity = 0;
  }
}
