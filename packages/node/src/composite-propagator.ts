/**
 * `SentryCompositePropagator`: `SentryPropagator` composed with OpenTelemetry's W3C
 * propagators so that `tracePropagationTargets` hold for all of them (design decisions 10, 12).
 *
 * OpenTelemetry's `CompositePropagator` would write `traceparent` to every request, whatever
 * the targets say: a cross-origin request then fails CORS, and a third party learns the trace
 * id. Here `traceparent`/`tracestate` go out only where `SentryPropagator` wrote `sentry-trace`
 * for the same inject — it is the one that knows the targets (and the URL of a span that is not
 * recorded) and leaves alone a carrier that already holds a `sentry-trace`. So the W3C trace
 * context propagator runs after it, gated on what it wrote, rather than with a second copy of the
 * target rules.
 *
 * Order, and why:
 * - extract: W3C trace context, W3C baggage (opt-in), then Sentry, so `sentry-trace` wins over
 *   `traceparent` when both arrived and Sentry's extract keeps the `tracestate` W3C read;
 * - inject: W3C baggage (opt-in) first, so Sentry appends its members to that `baggage` header
 *   and withholds the `sentry-` members it copied for a request outside the targets; then
 *   Sentry; then W3C trace context, only if Sentry wrote `sentry-trace`.
 */
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SentryPropagator } from '@otel-sentry/propagator';
import { nodeDiag } from './diag.js';

const SENTRY_TRACE_HEADER = 'sentry-trace';

/** Options of {@link SentryCompositePropagator}. */
export interface SentryCompositePropagatorOptions {
  /** The Sentry propagator; its `tracePropagationTargets` gate every header. */
  readonly sentry: SentryPropagator;
  /** Also propagate W3C `baggage` members of other vendors (`W3CBaggagePropagator`). Default `false`. */
  readonly w3cBaggage?: boolean | undefined;
}

/**
 * A `TextMapPropagator` for `NodeSDK`'s `textMapPropagator` or `propagation.setGlobalPropagator`:
 * `sentry-trace` + `baggage` of {@link SentryPropagator}, plus W3C `traceparent`/`tracestate`
 * under the same `tracePropagationTargets`, plus W3C `baggage` when `w3cBaggage` is set.
 * Never throws; a failing member is logged through `diag` and the others still run.
 */
export class SentryCompositePropagator implements TextMapPropagator {
  /** The Sentry member, whose client and targets the set-up shares. */
  readonly sentry: SentryPropagator;
  readonly #traceContext = new W3CTraceContextPropagator();
  readonly #baggage: W3CBaggagePropagator | undefined;
  readonly #fields: readonly string[];

  /** @param options - see {@link SentryCompositePropagatorOptions}. */
  constructor(options: SentryCompositePropagatorOptions) {
    this.sentry = options.sentry;
    this.#baggage = options.w3cBaggage === true ? new W3CBaggagePropagator() : undefined;
    const fields = new Set([...this.#traceContext.fields(), ...this.sentry.fields()]);
    for (const field of this.#baggage?.fields() ?? []) fields.add(field);
    this.#fields = Object.freeze([...fields]);
  }

  /** Whether W3C baggage of other vendors is propagated too. */
  get w3cBaggage(): boolean {
    return this.#baggage !== undefined;
  }

  /** W3C baggage (opt-in), then Sentry, then W3C trace context where Sentry wrote `sentry-trace`. Never throws. */
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (this.#baggage !== undefined) guard('W3C baggage inject', () => this.#baggage?.inject(context, carrier, setter));
    let wroteSentryTrace = false;
    const watching: TextMapSetter = {
      set(c, key, value) {
        if (key === SENTRY_TRACE_HEADER) wroteSentryTrace = true;
        setter.set(c, key, value);
      },
    };
    this.sentry.inject(context, carrier, watching);
    if (wroteSentryTrace) guard('W3C trace context inject', () => this.#traceContext.inject(context, carrier, setter));
  }

  /** W3C trace context, W3C baggage (opt-in), then Sentry, whose `sentry-trace` wins. Never throws. */
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let next = context;
    next = guard('W3C trace context extract', () => this.#traceContext.extract(next, carrier, getter)) ?? next;
    if (this.#baggage !== undefined) {
      const baggage = this.#baggage;
      next = guard('W3C baggage extract', () => baggage.extract(next, carrier, getter)) ?? next;
    }
    return this.sentry.extract(next, carrier, getter);
  }

  /** Every header the members write, once each. */
  fields(): string[] {
    return [...this.#fields];
  }
}

function guard<T>(what: string, run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    nodeDiag.error(`${what} failed; the other propagators still ran`, error);
    return undefined;
  }
}
