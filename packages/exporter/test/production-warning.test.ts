/**
 * Design decision 7 for hand-wired set-ups: an exporter with no DSN in a production service
 * says so once on the console (not only through `diag`), whoever built it.
 */
import { createClient } from '@otel-sentry/core';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { SentryEnvelopeExporter } from '../src/index.js';

const WARNED = Symbol.for('otel-sentry.no-dsn-warned');
let warn: MockInstance<typeof console.warn>;
const exporters: SentryEnvelopeExporter[] = [];

beforeEach(() => {
  delete (globalThis as Record<symbol, unknown>)[WARNED];
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(async () => {
  warn.mockRestore();
  for (const e of exporters.splice(0)) await e.shutdown();
});

const make = (options: ConstructorParameters<typeof SentryEnvelopeExporter>[0]) => {
  const exporter = new SentryEnvelopeExporter({ sessionMode: false, ...options });
  exporters.push(exporter);
  return exporter;
};

describe('no DSN in production', () => {
  it('an exporter without a DSN warns once per process, naming the outbox or Spotlight', () => {
    make({ env: { NODE_ENV: 'production' }, outboxDir: '/tmp/otel-sentry-warning-outbox' });
    make({ env: { NODE_ENV: 'production' } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /NODE_ENV is production but no Sentry DSN is set.*the local outbox \/tmp\/otel-sentry-warning-outbox/,
    );

    delete (globalThis as Record<symbol, unknown>)[WARNED];
    make({ env: { NODE_ENV: 'production' }, spotlight: 'http://127.0.0.1:1/stream' });
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[1]?.[0])).toMatch(/events go to Spotlight/);
  });

  it('a shared client without a DSN warns too; dsn "" (nothing on purpose), a DSN, or development do not', () => {
    make({ client: createClient({ env: { NODE_ENV: 'production' } }), env: { NODE_ENV: 'production' } });
    expect(warn).toHaveBeenCalledTimes(1);

    delete (globalThis as Record<symbol, unknown>)[WARNED];
    make({ client: createClient({ dsn: '', env: false }), env: { NODE_ENV: 'production' } });
    make({ dsn: '', env: { NODE_ENV: 'production' } });
    make({ dsn: 'http://key@127.0.0.1:1/1', env: { NODE_ENV: 'production' } });
    make({ env: { NODE_ENV: 'development' } });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
