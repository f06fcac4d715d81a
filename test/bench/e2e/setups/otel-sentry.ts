/**
 * Set-up 3, `otel-sentry`: OpenTelemetry with the otel-sentry plugins as `@otel-sentry/node`
 * wires them (see `otel-sentry-pipeline.ts`), sending transactions (`spans: 'transactions'`,
 * the default): one envelope per sampled root.
 */
import { installOtelSentry } from './otel-sentry-pipeline.js';

await installOtelSentry('transactions');
