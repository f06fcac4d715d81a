/**
 * The exporter's options, checked once at construction (design decision 13) and resolved
 * to the values the pipeline runs with. Defaults are sized for production traffic and a
 * real round trip to Sentry (protocol §11): at 100 ms a request, `maxConcurrentRequests`
 * 256 carries ~2500 envelopes a second; the queue holds a burst of several seconds.
 */
import {
  type Client,
  enumOption,
  functionOption,
  InvalidOptionError,
  MAX_TIMER_MILLIS,
  millisOption,
  numberOption,
  reportUnknownOptions,
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
  maxConcurrentRequests: 256,
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
]);

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
}

function keyPatterns(name: string, value: unknown): readonly KeyPattern[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((p) => (typeof p === 'string' && p !== '') || p instanceof RegExp)) {
    throw new InvalidOptionError(
      `${C}: option "${name}" must be an array of non-empty strings and regular expressions, e.g. ["token", /^x-api-/i]`,
    );
  }
  return value as KeyPattern[];
}

function caCertsOption(value: unknown): ResolvedExporterOptions['caCerts'] {
  if (value === undefined) return undefined;
  const one = (v: unknown) => typeof v === 'string' || v instanceof Uint8Array;
  if (one(value) || (Array.isArray(value) && value.every(one))) return value as ResolvedExporterOptions['caCerts'];
  throw new InvalidOptionError(`${C}: option "caCerts" must be PEM text, bytes, or an array of them`);
}

function proxyOption(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidOptionError(`${C}: option "proxy" must be a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidOptionError(`${C}: option "proxy" must be an http: or https: URL, got an unparsable value`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidOptionError(`${C}: option "proxy" must be an http: or https: URL, got ${url.protocol}`);
  }
  return value;
}

function offlineOption(value: unknown): ResolvedOfflineOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && (typeof value !== 'object' || value === null)) {
    throw new InvalidOptionError(`${C}: option "offline" must be true, false or an object of offline-queue options`);
  }
  const o = (value === true ? {} : value) as OfflineQueueOptions;
  const dir = o.dir;
  if (dir !== undefined && (typeof dir !== 'string' || dir === '')) {
    throw new InvalidOptionError(`${C}: option "offline.dir" must be a folder path`);
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
  };
}

/** Clamps a delay to what a timer can wait. */
export function timerMillis(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MILLIS);
}
