/**
 * Set-up 6, `otel-sentry-stream`: `otel-sentry` with `spans: 'stream'` — spans leave as they
 * end, as span v2 envelopes (one per trace, the trace's DSC in the header), as Sentry SDK 11
 * sends them. See `otel-sentry-pipeline.ts`.
 */
import { installOtelSentry } from './otel-sentry-pipeline.js';

await installOtelSentry('stream');
