/**
 * Internal (not exported from the package entry point).
 * The checks every component of this package makes on its options argument before anything
 * else (design decision 13), with core's option checks: the argument is an options object,
 * unknown option names are reported through `diag`, `client` is a client, and a client option
 * given beside `client` matches the client's. Returns the client to use: the given one, or one
 * made from the client options.
 */
import {
  CLIENT_OPTION_NAMES,
  type Client,
  checkOptionsBesideClient,
  clientOption,
  createClient,
  optionsObject,
  pickClientOptions,
  reportUnknownOptions,
} from '@otel-sentry/core';

/** What {@link checkedOptions} gives: the options as an object, and the client to use. */
export interface CheckedOptions {
  readonly options: Readonly<Record<string, unknown>>;
  readonly client: Client;
}

/**
 * Checks `input` (see the module comment). `own` names the component's own options, beside
 * `client` and the client options; `example` is the call shown when `input` is no object.
 */
export function checkedOptions(
  component: string,
  input: unknown,
  own: readonly string[],
  example: string,
): CheckedOptions {
  const options = optionsObject(component, input, example);
  reportUnknownOptions(component, options, new Set([...own, 'client', ...CLIENT_OPTION_NAMES]));
  const given = clientOption(component, options.client);
  if (given !== undefined) {
    checkOptionsBesideClient(component, options, given);
    return { options, client: given };
  }
  return { options, client: createClient(pickClientOptions(options)) };
}
