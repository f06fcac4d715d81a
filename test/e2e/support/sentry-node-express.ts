/**
 * An express 5 service traced by the real `@sentry/node` 11 with its default trace lifecycle
 * (`stream`: span v2 envelopes), run in a child process of its own, for
 * span-streaming.test.ts: the reference our `spans: 'stream'` is compared with, and the
 * outer hops of a Sentry 11 → ours → Sentry 11 chain.
 *
 * `GET /users/:id` calls, in order, every URL given as `call=<url>` (with the SDK-instrumented
 * `http`) and answers `{ traceId, calls }`. Environment: `SENTRY_DSN`. IPC: says `ready` with
 * its port; `flush` answers `flushed` once `Sentry.flush` resolved; exits when the test
 * process goes away.
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import * as Sentry from '@sentry/node';

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: process.env.SENTRY_RELEASE ?? 'sentry-node-11@1.0.0',
  environment: 'e2e',
  tracesSampleRate: 1,
});

// Loaded after init, so the SDK's instrumentation patches them.
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof Http;
const express = require('express') as typeof import('express');

function get(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          resolve(body);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${url} timed out`)));
    request.on('error', reject);
  });
}

const app = express();
app.get('/users/:id', async (req, res) => {
  const calls: unknown[] = [];
  const wanted = req.query.call;
  for (const url of Array.isArray(wanted) ? wanted : wanted === undefined ? [] : [wanted]) {
    calls.push(await get(String(url)));
  }
  res.json({ traceId: Sentry.getActiveSpan()?.spanContext().traceId, calls });
});

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'flush') {
    void Promise.resolve(Sentry.flush(5_000)).then(() => process.send?.({ type: 'flushed' }));
  }
});
process.on('disconnect', () => process.exit(0));

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0 });
});
