/**
 * `validateSentrySetup`: finds the hand-made set-ups that fail silently (Sentry's
 * `validateOpenTelemetrySetup()`): parts that do not share one client (the sample rate of one,
 * the environment of another, hooks that never fire), a provider without `SentrySampler`
 * (`tracesSampleRate`, the DSC's `sample_rate` and backpressure are ignored), no
 * `SentrySpanProcessor`, no `SentryPropagator`, or W3C propagators listed after it in a
 * `CompositePropagator` (W3C baggage would overwrite Sentry's `baggage` members, W3C trace
 * context would override `sentry-trace` on extract).
 *
 * The parts are recognised by shape, not `instanceof`, so a second copy of a package in
 * `node_modules` is still recognised. Nothing here throws.
 */
import { type Client, isClient } from '@otel-sentry/core';
import { nodeDiag } from './diag.js';

/** What a hand-made set-up consists of; give what you built. */
export interface SetupParts {
  /** The sampler given to the provider (`NodeSDK`'s `sampler`). */
  readonly sampler?: unknown;
  /** The span processors given to the provider. */
  readonly spanProcessors?: readonly unknown[] | undefined;
  /**
   * The propagator given to `NodeSDK` (`textMapPropagator`) or `propagation.setGlobalPropagator`.
   * Default: the global one, where the OpenTelemetry API lets it be read.
   */
  readonly propagator?: unknown;
  /** The exporter given to `SentrySpanProcessor`. */
  readonly exporter?: unknown;
}

/** The kinds of problem {@link validateSentrySetup} reports. */
export type SetupProblemCode =
  | 'missing-sampler'
  | 'missing-span-processor'
  | 'missing-propagator'
  | 'propagator-order'
  | 'clients-differ';

/** One problem of a set-up: a stable code and a message that says the fix. */
export interface SetupProblem {
  readonly code: SetupProblemCode;
  readonly message: string;
}

type Named = { readonly name: string; readonly client: Client };

const FIX = 'Build all parts with createSentrySetup() of @otel-sentry/node, or give each the same `client`.';

/**
 * Checks a hand-made set-up and returns its problems (none: `[]`). Each is also reported
 * through `diag.warn` (`otel-sentry/node`). `createSentrySetup` calls it itself when
 * `NODE_ENV` is not `production`.
 */
export function validateSentrySetup(parts: SetupParts): SetupProblem[] {
  const problems: SetupProblem[] = [];
  try {
    check(parts, problems);
  } catch (error) {
    nodeDiag.debug('set-up validation could not finish', error);
  }
  for (const problem of problems) nodeDiag.warn(`set-up: ${problem.message}`);
  return problems;
}

function check(parts: SetupParts, problems: SetupProblem[]): void {
  const withClient: Named[] = [];

  if ('sampler' in parts) {
    if (isSentrySampler(parts.sampler)) withClient.push({ name: 'SentrySampler', client: parts.sampler.client });
    else
      problems.push({
        code: 'missing-sampler',
        message:
          `the sampler is ${describe(parts.sampler)}, not SentrySampler: tracesSampleRate, the DSC's sample_rate ` +
          'and backpressure are ignored. Give the provider `sampler: new SentrySampler({ client })`.',
      });
  }

  if (parts.spanProcessors !== undefined) {
    const processor = parts.spanProcessors.find(isSentrySpanProcessor);
    if (processor === undefined)
      problems.push({
        code: 'missing-span-processor',
        message:
          'no SentrySpanProcessor among the span processors: no transactions, no hooks. ' +
          'Add `new SentrySpanProcessor({ client, exporter })`.',
      });
    else withClient.push({ name: 'SentrySpanProcessor', client: processor.client });
  }

  const propagator = 'propagator' in parts ? parts.propagator : globalPropagator();
  if (propagator === undefined) {
    problems.push({
      code: 'missing-propagator',
      message:
        'no propagator is registered: no request carries trace headers and no incoming trace is continued. ' +
        'Give NodeSDK `textMapPropagator: setup.textMapPropagator`, or call propagation.setGlobalPropagator() with it.',
    });
  } else {
    const sentry = findSentryPropagator(propagator, problems);
    if (sentry === undefined)
      problems.push({
        code: 'missing-propagator',
        message:
          `the propagator (${describe(propagator)}) has no SentryPropagator: traces do not continue to or from ` +
          'services that run a Sentry SDK. Use createSentrySetup().textMapPropagator.',
      });
    else withClient.push({ name: 'SentryPropagator', client: sentry.client });
  }

  if (parts.exporter !== undefined && hasClient(parts.exporter))
    withClient.push({ name: 'SentryEnvelopeExporter', client: parts.exporter.client });

  const first = withClient[0];
  const other = withClient.find((part) => part.client !== first?.client);
  if (first !== undefined && other !== undefined) {
    problems.push({
      code: 'clients-differ',
      message: `${first.name} and ${other.name} have different clients${differences(first.client, other.client)}: hooks on one never see the other, and each follows its own options. ${FIX}`,
    });
  }
}

function differences(a: Client, b: Client): string {
  const shown: string[] = [];
  for (const key of ['environment', 'release', 'tracesSampleRate'] as const) {
    if (a.options[key] !== b.options[key]) shown.push(`${key} ${String(a.options[key])} vs ${String(b.options[key])}`);
  }
  if ((a.options.dsn === undefined) !== (b.options.dsn === undefined)) shown.push('a DSN on one only');
  return shown.length > 0 ? ` (${shown.join(', ')})` : '';
}

function hasClient(value: unknown): value is { readonly client: Client } {
  return typeof value === 'object' && value !== null && isClient((value as { client?: unknown }).client);
}

function isSentrySampler(value: unknown): value is { readonly client: Client } {
  return (
    hasClient(value) &&
    typeof (value as { shouldSample?: unknown }).shouldSample === 'function' &&
    String(value).startsWith('SentrySampler')
  );
}

function isSentrySpanProcessor(value: unknown): value is { readonly client: Client } {
  return (
    hasClient(value) &&
    typeof (value as { onStart?: unknown }).onStart === 'function' &&
    typeof (value as { takeDiscards?: unknown }).takeDiscards === 'function'
  );
}

type PropagatorLike = { fields(): string[]; inject: unknown; extract: unknown };

function isPropagator(value: unknown): value is PropagatorLike {
  const v = value as Partial<PropagatorLike> | null;
  return typeof v === 'object' && v !== null && typeof v.fields === 'function' && typeof v.inject === 'function';
}

function isSentryPropagator(value: unknown): value is PropagatorLike & { readonly client: Client } {
  return isPropagator(value) && hasClient(value) && value.fields().includes('sentry-trace');
}

/**
 * The SentryPropagator inside `propagator`: itself, the `sentry` member of this package's
 * composite, or a member of OpenTelemetry's `CompositePropagator` (whose order is checked).
 */
function findSentryPropagator(
  propagator: unknown,
  problems: SetupProblem[],
): (PropagatorLike & { readonly client: Client }) | undefined {
  if (isSentryPropagator(propagator)) return propagator;
  const ours = (propagator as { sentry?: unknown } | null)?.sentry;
  if (isSentryPropagator(ours)) return ours;
  // OpenTelemetry's CompositePropagator keeps its members in `_propagators` (1.x through 3.x).
  const members = (propagator as { _propagators?: unknown } | null)?._propagators;
  if (!Array.isArray(members)) return undefined;
  const index = members.findIndex(isSentryPropagator);
  if (index < 0) return undefined;
  const after = members.slice(index + 1).filter(isPropagator);
  const w3c = after.filter((p) => p.fields().some((f) => f === 'traceparent' || f === 'baggage'));
  if (w3c.length > 0) {
    problems.push({
      code: 'propagator-order',
      message:
        `${w3c.map(describe).join(' and ')} come after SentryPropagator in the CompositePropagator: ` +
        "on inject W3C baggage overwrites Sentry's baggage members, on extract traceparent overrides " +
        'sentry-trace. List SentryPropagator last, or use createSentrySetup().textMapPropagator.',
    });
  }
  return members[index] as PropagatorLike & { readonly client: Client };
}

// The API keeps the registered propagator behind a private method; read it where it exists.
function globalPropagator(): unknown {
  const api = (globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')] as
    | { propagation?: unknown }
    | undefined;
  return api?.propagation;
}

function describe(value: unknown): string {
  if (value === undefined) return 'none';
  if (value === null || typeof value !== 'object') return String(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : 'an object';
}
