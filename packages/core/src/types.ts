/**
 * Shapes shared by the plugins: the Sentry payloads they build and the OpenTelemetry
 * span shape they read. Spans are described by shape, not by class, so both the
 * `@opentelemetry/sdk-trace-base` 2.x and `@opentelemetry/sdk-trace` 3.x lines fit.
 */
import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import type { DataCategory } from './envelope.js';

/** A finished span as the OpenTelemetry SDKs hand it to processors and exporters. */
export interface ReadableSpanLike {
  readonly name: string;
  readonly kind: SpanKind;
  spanContext(): SpanContext;
  /** sdk-trace-base 2.x and later. */
  readonly parentSpanContext?: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: Link[];
  readonly events: ReadonlyArray<{
    readonly name: string;
    readonly time: HrTime;
    readonly attributes?: Attributes | undefined;
  }>;
  readonly duration: HrTime;
  readonly ended: boolean;
  readonly resource: { readonly attributes: Attributes };
  readonly instrumentationScope: { readonly name: string; readonly version?: string | undefined };
}

/** A Sentry event (error or transaction) as sent in an envelope item. */
export interface SentryEvent {
  event_id?: string;
  type?: 'transaction' | 'event' | undefined;
  timestamp?: number;
  start_timestamp?: number;
  platform?: string;
  level?: 'fatal' | 'error' | 'warning' | 'log' | 'info' | 'debug';
  transaction?: string;
  transaction_info?: { source: string };
  release?: string;
  environment?: string;
  contexts?: Record<string, Record<string, unknown> | undefined>;
  tags?: Record<string, string | number | boolean>;
  extra?: Record<string, unknown>;
  exception?: { values: Array<Record<string, unknown>> };
  spans?: Array<Record<string, unknown>>;
  measurements?: Record<string, { value: number; unit?: string }>;
  sdk?: { name: string; version: string };
  [key: string]: unknown;
}

/** A release-health session (`session` item). */
export interface Session {
  sid: string;
  did?: string;
  init: boolean;
  started: string;
  timestamp: string;
  duration?: number;
  status: 'ok' | 'exited' | 'crashed' | 'abnormal';
  errors: number;
  attrs: { release: string; environment?: string; ip_address?: string; user_agent?: string };
}

/** Why something was dropped before it reached Sentry (client report reasons). */
export type DiscardReason =
  | 'queue_overflow'
  | 'cache_overflow'
  | 'ratelimit_backoff'
  | 'network_error'
  | 'sample_rate'
  | 'before_send'
  | 'event_processor'
  | 'send_error'
  | 'internal_sdk_error'
  | 'insufficient_data'
  | 'backpressure'
  | 'buffer_overflow'
  | 'ignored'
  | 'invalid';

/** A `client_report` item's payload. */
export interface ClientReport {
  timestamp: number;
  discarded_events: Array<{ reason: DiscardReason; category: DataCategory; quantity: number }>;
}

/** What a transport says of one envelope it tried to send. */
export interface TransportResult {
  /** HTTP status, when a response arrived. */
  readonly statusCode?: number;
  /** Set when the request failed before a response. */
  readonly error?: unknown;
}
