/**
 * examples/express-backend, run as a user runs it (`node --import tsx src/main.ts`): an express 5
 * app wired by `@otel-sentry/node`, answering five requests and printing what it sent. With no
 * DSN it writes to its outbox folder (emptied at start); the test reads the printed summary and
 * the outbox.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('../../examples/express-backend', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));

describe('examples/express-backend', () => {
  it('sends one transaction per request, named by route, and the two errors, then exits by itself', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(exampleDir, 'src/main.ts')], {
      cwd: exampleDir,
      // No DSN (not even one from the environment this test runs in): envelopes go to the outbox.
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: tsconfig,
        SENTRY_DSN: '',
        SENTRY_SPOTLIGHT: '',
        NODE_ENV: 'development',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    const transactions = out.split('\n').filter((line) => line.trimStart().startsWith('transaction "'));
    // Five requests, five transactions: no second (junk) transaction per request. (Printed in
    // the order their envelopes were answered, which need not be the order of the requests.)
    expect(transactions.map((line) => /transaction "([^"]+)"/.exec(line)?.[1]).sort()).toEqual([
      'GET /health',
      'GET /orders/:id/refund',
      'GET /users/:id',
      'POST /users/:id/charge',
      'POST /users/:id/orders',
    ]);
    expect(transactions.every((line) => line.includes('(route)'))).toBe(true);
    expect(out).toMatch(/error Error: refund service misconfigured \(handled: false\) in "GET \/orders\/:id\/refund"/);
    expect(out).toMatch(/error Error: card declined: insufficient funds \(handled: true\)/);
    // The downstream call is a child of the first transaction.
    expect(out).toMatch(/http\.client: GET http:\/\/127\.0\.0\.1:\d+\/stock\/42/);
    // Every envelope it printed was written to the outbox folder ([200] is the outbox's answer).
    const printed = out.match(/\[200\]/g)?.length ?? 0;
    expect(printed).toBeGreaterThanOrEqual(9);
    expect(readdirSync(join(exampleDir, 'sentry-outbox')).length).toBe(printed);
  });
});
