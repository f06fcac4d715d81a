/**
 * Internal (not exported from the package entry point).
 * Counts what the span processor and the sampler drop (design decision 6: nothing is lost
 * silently). Each drop is
 * - added to a tally that {@link DiscardCounter.take} drains (`takeDiscards()`),
 * - emitted on the client as the `discardedEvent` hook, so an exporter sharing the client
 *   can put it in its next client report,
 * - logged through diag: a warning the first time a reason/category pair is seen; later ones
 *   are only counted (a sampler drops on most requests: no string is built per drop, and the
 *   tally tells a new pair without a lookup of its own).
 */
import { type Client, type DataCategory, type DiscardReason, DiscardTally } from '@otel-sentry/core';
import { processorDiag } from './diag.js';
import type { DiscardedEvents } from './types.js';

/** The client hook each drop is emitted on: `(reason, category, quantity)`. */
export const DISCARDED_EVENT_HOOK = 'discardedEvent';

export class DiscardCounter {
  readonly #client: Client;
  readonly #tally = new DiscardTally();

  constructor(client: Client) {
    this.#client = client;
  }

  record(reason: DiscardReason, category: DataCategory, quantity: number, why: string): void {
    if (!(quantity > 0)) return;
    // The tally knows whether this reason/category pair is new: only then is it logged.
    if (this.#tally.add(reason, category, quantity)) {
      processorDiag.warn(
        `dropped ${quantity} ${category} (${reason}): ${why}; later drops of this kind are only counted`,
      );
    }
    if (this.#client.hasHooks(DISCARDED_EVENT_HOOK)) {
      this.#client.emit(DISCARDED_EVENT_HOOK, reason, category, quantity);
    }
  }

  take(): DiscardedEvents[] {
    if (this.#tally.isEmpty) return [];
    const out = this.#tally.lines();
    this.#tally.clear();
    return out;
  }
}
