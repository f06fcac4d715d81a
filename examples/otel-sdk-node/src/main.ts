/**
 * The inventory service: OpenTelemetry's NodeSDK exporting OTLP, plus `SentryPropagator`
 * (see instrumentation.ts). It answers `GET /stock/:id` after asking the pricing service at
 * `PRICING_URL`, so a trace that arrives from a service running a Sentry SDK goes on to the
 * next one with its `sentry-trace` and DSC. Prints `listening <port>`; on SIGTERM it flushes
 * its spans to the Collector and exits.
 */

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { sdk } from './instrumentation.js';

// Loaded after the SDK started, through `require`, so the HTTP instrumentation patches it.
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
const pricingUrl = process.env.PRICING_URL ?? 'http://127.0.0.1:9/price';

const server = http.createServer((_req, res) => {
  http
    .get(pricingUrl, (pricing) => {
      pricing.resume();
      pricing.on('end', () => res.end(JSON.stringify({ inStock: true, pricing: pricing.statusCode })));
    })
    .on('error', () => {
      res.statusCode = 502;
      res.end();
    });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});

process.once('SIGTERM', () => {
  server.close();
  sdk.shutdown().finally(() => process.exit(0));
});
