/**
 * `@otel-sentry/core`: the Sentry protocol for OpenTelemetry JS plugins.
 *
 * Runs in Node, browsers, Deno, Bun and edge runtimes: nothing here imports a Node module.
 */
export {
  type BaggageLimits,
  type BaggageMember,
  type HeaderValue,
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  appendBaggage,
  formatBaggage,
  formatBaggageMember,
  isValidKey as isValidBaggageKey,
  parseBaggage,
} from './baggage.js';
export {
  type Client,
  type ClientOptions,
  type ResolvedClientOptions,
  InvalidOptionError,
  createClient,
  isClient,
} from './client.js';
export {
  getDynamicSamplingContext,
  getFrozenDsc,
  getReplayId,
  getSentryTraceFlags,
  setFrozenDsc,
  setReplayId,
  setSentryTraceFlags,
} from './context.js';
export {
  type DynamicSamplingContext,
  type FrozenDsc,
  type IncomingDsc,
  EMPTY_FROZEN_DSC,
  SENTRY_BAGGAGE_PREFIX,
  deriveSampleRand,
  dscFromBaggage,
  dscToBaggage,
  freezeDsc,
  parseSampleRate,
  readIncomingDsc,
  shouldContinueTrace,
} from './dsc.js';
export {
  type Dsn,
  type SdkInfo,
  InvalidDsnError,
  dsnToString,
  getAuthHeader,
  getEnvelopeEndpoint,
  getEnvelopeEndpointWithAuth,
  parseDsn,
} from './dsn.js';
export {
  type DataCategory,
  type Envelope,
  type EnvelopeHeaders,
  type EnvelopeItem,
  type EnvelopeItemHeaders,
  type EnvelopePayload,
  addEnvelopeItem,
  createEnvelope,
  itemTypeToCategory,
  parseEnvelope,
  serializeEnvelope,
  serializeEnvelopeBytes,
} from './envelope.js';
export type { AnyHookCallback, ClientHooks, HookEmitter, HookName, HookRegistry } from './hooks.js';
export { hrTimeToSeconds, normalizeReplayId, timestampInSeconds, uuid4, uuid4Dashed } from './ids.js';
export { percentDecode, percentEncode, utf8Length } from './percent-encoding.js';
export { type RateLimitResponse, DEFAULT_RETRY_AFTER_MS, RateLimits, parseRetryAfter } from './rate-limits.js';
export {
  type SentryTraceData,
  SENTRY_TRACE_FLAG_HAS_REPLAY,
  formatSentryTrace,
  parseSentryTrace,
} from './sentry-trace.js';
export type {
  ClientReport,
  DiscardReason,
  ReadableSpanLike,
  SentryEvent,
  Session,
  TransportResult,
} from './types.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
