/**
 * Internal (not exported from the package entry point).
 * Counts what the span processor and the sampler drop (design decision 6: nothing is lost
 * silently). Each drop is
 * - added to a tally that {@link DiscardCounter.take} drains (`takeDiscards()`),
 * - emitted on the client as the `discardedEvent` hook, so an exporter sharing the client
 *   can put it in its next client report,
 * - logged through diag: a warning the first time a reason/category pair is seen, debug after.
 */
import type { Client, DataCategory, DiscardReason } from '@otel-sentry/core';
import { processorDiag } from './diag.js';
import type { DiscardedEvents } from './types.js';

/** The client hook each drop is emitted on: `(reason, category, quantity)`. */
export const DISCARDED_EVENT_HOOK = 'discardedEvent';

export class DiscardCounter {
  readonly #client: Client;
  // Keyed by `reason:category`: a handful of keys at most, so the tally stays tiny.
  #tally = new Map<string, { reason: DiscardReason; category: DataCategory; quantity: number }>();
  readonly #warned = new Set<string>();

  constructor(client: Client) {
    this.#client = client;
  }

  record(reason: DiscardReason, category: DataCategory, quantity: number, why: string): void {
    if (!(quantity > 0)) return;
    const key = `${reason}:${category}`;
    const line = this.#tally.get(key);
    if (line === undefined) this.#tally.set(key, { reason, category, quantity });
    else line.quantity += quantity;

    if (this.#warned.has(key)) {
      processorDiag.debug(`dropped ${quantity} ${category} (${reason}): ${why}`);
    } else {
      this.#warned.add(key);
      processorDiag.warn(`dropped ${quantity} ${category} (${reason}): ${why}; later drops of this kind log at debug`);
    }
    if (this.#client.hasHooks(DISCARDED_EVENT_HOOK)) {
      this.#client.emit(DISCARDED_EVENT_HOOK, reason, category, quantity);
    }
  }

  take(): DiscardedEvents[] {
    if (this.#tally.size === 0) return [];
    const out = [...this.#tally.values()];
    this.#tally = new Map();
    return out;
  }
}
