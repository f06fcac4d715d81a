/**
 * Internal (not exported from the package entry point).
 * The logger of this package: the OpenTelemetry diag API under a component prefix.
 */
import { diag } from '@opentelemetry/api';

export const exporterDiag = diag.createComponentLogger({ namespace: 'otel-sentry/exporter' });
