import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { checkOptionsBesideClient, clientOption } from '../src/client-option.js';
import {
  arrayOption,
  describeValue,
  InvalidOptionError,
  numberOption,
  objectOption,
  optionsObject,
} from '../src/option-checks.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

function recordDiag(): string[] {
  const lines: string[] = [];
  const log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  const logger: DiagLogger = { error: log, warn: log, info: log, debug: log, verbose: log };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return lines;
}

afterEach(() => diag.disable());

describe('describeValue', () => {
  it('quotes strings, so "0.5" is not mistaken for 0.5, and never shows what an object holds', () => {
    expect(describeValue('0.5')).toBe('"0.5"');
    expect(describeValue(0.5)).toBe('0.5');
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(60)}…"`);
    expect(describeValue({ secret: 'hunter2' })).toBe('an object');
    expect(describeValue(new (class SpanExporterish {})())).toBe('a SpanExporterish');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue(/x/)).toBe('a regular expression');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue(Symbol('s'))).toBe('a symbol');
  });
});

describe('the option checks', () => {
  it('name the option, what was given and what is expected', () => {
    expect(errorOf(() => numberOption('c', 'n', '5', { min: 0, max: 9 }, 1)).message).toBe(
      'c: option "n" must be an integer from 0 to 9, got "5"',
    );
    expect(errorOf(() => arrayOption('c', 'a', ['x', 42], (v) => typeof v === 'string', 'strings')).message).toBe(
      'c: option "a" must be strings, got 42 at index 1',
    );
    expect(errorOf(() => objectOption('c', 't', {}, ['send'], 'a transport')).message).toBe(
      'c: option "t" must be a transport (it has no send()), got an object',
    );
    expect(errorOf(() => optionsObject('c', 'dsn', '{ dsn }')).message).toBe(
      'c: options must be an object, e.g. { dsn }; got "dsn"',
    );
    expect(errorOf(() => clientOption('c', {})).message).toBe(
      'c: option "client" must be a client made by createClient() of @otel-sentry/core, got an object',
    );
    expect(errorOf(() => clientOption('c', {})).name).toBe('InvalidOptionError');
  });
});

describe('createClient checks every option', () => {
  it.each([
    [{ tracesSampleRate: '0.5' }, 'option "tracesSampleRate" must be a number from 0 to 1, got "0.5"'],
    [{ tracesSampleRate: 2 }, 'option "tracesSampleRate" must be a number from 0 to 1, got 2'],
    [{ sendDefaultPii: 'true' }, 'option "sendDefaultPii" must be true or false, got "true"'],
    [{ strictTraceContinuation: 1 }, 'option "strictTraceContinuation" must be true or false, got 1'],
    [{ release: 5 }, 'option "release" must be a string, got 5'],
    [{ orgId: 12 }, 'option "orgId" must be a string, got 12'],
    [
      { env: 'production' },
      'option "env" must be an object of environment variables, or false to read none, got "production"',
    ],
    [{ sdk: 'x' }, 'option "sdk" must be an object with a non-empty name and version'],
    [
      { shutdownTimeoutMillis: 3e9 },
      'option "shutdownTimeoutMillis" must be an integer from 0 to 2147483647 (milliseconds), got 3000000000',
    ],
  ])('%j', (options, message) => {
    const error = errorOf(() => createClient({ env: false, ...options } as never));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain(message);
  });

  it('reports a misspelled option through diag', () => {
    const lines = recordDiag();
    createClient({ env: false, tracesSamplerate: 0.5 } as never);
    expect(lines.some((l) => l.includes('unknown option(s) "tracesSamplerate" ignored'))).toBe(true);
  });

  it('refuses options that are not an object', () => {
    expect(() => createClient('https://key@host/1' as never)).toThrow(/options must be an object/);
  });
});

describe('checkOptionsBesideClient: one rule in every package', () => {
  const client = createClient({
    dsn: 'https://key:hunter2@o1.ingest.example.com/7',
    release: 'app@1',
    tracesSampleRate: 0.5,
    env: false,
  });

  it('accepts options equal to the client’s, and ignores env and a blank dsn', () => {
    expect(() =>
      checkOptionsBesideClient(
        'c',
        {
          dsn: ' https://key:hunter2@o1.ingest.example.com/7 ',
          release: 'app@1',
          environment: 'production',
          tracesSampleRate: 0.5,
          orgId: '1',
          sendDefaultPii: false,
          env: { SENTRY_RELEASE: 'other' },
        },
        client,
      ),
    ).not.toThrow();
    expect(() => checkOptionsBesideClient('c', { dsn: '' }, client)).not.toThrow();
    expect(() => checkOptionsBesideClient('c', { dsn: '  ' }, client)).not.toThrow();
  });

  it.each([
    [
      { dsn: 'https://other@o1.ingest.example.com/7' },
      'option "dsn" is "https://other@o1.ingest.example.com/7" but the client given as "client" has "https://key@o1.ingest.example.com/7"',
    ],
    [{ release: 'app@2' }, 'option "release" is "app@2" but the client given as "client" has "app@1"'],
    [{ environment: 'staging' }, 'option "environment" is "staging" but the client given as "client" has "production"'],
    [{ tracesSampleRate: 1 }, 'option "tracesSampleRate" is 1 but the client given as "client" has 0.5'],
    [{ strictTraceContinuation: true }, 'option "strictTraceContinuation" is true'],
    [{ shutdownTimeoutMillis: 10 }, 'option "shutdownTimeoutMillis" is 10'],
    [{ orgId: '2' }, 'option "orgId" is "2" but the client given as "client" has "1"'],
  ])('refuses %j, never showing a secret', (options, message) => {
    const error = errorOf(() => checkOptionsBesideClient('comp', options, client));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain(`comp: ${message}`);
    expect(error.message).not.toContain('hunter2');
  });

  it('checks the types of what it compares, under the component’s name', () => {
    expect(errorOf(() => checkOptionsBesideClient('comp', { tracesSampleRate: '0.5' }, client)).message).toBe(
      'comp: option "tracesSampleRate" must be a number from 0 to 1, got "0.5"',
    );
    expect(() => checkOptionsBesideClient('comp', { release: 'app@1' }, createClient({ env: false }))).toThrow(
      /has none/,
    );
  });
});
