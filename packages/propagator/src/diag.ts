/**
 * Internal (not exported from the package entry point).
 * The logger of this package. Library code never writes to the console: everything goes
 * through the OpenTelemetry diag API, so the host application decides what is shown.
 */
import { diag } from '@opentelemetry/api';

export const propagatorDiag = diag.createComponentLogger({ namespace: 'otel-sentry/propagator' });
