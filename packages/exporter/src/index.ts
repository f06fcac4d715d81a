/**
 * `@otel-sentry/exporter`: `SentryEnvelopeExporter`, an OpenTelemetry `SpanExporter` that
 * sends transactions, errors, sessions and client reports to Sentry.
 */
export { SentryEnvelopeExporter } from './exporter.js';
export { FetchTransport, type FetchTransportOptions, RequestTimeoutError } from './http-transport.js';
export type { SpanDescription, TransactionSource } from './op-inference.js';
export { FILTERED } from './scrubber.js';
export { DEFAULT_SPOTLIGHT_URL } from './spotlight.js';
export type { StackFrame } from './stack-parser.js';
export type {
  ClientReport,
  ConnectionCheckResult,
  DataCategory,
  DiscardReason,
  Envelope,
  EnvelopeTransport,
  ExporterStats,
  KeyPattern,
  OfflineQueueOptions,
  SentryEnvelopeExporterOptions,
  SentryEvent,
  TransportRequest,
  TransportResponse,
} from './types.js';
