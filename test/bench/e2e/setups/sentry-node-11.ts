/**
 * Set-up 5, `sentry-node-11`: `@sentry/node` 11.x with default integrations and its default
 * trace lifecycle (`stream`: spans go out as v2 `span` items, not transactions). Loaded with
 * `--import` before the service, as Sentry's docs require.
 *
 * SDK 11 no longer registers an OpenTelemetry tracer provider by default, so the service's
 * `work` span (made through `@opentelemetry/api`) would not exist: `enableOpenTelemetrySetup`
 * is turned on so that every set-up records the same two spans per request. `E2E_SENTRY11_OTEL=0`
 * keeps the SDK default (server span only).
 */
import * as Sentry from '@sentry/node';
import { readSetupConfig, registerSetup, within } from './setup-api.js';

const config = readSetupConfig();
Sentry.init({
  dsn: config.dsn,
  release: config.release,
  environment: config.environment,
  tracesSampleRate: config.sampleRate,
  enableOpenTelemetrySetup: process.env.E2E_SENTRY11_OTEL !== '0',
});
// Sampled local roots, counted as they end: a span that is its own root with the sampled flag.
let roots = 0;
const client = Sentry.getClient();
if (!client) throw new Error('Sentry.init did not create a client');
client.on('spanEnd', (span) => {
  if ((span.spanContext().traceFlags & 1) === 1 && Sentry.getRootSpan(span) === span) roots++;
});

registerSetup({
  flush: (timeoutMs) => within(Sentry.flush(timeoutMs), timeoutMs + 500),
  sampledRoots: () => roots,
});
