/**
 * The client: the options of one otel-sentry set-up and its hook bus. The propagator, the
 * span processor and the exporter share one client when given `{ client }`, so a hook
 * registered once sees the whole pipeline.
 */

import { Backpressure } from './backpressure.js';
import { parseSampleRate } from './dsc.js';
import { type Dsn, type InvalidDsnError, parseDsn, type SdkInfo } from './dsn.js';
import { type AnyHookCallback, HookBus, type HookEmitter, type HookRegistry } from './hooks.js';
import {
  booleanOption,
  describeValue,
  failOption,
  InvalidOptionError,
  MAX_TIMER_MILLIS,
  millisOption,
  numberOption,
  optionsObject,
  reportUnknownOptions,
} from './option-checks.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

// Defined with the option checks; exported here too, where the client's users look for them.
export { describeValue, InvalidOptionError, MAX_TIMER_MILLIS };

/** Options of {@link createClient}. Each falls back to its environment variable, then its default. */
export interface ClientOptions {
  /**
   * Where to send. `SENTRY_DSN` when absent; `''` disables sending without reading it.
   * No DSN: nothing is sent to Sentry (the exporter keeps envelopes locally).
   */
  readonly dsn?: string | undefined;
  /** `SENTRY_RELEASE`. */
  readonly release?: string | undefined;
  /** `SENTRY_ENVIRONMENT`. Default `production`. */
  readonly environment?: string | undefined;
  /** Share of new traces to sample, 0..1. `SENTRY_TRACES_SAMPLE_RATE`. Default 1. */
  readonly tracesSampleRate?: number | undefined;
  /** The organization id; traces from another organization are not continued. Read from a `o123.` DSN host when absent. */
  readonly orgId?: string | undefined;
  /** Continue only traces whose `org_id` is known on both sides and equal. Default `false`. */
  readonly strictTraceContinuation?: boolean | undefined;
  /** Send personal data (IPs, cookies, auth headers) instead of scrubbing it. Default `false`. */
  readonly sendDefaultPii?: boolean | undefined;
  /** The SDK name and version written into envelopes. */
  readonly sdk?: SdkInfo | undefined;
  /**
   * One deadline, in milliseconds, for `forceFlush()` and `shutdown()` of every component on
   * this client: the span processor and the exporter together return within it even when the
   * network hangs. Default `2000`.
   */
  readonly shutdownTimeoutMillis?: number | undefined;
  /**
   * Where `SENTRY_*` variables are read from. Default: `process.env` where there is one.
   * `false` reads none.
   */
  readonly env?: Readonly<Record<string, string | undefined>> | false | undefined;
}

/** Options after defaults and environment variables are applied. */
export interface ResolvedClientOptions {
  readonly dsn: Dsn | undefined;
  /** `dsn: ''` was given: nothing goes to Sentry on purpose (no warning about a missing DSN). */
  readonly dsnDisabled: boolean;
  readonly release: string | undefined;
  readonly environment: string;
  /**
   * Where `environment` came from. `'default'` means nobody chose `production`, so a
   * component that knows better (an OpenTelemetry resource's
   * `deployment.environment.name`) may say otherwise.
   */
  readonly environmentSource: 'option' | 'env' | 'default';
  readonly tracesSampleRate: number;
  readonly orgId: string | undefined;
  readonly strictTraceContinuation: boolean;
  readonly sendDefaultPii: boolean;
  readonly sdk: SdkInfo;
  readonly shutdownTimeoutMillis: number;
}

/** Default of {@link ClientOptions.shutdownTimeoutMillis}: short, as a process exit cannot wait long. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 2000;

/** The names of {@link ClientOptions}: what `createClient` takes, and what a plugin passes on to it. */
export const CLIENT_OPTION_NAMES: ReadonlySet<string> = new Set<keyof ClientOptions>([
  'dsn',
  'release',
  'environment',
  'tracesSampleRate',
  'orgId',
  'strictTraceContinuation',
  'sendDefaultPii',
  'sdk',
  'shutdownTimeoutMillis',
  'env',
]);

/** The object that holds the options and the hook bus. */
export interface Client extends HookRegistry, HookEmitter {
  readonly options: ResolvedClientOptions;
  /**
   * Transport health shared by the exporter (which updates it) and the sampler (which
   * lowers the rate of new traces while it is unhealthy). Optional for clients made by
   * another copy of this package.
   */
  readonly backpressure?: Backpressure;
}

/**
 * The variables an `env` option names: the given record, none for `false`, and by default
 * `process.env` where the runtime has one (no Node import: browsers and edge runtimes have none).
 */
export function resolveEnv(
  env: Readonly<Record<string, string | undefined>> | false | undefined,
): Readonly<Record<string, string | undefined>> {
  if (env === false) return {};
  if (env !== undefined) return env;
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env ?? {};
}

function nonEmpty(value: string | undefined): string | undefined {
  const text = value?.trim();
  return text ? text : undefined;
}

const C = 'otel-sentry';

// `null` counts as absent: configuration read from elsewhere often says "none" that way.
function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') failOption(C, name, 'a string', value);
  return nonEmpty(value);
}

function envOption(value: unknown): ClientOptions['env'] {
  if (value === undefined || value === false) return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    failOption(C, 'env', 'an object of environment variables, or false to read none', value);
  }
  return value as Readonly<Record<string, string | undefined>>;
}

function sdkOption(value: unknown): SdkInfo {
  if (value === undefined || value === null) return { name: SDK_NAME, version: SDK_VERSION };
  const sdk = value as Partial<SdkInfo>;
  if (
    typeof value !== 'object' ||
    typeof sdk.name !== 'string' ||
    typeof sdk.version !== 'string' ||
    !sdk.name ||
    !sdk.version
  ) {
    failOption(
      C,
      'sdk',
      'an object with a non-empty name and version, e.g. { name: "my-sdk", version: "1.0.0" }',
      value,
    );
  }
  return { name: sdk.name, version: sdk.version };
}

// Sentry's SaaS DSN hosts start with the organization: `o123.ingest.sentry.io`.
function orgIdFromDsn(dsn: Dsn | undefined): string | undefined {
  return dsn ? /^o(\d+)\./.exec(dsn.host)?.[1] : undefined;
}

/**
 * Creates a client. Validates everything now — a bad DSN or sample rate throws here,
 * with a message that names the option — so nothing fails later at run time.
 */
export function createClient(options: ClientOptions = {}): Client {
  optionsObject(C, options, '{ dsn, release, tracesSampleRate }');
  reportUnknownOptions(C, options, CLIENT_OPTION_NAMES);
  const env = resolveEnv(envOption(options.env));

  // An explicit empty `dsn` means "send nothing to Sentry", as in Sentry's SDKs; only an
  // absent one falls back to SENTRY_DSN.
  const dsnText = options.dsn === '' ? undefined : (optionalString('dsn', options.dsn) ?? nonEmpty(env.SENTRY_DSN));
  let dsn: Dsn | undefined;
  if (dsnText !== undefined) {
    try {
      dsn = parseDsn(dsnText);
    } catch (error) {
      const from = options.dsn ? 'option "dsn"' : 'SENTRY_DSN';
      throw new InvalidOptionError(`otel-sentry: ${from}: ${(error as InvalidDsnError).message}`);
    }
  }

  let tracesSampleRate = 1;
  if (options.tracesSampleRate !== undefined) {
    tracesSampleRate = numberOption(
      C,
      'tracesSampleRate',
      options.tracesSampleRate,
      { min: 0, max: 1, integer: false },
      1,
    );
  } else if (nonEmpty(env.SENTRY_TRACES_SAMPLE_RATE) !== undefined) {
    const rate = parseSampleRate(env.SENTRY_TRACES_SAMPLE_RATE);
    if (rate === undefined) {
      throw new InvalidOptionError(
        `otel-sentry: SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, got "${env.SENTRY_TRACES_SAMPLE_RATE}"`,
      );
    }
    tracesSampleRate = rate;
  }

  const sdk = sdkOption(options.sdk);
  const shutdownTimeoutMillis = millisOption(
    C,
    'shutdownTimeoutMillis',
    options.shutdownTimeoutMillis,
    DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
  );

  const environmentOption = optionalString('environment', options.environment);
  const environmentEnv = nonEmpty(env.SENTRY_ENVIRONMENT);
  const resolved: ResolvedClientOptions = Object.freeze({
    dsn,
    dsnDisabled: options.dsn === '',
    release: optionalString('release', options.release) ?? nonEmpty(env.SENTRY_RELEASE),
    environment: environmentOption ?? environmentEnv ?? 'production',
    environmentSource: environmentOption !== undefined ? 'option' : environmentEnv !== undefined ? 'env' : 'default',
    tracesSampleRate,
    orgId: optionalString('orgId', options.orgId) ?? orgIdFromDsn(dsn),
    strictTraceContinuation: booleanOption(C, 'strictTraceContinuation', options.strictTraceContinuation, false),
    sendDefaultPii: booleanOption(C, 'sendDefaultPii', options.sendDefaultPii, false),
    sdk: Object.freeze({ name: sdk.name, version: sdk.version }),
    shutdownTimeoutMillis,
  });

  const bus = new HookBus();
  const client: Client = {
    options: resolved,
    on: (name: string, callback: AnyHookCallback) => bus.on(name, callback),
    emit: (name: string, ...args: unknown[]) => bus.emit(name, ...args),
    hasHooks: (name: string) => bus.hasHooks(name),
    backpressure: new Backpressure(),
  };
  return Object.freeze(client);
}

/** Type guard for objects that look like a {@link Client} (another copy of this package's included). */
export function isClient(value: unknown): value is Client {
  const v = value as Partial<Client> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.on === 'function' &&
    typeof v.emit === 'function' &&
    typeof v.hasHooks === 'function' &&
    typeof v.options === 'object' &&
    v.options !== null
  );
}
