/**
 * Set-up 7, `otel-sentry-otlp`: `otel-sentry` with `spans: 'otlp'` — spans of many traces per
 * OTLP/HTTP JSON request to Sentry's OTLP endpoint of the DSN, errors and client reports as
 * envelopes. See `otel-sentry-pipeline.ts`.
 */
import { installOtelSentry } from './otel-sentry-pipeline.js';

await installOtelSentry('otlp');
