/**
 * The sends of a transport not settled yet, with their deadlines: `close` aborts them all, and
 * one timer times them out, instead of a `setTimeout` and a `clearTimeout` per envelope. The
 * sends of one transport share one timeout, so their deadlines come in the order they
 * started, and a `Set` (which keeps insertion order) holds them oldest first. The timer is
 * armed for the oldest; when it fires, the expired ones time out and it is armed again for the
 * next. A send that settles leaves the set; the timer is not cleared then (when it fires early
 * it finds nothing due and re-arms), so a busy transport touches the timer list about once per
 * timeout, not twice per envelope.
 */

/** A send not settled yet. */
export interface Expiring {
  /** `Date.now()` at which it times out. */
  readonly deadline: number;
  /** Called once, when the deadline passed before the send settled. */
  timeOut(): void;
  /** Ends the send at once with `error` (the transport is closing). */
  abort(error: Error): void;
}

export class SendDeadlines {
  readonly #sends = new Set<Expiring>();
  #timer: NodeJS.Timeout | undefined;

  /** Watches `send`, whose deadline is no earlier than that of any send added before. */
  add(send: Expiring): void {
    this.#sends.add(send);
    if (this.#timer === undefined) this.#arm(send.deadline);
  }

  /** Stops watching `send` (it settled). */
  delete(send: Expiring): void {
    this.#sends.delete(send);
  }

  /** Aborts every send not settled yet; none of them times out after. */
  abortAll(error: Error): void {
    const sends = [...this.#sends];
    this.#sends.clear();
    for (const send of sends) send.abort(error);
  }

  #arm(deadline: number): void {
    // Unref'd: a pending deadline keeps no process alive (the request's socket decides that).
    this.#timer = setTimeout(this.#fire, Math.max(1, deadline - Date.now()));
    this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = Date.now();
    for (const send of this.#sends) {
      if (send.deadline > now) {
        this.#arm(send.deadline);
        return;
      }
      // Out first: whatever `timeOut` does, the send is never timed out twice.
      this.#sends.delete(send);
      try {
        send.timeOut();
      } catch {
        // A send never throws from `timeOut`; nothing may reach the host from a timer.
      }
    }
  };
}
