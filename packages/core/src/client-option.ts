/**
 * The `client` option every plugin takes, and the one rule for options given beside it:
 * a client option (`dsn`, `release`, `tracesSampleRate`...) given together with `client` must
 * say what the client says. An equal one is accepted; a different one is an
 * {@link InvalidOptionError} at construction — otherwise one plugin would quietly follow its
 * own value while the others follow the client's (a DSC naming one project while the
 * exporter sends to another).
 */
import { CLIENT_OPTION_NAMES, type Client, type ClientOptions, createClient, isClient } from './client.js';
import { type Dsn, dsnToString } from './dsn.js';
import { describeValue, failOption, InvalidOptionError } from './option-checks.js';

/** An optional `client` option: a client made by `createClient`, or an error that says so. */
export function clientOption(component: string, value: unknown): Client | undefined {
  if (value === undefined) return undefined;
  if (!isClient(value)) failOption(component, 'client', 'a client made by createClient() of @otel-sentry/core', value);
  return value;
}

// Every client option but `env` (it says where defaults are read from), in the order
// messages name them.
const BESIDE_CLIENT = [...CLIENT_OPTION_NAMES].filter((name) => name !== 'env') as (keyof ClientOptions)[];

/**
 * The client options among `options` (those named in `names`, by default all of
 * {@link CLIENT_OPTION_NAMES}) that are set, to build a client from when none was given.
 */
export function pickClientOptions(
  options: Readonly<Record<string, unknown>>,
  names: Iterable<string> = CLIENT_OPTION_NAMES,
): ClientOptions {
  const picked: Record<string, unknown> = {};
  for (const name of names) if (options[name] !== undefined) picked[name] = options[name];
  return picked as ClientOptions;
}

// A DSN as messages may show it: never its secret.
function shownDsn(dsn: Dsn | undefined): string {
  return dsn === undefined ? 'none' : JSON.stringify(dsnToString(dsn));
}

/**
 * Checks the client options in `options` against `client` (see the module comment).
 * `env` is not compared: it says where defaults are read from, and a client has read them already.
 * An empty `dsn` counts as not given.
 */
export function checkOptionsBesideClient(
  component: string,
  options: Readonly<Record<string, unknown>>,
  client: Client,
): void {
  const given: Record<string, unknown> = {};
  let any = false;
  for (const name of BESIDE_CLIENT) {
    const value = options[name];
    if (value === undefined || (name === 'dsn' && value === '')) continue;
    given[name] = value;
    any = true;
  }
  if (!any) return;
  // The given values, checked and resolved as createClient would: '  staging ' is 'staging'.
  let resolved: Client['options'];
  try {
    resolved = createClient({ ...(given as ClientOptions), env: false }).options;
  } catch (error) {
    // createClient names itself; the option was given to `component`.
    throw new InvalidOptionError((error as Error).message.replace(/^otel-sentry: /, `${component}: `));
  }
  const mine = client.options;
  for (const name of Object.keys(given) as Array<keyof ClientOptions>) {
    let same: boolean;
    let theirs: string;
    let ours: string;
    if (name === 'dsn') {
      // Blank text names no DSN: as absent as ''.
      if (resolved.dsn === undefined) continue;
      same = mine.dsn !== undefined && dsnToString(mine.dsn, true) === dsnToString(resolved.dsn, true);
      theirs = shownDsn(resolved.dsn);
      ours = shownDsn(mine.dsn);
    } else if (name === 'sdk') {
      same = mine.sdk?.name === resolved.sdk.name && mine.sdk?.version === resolved.sdk.version;
      theirs = describeValue(`${resolved.sdk.name}/${resolved.sdk.version}`);
      ours = mine.sdk ? describeValue(`${mine.sdk.name}/${mine.sdk.version}`) : 'none';
    } else {
      const a = resolved[name as keyof typeof resolved];
      const b = mine[name as keyof typeof mine];
      same = a === b;
      theirs = describeValue(a);
      ours = b === undefined ? 'none' : describeValue(b);
    }
    if (!same) {
      throw new InvalidOptionError(
        `${component}: option "${name}" is ${theirs} but the client given as "client" has ${ours}; ` +
          `an option given beside "client" must match it — set it once, in createClient()`,
      );
    }
  }
}
