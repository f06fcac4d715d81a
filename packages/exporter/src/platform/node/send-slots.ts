/**
 * The Node transport's bound on requests out at once (`maxRequests`), shared by the direct
 * route and the proxy route. (The sends not settled yet are in `SendDeadlines`.)
 */

/** A send waiting for a slot. */
export interface Dispatchable {
  /** Called once a slot is its own; it then holds it until it calls {@link SendSlots.release}. */
  dispatch(): void;
}

export class SendSlots {
  readonly #max: number;
  /** Sends ready to go, waiting for one of the slots. */
  readonly #waiting: Dispatchable[] = [];
  #active = 0;
  #drainScheduled = false;
  #closed = false;

  constructor(max: number) {
    this.#max = max >= 1 ? Math.floor(max) : 1;
  }

  /** Dispatches `send` now if fewer than the bound are out, else when one ends. */
  acquire(send: Dispatchable): void {
    if (this.#active < this.#max) {
      this.#active++;
      send.dispatch();
    } else {
      this.#waiting.push(send);
    }
  }

  /** Forgets a send that settled while it waited for a slot. */
  forget(send: Dispatchable): void {
    const index = this.#waiting.indexOf(send);
    if (index >= 0) this.#waiting.splice(index, 1);
  }

  /**
   * Frees a slot. The next send goes on the next tick: a request's `close` comes just before its
   * socket returns to the pool, and the next request should find that socket there.
   */
  release(): void {
    this.#active--;
    if (this.#drainScheduled || this.#waiting.length === 0) return;
    this.#drainScheduled = true;
    process.nextTick(this.#drain);
  }

  readonly #drain = (): void => {
    this.#drainScheduled = false;
    while (!this.#closed && this.#active < this.#max && this.#waiting.length > 0) {
      const next = this.#waiting.shift()!;
      this.#active++;
      next.dispatch();
    }
  };

  /** Nothing waiting is dispatched after (the transport aborts the sends themselves). */
  close(): void {
    this.#closed = true;
    this.#waiting.length = 0;
  }
}
