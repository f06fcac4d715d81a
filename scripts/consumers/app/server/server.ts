// server.ts — an express 5 shop, compiled as ESM and as CommonJS by scripts/check-app.mjs:
//   GET /               a server-rendered page: the trace's <meta> tags (`getTraceMetaTags()`)
//                       and the bundled page script (public/page.js, @otel-sentry/browser)
//   POST /api/checkout  calls the downstream inventory service, then fails (an error in Sentry)
//   GET /api/ping       answers at once (the check sends SIGTERM right after it)
// Configured by the environment: SENTRY_DSN (backend), BROWSER_SENTRY_DSN (rendered into the
// page), DOWNSTREAM_URL, PORT. Prints `listening on <origin>` once it accepts requests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { sentry } from './telemetry.js';

const downstreamUrl = process.env.DOWNSTREAM_URL ?? 'http://127.0.0.1:9';
const browserDsn = process.env.BROWSER_SENTRY_DSN ?? '';

/** GETs JSON with the instrumented `http` module (Node's global fetch is not traced by it). */
function getJson(url: string): Promise<unknown> {
  return new Promise((done, fail) => {
    const req = http.get(url, { timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          done(JSON.parse(body));
        } catch (error) {
          fail(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('downstream timed out')));
    req.on('error', fail);
  });
}

const app = express();

app.get('/', (_req, res) => {
  const config = { sentryDsn: browserDsn };
  res.type('html').send(`<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <title>loading</title>
    ${sentry.getTraceMetaTags()}
    <script>window.APP_CONFIG = ${JSON.stringify(config).replaceAll('<', '\\u003c')};</script>
    <script type="module" src="/page.js"></script>
  </head>
  <body><main><h1>Checkout</h1></main></body>
</html>
`);
});

app.use(express.static(resolve('public')));

app.post('/api/checkout', async () => {
  const stock = (await getJson(`${downstreamUrl}/stock/42`)) as { inStock?: number };
  throw new Error(`payment provider unavailable (stock ${stock.inStock})`);
});

app.get('/api/ping', (_req, res) => {
  res.json({ ok: true });
});

app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
  res.status(500).json({ error: error.message });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening on http://127.0.0.1:${port}`);
});
