/**
 * Internal (not exported from the package entry point).
 * The logger of this package: everything goes through the OpenTelemetry diag API under a
 * component prefix, so the host application decides what is shown.
 */
import { diag } from '@opentelemetry/api';

export const browserDiag = diag.createComponentLogger({ namespace: 'otel-sentry/browser' });
