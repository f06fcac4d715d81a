/**
 * `@otel-sentry/span-processor`: `SentrySpanProcessor` (lifecycle hooks and whole local-root
 * transactions), `SentrySampler` (Sentry's consistent sampling) and `ownershipRouting` (the
 * reference integration built on hooks).
 */
export { type DetachReason, getDetachReason } from '@otel-sentry/core';
export { DISCARDED_EVENT_HOOK } from './discard-counter.js';
export { type OwnershipRouting, ownershipRouting } from './ownership-routing.js';
export { SentrySampler, type SentrySamplingResult } from './sampler.js';
export { SentrySpanProcessor } from './span-processor.js';
export type {
  AttributeMatcher,
  DiscardedEvents,
  DiscardSource,
  ExportResultLike,
  Integration,
  OwnershipRoutingOptions,
  OwnershipRule,
  SentrySamplerOptions,
  SentrySpanProcessorOptions,
  SpanExporterLike,
  StartedSpanLike,
  TracesSampler,
  TracesSamplerContext,
} from './types.js';
