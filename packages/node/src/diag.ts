/**
 * Internal (not exported from the package entry point).
 * The logger of this package: everything goes through the OpenTelemetry diag API under a
 * component prefix, so the host application decides what is shown. The one exception is the
 * production warning of design decision 7 (the exporter's `production-warning.ts`).
 */
import { diag } from '@opentelemetry/api';

export const nodeDiag = diag.createComponentLogger({ namespace: 'otel-sentry/node' });
