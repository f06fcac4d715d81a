/**
 * `@otel-sentry/node`: one call that wires the otel-sentry plugins on one client, for
 * `NodeSDK` or a bare `BasicTracerProvider`.
 */
export {
  SentryCompositePropagator,
  type SentryCompositePropagatorOptions,
} from './composite-propagator.js';
export { escapeHtmlAttribute, getTraceMetaTags, type TraceMetaTagsOptions } from './meta-tags.js';
export { createSentrySetup } from './setup.js';
export type {
  SentryNodeSetup,
  SentryNodeSetupOptions,
  SetupExporterOptions,
  SetupSpanProcessorOptions,
} from './types.js';
export { type SetupParts, type SetupProblem, type SetupProblemCode, validateSentrySetup } from './validate-setup.js';
