/**
 * The exporter's options, checked once at construction (design decision 13) and resolved
 * to the values the pipeline runs with. Defaults are sized for production traffic and a
 * real round trip to Sentry (protocol §11): at 100 ms a request, `maxConcurrentRequests`
 * 1024 carries ~10,000 envelopes a second (over at most 64 sockets with `pipelining` 16; the
 * Node transport never opens more than 256); the queue holds a burst of several seconds.
 */
import {
  arrayOption,
  type Client,
  checkOptionsBesideClient,
  clientOption,
  enumOption,
  failOption,
  functionOption,
  InvalidOptionError,
  MAX_TIMER_MILLIS,
  millisOption,
  numberOption,
  objectOption,
  optionsObject,
  reportUnknownOptions,
  SPANS_MODES,
  type SpansMode,
  stringOption,
} from '@otel-sentry/core';
import { DEFAULT_MAX_EVENT_BYTES } from './event-size.js';
import { DEFAULT_BACKOFF } from './retry.js';
import type { KeyPattern, OfflineQueueOptions, SentryEnvelopeExporterOptions, SentryEvent } from './types.js';

const C = 'otel-sentry/exporter';

/** The defaults of the numeric options, in one place for the README. */
export const EXPORTER_DEFAULTS = {
  orphanTimeoutMillis: 300_000,
  maxBufferedSpans: 10_000,
  maxSpansPerTransaction: 1000,
  maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
  maxQueueSize: 10_000,
  maxQueueBytes: 64 * 1024 * 1024,
  maxConcurrentRequests: 1024,
  pipelining: 16,
  requestTimeoutMillis: 10_000,
  maxRetries: 3,
  retryInitialDelayMillis: DEFAULT_BACKOFF.initialMs,
  retryMaxDelayMillis: DEFAULT_BACKOFF.maxMs,
  compressionThreshold: 32 * 1024,
  clientReportIntervalMillis: 30_000,
  sessionFlushIntervalMillis: 60_000,
  backpressureIntervalMillis: 10_000,
  maxOutboxFiles: 1000,
  offlineMaxEnvelopes: 100,
  offlineMaxBytes: 10 * 1024 * 1024,
  offlineRetryIntervalMillis: 30_000,
} as const;

/** Longest wait for one retry, whatever `Retry-After` asks. */
export const MAX_RETRY_DELAY_MILLIS = 30_000;

const KNOWN = new Set<string>([
  'dsn',
  'release',
  'environment',
  'spotlight',
  'client',
  'sendDefaultPii',
  'denyKeys',
  'allowKeys',
  'orphanTimeoutMillis',
  'maxBufferedSpans',
  'maxSpansPerTransaction',
  'maxEventBytes',
  'maxQueueSize',
  'maxQueueBytes',
  'maxConcurrentRequests',
  'pipelining',
  'requestTimeoutMillis',
  'maxRetries',
  'retryInitialDelayMillis',
  'retryMaxDelayMillis',
  'compressionThreshold',
  'clientReportIntervalMillis',
  'sessionMode',
  'sessionFlushIntervalMillis',
  'backpressureIntervalMillis',
  'shutdownTimeoutMillis',
  'outboxDir',
  'maxOutboxFiles',
  'offline',
  'transport',
  'proxy',
  'caCerts',
  'beforeSend',
  'env',
  'spans',
  'otlpUrl',
  'otlpHeaders',
]);

const OFFLINE_KNOWN = new Set<string>(['dir', 'maxEnvelopes', 'maxBytes', 'retryIntervalMillis']);

/** Offline queue settings after defaults. */
export interface ResolvedOfflineOptions {
  readonly dir: string | undefined;
  readonly maxEnvelopes: number;
  readonly maxBytes: number;
  readonly retryIntervalMillis: number;
}

/** What the exporter runs with. */
export interface ResolvedExporterOptions {
  readonly orphanTimeoutMillis: number;
  readonly maxBufferedSpans: number;
  readonly maxSpansPerTransaction: number;
  readonly maxEventBytes: number;
  readonly maxQueueSize: number;
  readonly maxQueueBytes: number;
  readonly maxConcurrentRequests: number;
  readonly pipelining: number;
  readonly requestTimeoutMillis: number;
  readonly maxRetries: number;
  readonly retryInitialDelayMillis: number;
  readonly retryMaxDelayMillis: number;
  readonly compressionThreshold: number;
  readonly clientReportIntervalMillis: number;
  readonly sessionMode: 'server' | 'application' | false;
  readonly sessionFlushIntervalMillis: number;
  readonly backpressureIntervalMillis: number;
  readonly shutdownTimeoutMillis: number;
  readonly maxOutboxFiles: number;
  readonly offline: ResolvedOfflineOptions | undefined;
  readonly beforeSend: ((event: SentryEvent) => SentryEvent | null | undefined) | undefined;
  readonly denyKeys: readonly KeyPattern[] | undefined;
  readonly allowKeys: readonly KeyPattern[] | undefined;
  readonly proxy: string | undefined;
  readonly caCerts: string | Uint8Array | ReadonlyArray<string | Uint8Array> | undefined;
  readonly spans: SpansMode;
  readonly otlpUrl: string | undefined;
  readonly otlpHeaders: Readonly<Record<string, string>> | undefined;
}

// A string pattern matches keys that contain it: an empty one would match every key.
const isKeyPattern = (p: unknown) => (typeof p === 'string' && p !== '') || p instanceof RegExp;

function keyPatterns(name: string, value: unknown): readonly KeyPattern[] | undefined {
  // A lone string is the likely mistake (`denyKeys: 'token'`): the message shows the array it meant.
  return arrayOption<KeyPattern>(
    C,
    name,
    value,
    isKeyPattern,
    'an array of non-empty strings and regular expressions, e.g. ["token", /^x-api-/i]',
  );
}

function caCertsOption(value: unknown): ResolvedExporterOptions['caCerts'] {
  if (value === undefined) return undefined;
  const one = (v: unknown) => typeof v === 'string' || v instanceof Uint8Array;
  if (one(value) || (Array.isArray(value) && value.every(one))) return value as ResolvedExporterOptions['caCerts'];
  failOption(C, 'caCerts', 'PEM text, bytes, or an array of them', value);
}

function proxyOption(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') failOption(C, 'proxy', 'an http: or https: URL string', value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    failOption(C, 'proxy', 'an http: or https: URL', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') failOption(C, 'proxy', 'an http: or https: URL', value);
  return value;
}

function offlineOption(value: unknown): ResolvedOfflineOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    failOption(C, 'offline', 'true, false or an object of offline-queue options', value);
  }
  const o = (value === true ? {} : value) as OfflineQueueOptions;
  reportUnknownOptions(`${C}: option "offline"`, o, OFFLINE_KNOWN);
  const dir = o.dir;
  if (dir !== undefined && (typeof dir !== 'string' || dir === '')) {
    failOption(C, 'offline.dir', 'a folder path', dir);
  }
  const D = EXPORTER_DEFAULTS;
  return {
    dir,
    maxEnvelopes: numberOption(C, 'offline.maxEnvelopes', o.maxEnvelopes, { min: 1, max: 1e6 }, D.offlineMaxEnvelopes),
    maxBytes: numberOption(
      C,
      'offline.maxBytes',
      o.maxBytes,
      { min: 1, max: 2 ** 40, unit: 'bytes' },
      D.offlineMaxBytes,
    ),
    retryIntervalMillis: millisOption(
      C,
      'offline.retryIntervalMillis',
      o.retryIntervalMillis,
      D.offlineRetryIntervalMillis,
      1,
    ),
  };
}

/**
 * Checks and resolves the options. Throws {@link InvalidOptionError} naming the option for
 * anything that cannot work; reports unknown option names through `diag`.
 */
export function resolveExporterOptions(
  options: SentryEnvelopeExporterOptions,
  client: Client,
): ResolvedExporterOptions {
  reportUnknownOptions(C, options, KNOWN);
  // One rule in every package: a client option given beside `client` must be the client's.
  if (options.client !== undefined) checkOptionsBesideClient(C, options as Record<string, unknown>, client);
  const D = EXPORTER_DEFAULTS;
  const o = options as Record<keyof SentryEnvelopeExporterOptions, unknown>;
  const count = (name: keyof typeof D & string, min: number, max: number) =>
    numberOption(C, name, o[name as keyof SentryEnvelopeExporterOptions], { min, max }, D[name]);
  const millis = (name: keyof typeof D & string, min = 0) =>
    millisOption(C, name, o[name as keyof SentryEnvelopeExporterOptions], D[name], min);
  return {
    orphanTimeoutMillis: millis('orphanTimeoutMillis'),
    maxBufferedSpans: count('maxBufferedSpans', 1, Number.MAX_SAFE_INTEGER),
    maxSpansPerTransaction: count('maxSpansPerTransaction', 0, 100_000),
    maxEventBytes: count('maxEventBytes', 1024, 2 ** 31),
    maxQueueSize: count('maxQueueSize', 1, 10_000_000),
    maxQueueBytes: count('maxQueueBytes', 1024, 2 ** 40),
    maxConcurrentRequests: count('maxConcurrentRequests', 1, 10_000),
    pipelining: count('pipelining', 1, 1000),
    requestTimeoutMillis: millis('requestTimeoutMillis', 1),
    maxRetries: count('maxRetries', 0, 100),
    retryInitialDelayMillis: millis('retryInitialDelayMillis'),
    retryMaxDelayMillis: millis('retryMaxDelayMillis'),
    compressionThreshold: numberOption(
      C,
      'compressionThreshold',
      o.compressionThreshold,
      { min: 0, max: Number.POSITIVE_INFINITY, integer: false, unit: 'bytes' },
      D.compressionThreshold,
    ),
    clientReportIntervalMillis: millis('clientReportIntervalMillis', 1),
    sessionMode: enumOption(C, 'sessionMode', o.sessionMode, ['server', 'application', false] as const, 'server'),
    sessionFlushIntervalMillis: millis('sessionFlushIntervalMillis', 1),
    backpressureIntervalMillis: millis('backpressureIntervalMillis', 1),
    shutdownTimeoutMillis: millisOption(
      C,
      'shutdownTimeoutMillis',
      o.shutdownTimeoutMillis,
      client.options.shutdownTimeoutMillis ?? 2000,
    ),
    maxOutboxFiles: count('maxOutboxFiles', 1, 10_000_000),
    offline: offlineOption(o.offline),
    beforeSend: functionOption(C, 'beforeSend', o.beforeSend),
    denyKeys: keyPatterns('denyKeys', o.denyKeys),
    allowKeys: keyPatterns('allowKeys', o.allowKeys),
    proxy: proxyOption(o.proxy),
    caCerts: caCertsOption(o.caCerts),
    spans: enumOption(C, 'spans', o.spans, SPANS_MODES, 'transactions'),
    otlpUrl: httpUrlOption('otlpUrl', o.otlpUrl),
    otlpHeaders: headersOption('otlpHeaders', o.otlpHeaders),
  };
}

function httpUrlOption(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidOptionError(`${C}: option "${name}" must be a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidOptionError(`${C}: option "${name}" must be an http: or https: URL, got an unparsable value`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidOptionError(`${C}: option "${name}" must be an http: or https: URL, got ${url.protocol}`);
  }
  return value;
}

// Header names are HTTP tokens; values must not break the request (no CR, LF or NUL).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function headersOption(name: string, value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(`${C}: option "${name}" must be an object of header names to strings`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!HEADER_NAME.test(key)) throw new InvalidOptionError(`${C}: option "${name}" has an invalid header name`);
    if (typeof v !== 'string' || /[\r\n\0]/.test(v)) {
      throw new InvalidOptionError(`${C}: option "${name}.${key}" must be a string without line breaks`);
    }
    out[key] = v;
  }
  return Object.freeze(out);
}

/**
 * Checks the options the exporter reads before its client exists or outside
 * {@link resolveExporterOptions}: the options object itself, `client`, `transport`, `dsn`,
 * `spotlight`, `outboxDir` and `env` — each a wrong type that would otherwise fail later, on a send.
 */
export function checkEarlyExporterOptions(options: unknown): void {
  const o = optionsObject(C, options, '{ dsn }');
  clientOption(C, o.client);
  objectOption(C, 'transport', o.transport, ['send'], 'a transport with a send(request) method');
  if (o.dsn !== undefined && typeof o.dsn !== 'string') failOption(C, 'dsn', 'a DSN string', o.dsn);
  const spotlight = o.spotlight;
  if (spotlight !== undefined && typeof spotlight !== 'boolean' && typeof spotlight !== 'string') {
    failOption(C, 'spotlight', 'true, false, or the URL of a Spotlight sidecar', spotlight);
  }
  stringOption(C, 'outboxDir', o.outboxDir);
  const env = o.env;
  if (env !== undefined && env !== false && (typeof env !== 'object' || env === null || Array.isArray(env))) {
    failOption(C, 'env', 'an object of environment variables, or false to read none', env);
  }
}

/** Clamps a delay to what a timer can wait. */
export function timerMillis(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MILLIS);
}
