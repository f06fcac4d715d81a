/**
 * Internal (not exported from the package entry point).
 * Checks `createSentrySetup`'s own options at construction (design decision 13); the client,
 * sampler, propagator and plugins check theirs as they are built.
 */
import {
  booleanOption,
  CLIENT_OPTION_NAMES,
  type Client,
  checkOptionsBesideClient,
  clientOption,
  describeValue,
  InvalidOptionError,
  optionsObject,
  reportUnknownOptions,
} from '@otel-sentry/core';
import type { SentryNodeSetupOptions, SetupExporterOptions, SetupSpanProcessorOptions } from './types.js';

const C = 'otel-sentry/node';

const OWN_OPTIONS = [
  'client',
  'tracePropagationTargets',
  'w3cBaggage',
  'sentryTraceFlags',
  'tracesSampler',
  'exporter',
  'spanProcessor',
  'validate',
] as const;

const KNOWN: ReadonlySet<string> = new Set([...CLIENT_OPTION_NAMES, ...OWN_OPTIONS]);

/** The set-up's options, checked. */
export interface CheckedSetupOptions {
  readonly options: SentryNodeSetupOptions;
  readonly client: Client | undefined;
  readonly w3cBaggage: boolean;
  readonly validate: boolean | undefined;
  readonly exporter: SetupExporterOptions;
  readonly spanProcessor: SetupSpanProcessorOptions;
}

// A nested option bag: a plain object without the parts the set-up builds itself.
function nestedOptions<T>(name: string, value: unknown, builtHere: readonly string[]): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(`${C}: option "${name}" must be an object of options, got ${describeValue(value)}`);
  }
  for (const key of builtHere) {
    if ((value as Record<string, unknown>)[key] !== undefined) {
      throw new InvalidOptionError(
        `${C}: option "${name}.${key}" is built by the set-up; give client options (dsn, release...) at the top level, or a client as "client"`,
      );
    }
  }
  return value as T;
}

/** @throws InvalidOptionError naming the option and the fix. */
export function checkSetupOptions(value: unknown): CheckedSetupOptions {
  const options = optionsObject(C, value, '{ dsn, release, tracePropagationTargets }') as SentryNodeSetupOptions;
  reportUnknownOptions(C, options, KNOWN);
  const client = clientOption(C, options.client);
  if (client !== undefined) checkOptionsBesideClient(C, options as Record<string, unknown>, client);
  return {
    options,
    client,
    w3cBaggage: booleanOption(C, 'w3cBaggage', options.w3cBaggage, false),
    validate: options.validate === undefined ? undefined : booleanOption(C, 'validate', options.validate, false),
    exporter: nestedOptions<SetupExporterOptions>('exporter', options.exporter, ['client', ...CLIENT_OPTION_NAMES]),
    spanProcessor: nestedOptions<SetupSpanProcessorOptions>('spanProcessor', options.spanProcessor, [
      'client',
      'exporter',
    ]),
  };
}
