/**
 * `@otel-sentry/browser`: the otel-sentry plugins for sdk-trace-web in one call, a page that
 * continues its server-rendered trace, and requests tagged with the Sentry replay being recorded.
 */
export { type NavigationEvents, PageTraceContextManager } from './page-context-manager.js';
export { type MetaTagSource, readPageTraceHeaders } from './page-trace.js';
export { type ReplayIntegrationLike, replayIdFromIntegration } from './replay-id-source.js';
export { createSentryBrowserSetup } from './setup.js';
export type { SentryBrowserSetup, SentryBrowserSetupOptions } from './types.js';
