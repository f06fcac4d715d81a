/**
 * `@otel-sentry/propagator`: an OpenTelemetry `TextMapPropagator` for Sentry's `sentry-trace`
 * and `baggage` headers, carrying the session replay id beside the frozen DSC.
 *
 * Runs in Node, browsers, Deno, Bun and edge runtimes: nothing here imports a Node module.
 */
// Re-exported for samplers that continue Sentry traces with a deferred decision.
export { isSamplingDeferred } from '@otel-sentry/core';
export { SentryPropagator } from './sentry-propagator.js';
export type {
  PropagatorClientOptions,
  ReplayIdSource,
  SentryPropagatorOptions,
  TracePropagationTarget,
} from './types.js';
