import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { createClient, InvalidOptionError } from '@otel-sentry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SentryPropagator } from '../src/index.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

afterEach(() => diag.disable());

describe('SentryPropagator options (issue 12)', () => {
  it.each([
    [{ client: {} }, 'option "client" must be a client made by createClient() of @otel-sentry/core, got an object'],
    [
      { tracePropagationTargets: 'api.example.com' },
      'option "tracePropagationTargets" must be an array of strings, regular expressions and functions of the URL, got "api.example.com"',
    ],
    [{ tracePropagationTargets: ['ok', 42] }, 'got 42 at index 1'],
    [{ propagateTraceparent: 'yes' }, 'option "propagateTraceparent" must be true or false, got "yes"'],
    [{ sentryTraceFlags: 1 }, 'option "sentryTraceFlags" must be true or false, got 1'],
    [{ getReplayId: 'abc' }, 'option "getReplayId" must be a function, got "abc"'],
    [{ tracesSampleRate: '0.5', env: false }, 'option "tracesSampleRate" must be a number from 0 to 1, got "0.5"'],
  ])('%j fails at construction, naming the option, what was given and what is expected', (options, message) => {
    const error = errorOf(() => new SentryPropagator(options as never));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain(message);
  });

  it('refuses a dsn beside a client that differs from the client’s, as the exporter does; an equal one is accepted', () => {
    const client = createClient({ dsn: 'https://key@o1.ingest.example.com/7', release: 'a@1', env: false });
    const error = errorOf(() => new SentryPropagator({ client, dsn: 'https://other@o1.ingest.example.com/7' }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain('option "dsn" is "https://other@o1.ingest.example.com/7"');
    expect(() => new SentryPropagator({ client, release: 'a@2' })).toThrow(/option "release" is "a@2"/);
    expect(() => new SentryPropagator({ client, tracesSampleRate: 0.1 })).toThrow(/option "tracesSampleRate"/);
    const same = new SentryPropagator({
      client,
      dsn: 'https://key@o1.ingest.example.com/7',
      release: 'a@1',
      env: false,
    });
    expect(same.client).toBe(client);
  });

  it('reports a misspelled option through diag', () => {
    const lines: string[] = [];
    const log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    const logger: DiagLogger = { error: log, warn: log, info: log, debug: log, verbose: log };
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    new SentryPropagator({ client: createClient({ env: false }), tracePropagationTarget: ['x'] } as never);
    expect(lines.some((l) => l.includes('"tracePropagationTarget"'))).toBe(true);
  });

  it('refuses options that are not an object', () => {
    expect(() => new SentryPropagator('https://key@host/1' as never)).toThrow(/options must be an object/);
  });
});
