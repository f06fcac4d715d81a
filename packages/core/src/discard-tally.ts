/**
 * Counts of dropped items by reason and category: the body of a client report
 * (`discarded_events`). The exporter's client reports and the span processor's drop counter
 * both keep one. A sampler drops on most requests of a service, so adding costs two lookups
 * in maps of a handful of entries and builds no key string.
 */
import type { DataCategory } from './envelope.js';
import type { ClientReport, DiscardReason } from './types.js';

/** One line of a tally: how many items of `category` were dropped for `reason`. */
export type DiscardedCount = ClientReport['discarded_events'][number];

export class DiscardTally {
  readonly #lines = new Map<DiscardReason, Map<DataCategory, number>>();

  /** Adds `quantity` (the caller checks it is a positive count). */
  add(reason: DiscardReason, category: DataCategory, quantity: number): void {
    let byCategory = this.#lines.get(reason);
    if (byCategory === undefined) {
      byCategory = new Map();
      this.#lines.set(reason, byCategory);
    }
    byCategory.set(category, (byCategory.get(category) ?? 0) + quantity);
  }

  /** Whether nothing was added since the last {@link DiscardTally.clear}. */
  get isEmpty(): boolean {
    return this.#lines.size === 0;
  }

  /** The lines: grouped by reason in the order each was first added, and so its categories. */
  lines(): DiscardedCount[] {
    const out: DiscardedCount[] = [];
    for (const [reason, byCategory] of this.#lines) {
      for (const [category, quantity] of byCategory) out.push({ reason, category, quantity });
    }
    return out;
  }

  clear(): void {
    this.#lines.clear();
  }
}
