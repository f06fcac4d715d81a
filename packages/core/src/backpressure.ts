/**
 * Backpressure (design decision 8): when the transport stays unhealthy — its queue full,
 * rate limited, or failing — new traces are sampled at a lower rate, so overload loses
 * whole traces at the head instead of pieces of every trace at the queue.
 *
 * The exporter judges health and calls {@link Backpressure.update} at a fixed interval;
 * `SentrySampler` reads {@link Backpressure.factor} for every new trace. The two meet on
 * the shared client (`client.backpressure`), which is why the pipeline needs one client.
 *
 * The policy is sentry-python's `Monitor`: each unhealthy check halves the rate (down to
 * 1/1024), one healthy check restores it. Halving step by step finds the rate the
 * transport can carry without guessing it; restoring at once avoids sampling less than
 * needed for minutes after a short outage.
 */

/** Most halvings: the rate never falls below 1/1024 of the configured one. */
export const MAX_DOWNSAMPLE_STEPS = 10;

/** Shared transport health, read by the sampler. */
export class Backpressure {
  #steps = 0;
  #factor = 1;

  /** How many times the rate is halved now (0 = healthy). */
  get steps(): number {
    return this.#steps;
  }

  /** What new traces' sample rate is multiplied by: `2^-steps`, 1 when healthy. */
  get factor(): number {
    return this.#factor;
  }

  /**
   * Records the outcome of one health check: unhealthy halves the rate once more, healthy
   * restores it. Returns the new factor.
   */
  update(healthy: boolean): number {
    this.#steps = healthy ? 0 : Math.min(MAX_DOWNSAMPLE_STEPS, this.#steps + 1);
    this.#factor = 2 ** -this.#steps;
    return this.#factor;
  }
}
