/**
 * Client reports: every drop is counted per reason and category and sent now and then,
 * so nothing is lost silently (design decision 6).
 */
import type { ClientReport, DataCategory, DiscardReason } from '@otel-sentry/core';

/** Counts discarded items until they are taken into a report. */
export class ClientReportRecorder {
  // By reason, then category: a sampler drops on most requests, so a drop must not build a key
  // string; two lookups in maps of a handful of entries.
  readonly #counts = new Map<DiscardReason, Map<DataCategory, number>>();
  #size = 0;

  /** Adds `quantity` drops of `category` for `reason`. */
  record(reason: DiscardReason, category: DataCategory, quantity = 1): void {
    if (!(quantity > 0) || !Number.isFinite(quantity)) return;
    let byCategory = this.#counts.get(reason);
    if (byCategory === undefined) {
      byCategory = new Map();
      this.#counts.set(reason, byCategory);
    }
    const before = byCategory.get(category);
    if (before === undefined) this.#size++;
    byCategory.set(category, (before ?? 0) + Math.round(quantity));
  }

  /** Whether anything waits to be reported. */
  get isEmpty(): boolean {
    return this.#size === 0;
  }

  /** The counts so far, without taking them. */
  snapshot(): ClientReport['discarded_events'] {
    const out: ClientReport['discarded_events'] = [];
    for (const [reason, byCategory] of this.#counts) {
      for (const [category, quantity] of byCategory) out.push({ reason, category, quantity });
    }
    return out;
  }

  /** Takes the counts into a report and starts again from zero; `undefined` when there is nothing. */
  take(now: number = Date.now()): ClientReport | undefined {
    if (this.#size === 0) return undefined;
    const report: ClientReport = { timestamp: now / 1000, discarded_events: this.snapshot() };
    this.#counts.clear();
    this.#size = 0;
    return report;
  }

  /** Puts back the counts of a report that could not be sent, so they ride with the next one. */
  restore(report: ClientReport): void {
    for (const e of report.discarded_events) this.record(e.reason, e.category, e.quantity);
  }
}
