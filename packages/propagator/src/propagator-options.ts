/**
 * Internal (not exported from the package entry point).
 * The propagator's options, checked once at construction (design decision 13) with core's
 * option checks: a wrong type throws an `InvalidOptionError` that names the option, what was
 * given and what is expected; an unknown name is reported through `diag`; a client option
 * given beside `client` must match the client's.
 */
import {
  arrayOption,
  booleanOption,
  type Client,
  checkOptionsBesideClient,
  clientOption,
  createClient,
  functionOption,
  optionsObject,
  pickClientOptions,
  reportUnknownOptions,
} from '@otel-sentry/core';
import type { ReplayIdSource, SentryPropagatorOptions, TracePropagationTarget } from './types.js';

const C = 'otel-sentry/propagator';

const OWN_OPTIONS = ['client', 'tracePropagationTargets', 'propagateTraceparent', 'sentryTraceFlags', 'getReplayId'];
// The client options the propagator passes on to createClient when it makes its own client.
const CLIENT_OPTIONS = ['dsn', 'release', 'environment', 'tracesSampleRate', 'orgId', 'strictTraceContinuation', 'env'];
const KNOWN: ReadonlySet<string> = new Set([...OWN_OPTIONS, ...CLIENT_OPTIONS]);

/** What the propagator runs with. */
export interface ResolvedPropagatorOptions {
  readonly client: Client;
  readonly targets: readonly TracePropagationTarget[] | undefined;
  readonly propagateTraceparent: boolean;
  readonly sentryTraceFlags: boolean;
  readonly replayIdSource: ReplayIdSource | undefined;
}

function isTarget(target: unknown): boolean {
  return typeof target === 'string' || target instanceof RegExp || typeof target === 'function';
}

/** Checks and resolves the options; throws `InvalidOptionError` for one that cannot work. */
export function resolvePropagatorOptions(input: SentryPropagatorOptions | undefined): ResolvedPropagatorOptions {
  const options = optionsObject(C, input, '{ client, tracePropagationTargets }');
  reportUnknownOptions(C, options, KNOWN);
  const given = clientOption(C, options.client);
  const targets = arrayOption<TracePropagationTarget>(
    C,
    'tracePropagationTargets',
    options.tracePropagationTargets,
    isTarget,
    'an array of strings, regular expressions and functions of the URL',
  );
  const propagateTraceparent = booleanOption(C, 'propagateTraceparent', options.propagateTraceparent, false);
  const sentryTraceFlags = booleanOption(C, 'sentryTraceFlags', options.sentryTraceFlags, false);
  const replayIdSource = functionOption<ReplayIdSource>(C, 'getReplayId', options.getReplayId);
  let client: Client;
  if (given !== undefined) {
    checkOptionsBesideClient(C, options, given);
    client = given;
  } else {
    client = createClient(pickClientOptions(options, CLIENT_OPTIONS));
  }
  return {
    client,
    targets: targets === undefined ? undefined : Object.freeze([...targets]),
    propagateTraceparent,
    sentryTraceFlags,
    replayIdSource,
  };
}
