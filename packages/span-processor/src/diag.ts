/**
 * Internal (not exported from the package entry point).
 * The logger of this package. Nothing here writes to the console: everything goes through
 * the OpenTelemetry diag API under a component prefix, so the host application decides.
 */
import { diag } from '@opentelemetry/api';

export const processorDiag = diag.createComponentLogger({ namespace: 'otel-sentry/span-processor' });
