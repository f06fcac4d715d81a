/**
 * A light `Context` for the contexts a request's trace lives in.
 *
 * OpenTelemetry's own context (`BaseContext` of `@opentelemetry/api`) copies its whole `Map`
 * and makes three closures for every `setValue`. A continued request sets a value several times
 * on its way in (the span context, the frozen DSC, the replay id, the `sentry-trace` flags; then
 * the HTTP instrumentation's span and RPC metadata; then each child's span), and at one request
 * per trace that copying is a measurable share of a busy service's time (~1 µs a request, with
 * ~1 kB of garbage). A `FlatContext` keeps the values set on top of a parent context in one
 * short array: `setValue` copies a few slots, `getValue` compares a few keys, and the parent
 * answers for the rest. Every context derived from it is flat too, so the parent chain stays
 * one level deep.
 *
 * Semantics are the `Context` interface's: immutable, `setValue` and `deleteValue` return a new
 * context, a deleted key reads `undefined` even when the parent holds it.
 */
import type { Context } from '@opentelemetry/api';

/**
 * Most keys kept in the array. Past it (a context nobody builds in practice), the values go
 * into the parent's own kind of context, so no lookup scans a long list.
 */
const MAX_OWN_KEYS = 16;

class FlatContext implements Context {
  readonly #parent: Context;
  /** `[key0, value0, key1, value1, …]`; a key appears once. `undefined` values shadow the parent. */
  readonly #entries: unknown[];

  constructor(parent: Context, entries: unknown[]) {
    this.#parent = parent;
    this.#entries = entries;
  }

  getValue(key: symbol): unknown {
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i += 2) {
      if (entries[i] === key) return entries[i + 1];
    }
    return this.#parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i += 2) {
      if (entries[i] === key) {
        const next = entries.slice();
        next[i + 1] = value;
        return new FlatContext(this.#parent, next);
      }
    }
    if (entries.length >= MAX_OWN_KEYS * 2) return this.#spill().setValue(key, value);
    const next = entries.slice();
    next.push(key, value);
    return new FlatContext(this.#parent, next);
  }

  deleteValue(key: symbol): Context {
    return this.setValue(key, undefined);
  }

  /** The same values in the parent's kind of context (deleted keys deleted there). */
  #spill(): Context {
    let context = this.#parent;
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i += 2) {
      const key = entries[i] as symbol;
      const value = entries[i + 1];
      context = value === undefined ? context.deleteValue(key) : context.setValue(key, value);
    }
    return context;
  }
}

/**
 * `ctx` as a flat context: the same values, and `setValue` on it (and on
 * every context derived from it) copies a short array instead of a `Map` and three closures.
 * Returns `ctx` itself when it is one already. For a propagator's `extract`, which sets several
 * values on the context a request's whole trace then descends from.
 */
export function flatContext(ctx: Context): Context {
  return ctx instanceof FlatContext ? ctx : new FlatContext(ctx, []);
}
