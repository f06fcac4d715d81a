/**
 * Client reports: every drop is counted per reason and category and sent now and then,
 * so nothing is lost silently (design decision 6).
 */
import { type ClientReport, type DataCategory, type DiscardReason, DiscardTally } from '@otel-sentry/core';

/** Counts discarded items until they are taken into a report. */
export class ClientReportRecorder {
  readonly #tally = new DiscardTally();

  /** Adds `quantity` drops of `category` for `reason`. */
  record(reason: DiscardReason, category: DataCategory, quantity = 1): void {
    if (!(quantity > 0) || !Number.isFinite(quantity)) return;
    this.#tally.add(reason, category, Math.round(quantity));
  }

  /** Whether anything waits to be reported. */
  get isEmpty(): boolean {
    return this.#tally.isEmpty;
  }

  /** The counts so far, without taking them. */
  snapshot(): ClientReport['discarded_events'] {
    return this.#tally.lines();
  }

  /** Takes the counts into a report and starts again from zero; `undefined` when there is nothing. */
  take(now: number = Date.now()): ClientReport | undefined {
    if (this.#tally.isEmpty) return undefined;
    const report: ClientReport = { timestamp: now / 1000, discarded_events: this.#tally.lines() };
    this.#tally.clear();
    return report;
  }

  /** Puts back the counts of a report that could not be sent, so they ride with the next one. */
  restore(report: ClientReport): void {
    for (const e of report.discarded_events) this.record(e.reason, e.category, e.quantity);
  }
}
