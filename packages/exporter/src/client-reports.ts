/**
 * Client reports: every drop is counted per reason and category and sent now and then,
 * so nothing is lost silently (design decision 6).
 */
import type { ClientReport, DataCategory, DiscardReason } from '@otel-sentry/core';

/** Counts discarded items until they are taken into a report. */
export class ClientReportRecorder {
  readonly #counts = new Map<string, number>();

  /** Adds `quantity` drops of `category` for `reason`. */
  record(reason: DiscardReason, category: DataCategory, quantity = 1): void {
    if (!(quantity > 0) || !Number.isFinite(quantity)) return;
    const key = `${reason}:${category}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + Math.round(quantity));
  }

  /** Whether anything waits to be reported. */
  get isEmpty(): boolean {
    return this.#counts.size === 0;
  }

  /** The counts so far, without taking them. */
  snapshot(): ClientReport['discarded_events'] {
    const out: ClientReport['discarded_events'] = [];
    for (const [key, quantity] of this.#counts) {
      const colon = key.indexOf(':');
      out.push({
        reason: key.slice(0, colon) as DiscardReason,
        category: key.slice(colon + 1) as DataCategory,
        quantity,
      });
    }
    return out;
  }

  /** Takes the counts into a report and starts again from zero; `undefined` when there is nothing. */
  take(now: number = Date.now()): ClientReport | undefined {
    if (this.#counts.size === 0) return undefined;
    const report: ClientReport = { timestamp: now / 1000, discarded_events: this.snapshot() };
    this.#counts.clear();
    return report;
  }

  /** Puts back the counts of a report that could not be sent, so they ride with the next one. */
  restore(report: ClientReport): void {
    for (const e of report.discarded_events) this.record(e.reason, e.category, e.quantity);
  }
}
