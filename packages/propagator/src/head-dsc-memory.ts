/**
 * Internal (not exported from the package entry point).
 * The head DSC of each trace this propagator froze, by trace id: one trace, one DSC, whatever
 * the set-up.
 *
 * The span processor links every span to its local root, where the DSC is frozen once. With
 * only the propagator (a browser app with sdk-trace-web and the fetch instrumentation) nothing
 * links the spans: each fetch span would be a trace head of its own and rebuild the DSC on
 * every request, running `createDsc` hooks again and possibly sending other values. So the
 * propagator also remembers what it froze per trace id. Bounded: the least recently used
 * trace is forgotten first, and a browser has a handful of live traces while a service has
 * one per request in flight, far below the bound.
 */
import type { FrozenDsc } from '@otel-sentry/core';

/** Traces remembered at most. */
export const HEAD_DSC_MEMORY_SIZE = 1000;

export class HeadDscMemory {
  readonly #size: number;
  // A Map iterates in insertion order: the first key is the least recently used.
  readonly #byTrace = new Map<string, FrozenDsc>();

  constructor(size = HEAD_DSC_MEMORY_SIZE) {
    this.#size = size;
  }

  /** The DSC frozen for `traceId`, freezing the one `create` builds when there is none yet. */
  freeze(traceId: string, create: () => FrozenDsc): FrozenDsc {
    const known = this.#byTrace.get(traceId);
    if (known !== undefined) {
      this.#byTrace.delete(traceId);
      this.#byTrace.set(traceId, known);
      return known;
    }
    const frozen = create();
    if (this.#byTrace.size >= this.#size) {
      const oldest = this.#byTrace.keys().next();
      if (oldest.done !== true) this.#byTrace.delete(oldest.value);
    }
    this.#byTrace.set(traceId, frozen);
    return frozen;
  }

  /** How many traces are remembered (for tests). */
  get size(): number {
    return this.#byTrace.size;
  }
}
