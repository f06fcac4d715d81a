/**
 * The Node transport's bound on requests out at once (`maxRequests`), and its register of the
 * sends not settled yet, which `close` aborts. Shared by the direct route and the proxy route.
 */

/** A send waiting for a slot. */
export interface Dispatchable {
  /** Called once a slot is its own; it then holds it until it calls {@link SendSlots.release}. */
  dispatch(): void;
}

/** A send `close` can end. */
export interface Abortable {
  abort(error: Error): void;
}

export class SendSlots {
  readonly #max: number;
  /** Sends ready to go, waiting for one of the slots. */
  readonly #waiting: Dispatchable[] = [];
  /** Every send not settled yet. */
  readonly inFlight = new Set<Abortable>();
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

  /** Aborts every send not settled yet with `error`; nothing waiting is dispatched after. */
  close(error: Error): void {
    this.#closed = true;
    this.#waiting.length = 0;
    for (const send of [...this.inFlight]) send.abort(error);
  }
}
