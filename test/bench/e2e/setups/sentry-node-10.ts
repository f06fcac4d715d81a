/**
 * Set-up 4, `sentry-node-10`: `@sentry/node` 10.x (npm alias `@sentry/node-v10`) with its own
 * OpenTelemetry set-up and default integrations. Loaded with `--import` before the service,
 * as Sentry's docs require.
 */
import * as Sentry from '@sentry/node-v10';
import { readSetupConfig, registerSetup, within } from './setup-api.js';

const config = readSetupConfig();
Sentry.init({
  dsn: config.dsn,
  release: config.release,
  environment: config.environment,
  tracesSampleRate: config.sampleRate,
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
