/**
 * `@otel-sentry/core`: the Sentry protocol for OpenTelemetry JS plugins.
 *
 * Runs in Node, browsers, Deno, Bun and edge runtimes: nothing here imports a Node module.
 */

export { Backpressure, MAX_DOWNSAMPLE_STEPS } from './backpressure.js';
export {
  appendBaggage,
  BAGGAGE_MAX_BYTES,
  BAGGAGE_MAX_MEMBERS,
  BAGGAGE_MAX_READ_CHARS,
  type BaggageLimits,
  type BaggageMember,
  formatBaggage,
  formatBaggageMember,
  type HeaderValue,
  isValidKey as isValidBaggageKey,
  parseBaggage,
} from './baggage.js';
export {
  CLIENT_OPTION_NAMES,
  type Client,
  type ClientOptions,
  createClient,
  DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
  describeValue,
  InvalidOptionError,
  isClient,
  MAX_TIMER_MILLIS,
  type ResolvedClientOptions,
  resolveEnv,
} from './client.js';
export { checkOptionsBesideClient, clientOption, pickClientOptions } from './client-option.js';
export {
  getDeferredDecision,
  getDynamicSamplingContext,
  getFrozenDsc,
  getReplayId,
  getSentryTraceFlags,
  isSamplingDeferred,
  recordDeferredDecision,
  setFrozenDsc,
  setReplayId,
  setSamplingDeferred,
  setSentryTraceFlags,
} from './context.js';
export { type DetachReason, getDetachReason } from './detached-transaction.js';
export { type DiscardedCount, DiscardTally } from './discard-tally.js';
export {
  type DynamicSamplingContext,
  deriveSampleRand,
  deriveSampleRandValue,
  dscFromBaggage,
  dscToBaggage,
  EMPTY_FROZEN_DSC,
  type FrozenDsc,
  freezeDsc,
  getFrozenDscTraceId,
  parseSampleRate,
  SENTRY_BAGGAGE_PREFIX,
  shouldContinueTrace,
} from './dsc.js';
export {
  DSN_MAX_CHARS,
  type Dsn,
  dsnToString,
  getAuthHeader,
  getEnvelopeEndpoint,
  getEnvelopeEndpointWithAuth,
  InvalidDsnError,
  parseDsn,
  type SdkInfo,
} from './dsn.js';
export {
  addEnvelopeItem,
  createEnvelope,
  type DataCategory,
  ENVELOPE_MAX_BYTES,
  type Envelope,
  type EnvelopeHeaders,
  type EnvelopeItem,
  type EnvelopeItemHeaders,
  type EnvelopePayload,
  itemTypeToCategory,
  parseEnvelope,
  type SalvagedEnvelope,
  type SizedEnvelope,
  salvageEnvelope,
  serializeEnvelope,
  serializeEnvelopeBytes,
  serializeEnvelopeSized,
} from './envelope.js';
export { flatContext } from './flat-context.js';
export { createHeadDsc, type HeadDscFields } from './head-dsc.js';
export { isSafeHeaderText } from './header-value.js';
export type { AnyHookCallback, ClientHooks, HookEmitter, HookName, HookRegistry } from './hooks.js';
export { hrTimeToSeconds, normalizeReplayId, timestampInSeconds, uuid4, uuid4Dashed } from './ids.js';
export { type IncomingDsc, readIncomingDsc } from './incoming-dsc.js';
export {
  arrayOption,
  booleanOption,
  enumOption,
  failOption,
  functionOption,
  millisOption,
  type NumberRule,
  numberOption,
  objectOption,
  optionsObject,
  reportUnknownOptions,
  stringOption,
} from './option-checks.js';
export { percentDecode, percentEncode, utf8Length } from './percent-encoding.js';
export { DEFAULT_RETRY_AFTER_MS, parseRetryAfter, type RateLimitResponse, RateLimits } from './rate-limits.js';
export { safeStringify } from './safe-json.js';
export {
  formatSentryTrace,
  parseSentryTrace,
  SENTRY_TRACE_FLAG_HAS_REPLAY,
  SENTRY_TRACE_MAX_CHARS,
  type SentryTraceData,
} from './sentry-trace.js';
export {
  ensureSpanData,
  freezeTraceDsc,
  getLocalRoot,
  getSpanData,
  getTraceFrozenDsc,
  isTransactionRoot,
  linkToLocalRoot,
  type SpanSentryData,
} from './span-data.js';
export { SPANS_MODES, type SpansMode, spansModeOf, streamsSpans } from './spans-mode.js';
export {
  type AssemblerDetachCallback,
  type AssemblerDropCallback,
  type SpanAssembly,
  TRANSACTION_ASSEMBLER_DEFAULTS,
  TransactionAssembler,
  type TransactionAssemblerOptions,
  type TransactionSink,
} from './transaction-assembler.js';
export type {
  ClientReport,
  DiscardReason,
  ReadableSpanLike,
  SentryEvent,
  Session,
  TransportResult,
} from './types.js';
export {
  getUnrecordedRoot,
  offerUnrecordedRoot,
  offerUnrecordedSpan,
  peekUnrecordedSpanUrl,
  requestUrlOf,
  UNRECORDED_ROOTS_KEPT,
  type UnrecordedRootDecision,
} from './unrecorded-span.js';
export { SDK_NAME, SDK_VERSION } from './version.js';
