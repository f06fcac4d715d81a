import { describe, expect, it } from 'vitest';
import { createClient, InvalidOptionError, isClient, resolveEnv } from '../src/client.js';
import { pickClientOptions } from '../src/client-option.js';
import { SDK_NAME, SDK_VERSION } from '../src/version.js';

const DSN = 'https://abc123@o4242.ingest.sentry.io/17';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('createClient', () => {
  it('applies the defaults', () => {
    const client = createClient({ env: false });
    expect(client.options).toEqual({
      dsn: undefined,
      dsnDisabled: false,
      release: undefined,
      environment: 'production',
      environmentSource: 'default',
      tracesSampleRate: 1,
      orgId: undefined,
      strictTraceContinuation: false,
      sendDefaultPii: false,
      shutdownTimeoutMillis: 2000,
      sdk: { name: SDK_NAME, version: SDK_VERSION },
    });
    expect(Object.isFrozen(client.options)).toBe(true);
    expect(Object.isFrozen(client.options.sdk)).toBe(true);
    expect(Object.isFrozen(client)).toBe(true);
  });

  it('takes options as given', () => {
    const client = createClient({
      dsn: ` ${DSN} `,
      release: 'app@1.0',
      environment: 'staging',
      tracesSampleRate: 0.25,
      orgId: '7',
      strictTraceContinuation: true,
      sendDefaultPii: true,
      sdk: { name: 'custom', version: '9' },
      env: false,
    });
    expect(client.options.dsn).toMatchObject({ publicKey: 'abc123', host: 'o4242.ingest.sentry.io', projectId: '17' });
    expect(client.options).toMatchObject({
      release: 'app@1.0',
      environment: 'staging',
      tracesSampleRate: 0.25,
      orgId: '7',
      strictTraceContinuation: true,
      sendDefaultPii: true,
      sdk: { name: 'custom', version: '9' },
    });
  });

  it('reads the org id from a SaaS DSN host when not given', () => {
    expect(createClient({ dsn: DSN, env: false }).options.orgId).toBe('4242');
    expect(createClient({ dsn: 'https://k@sentry.example.com/1', env: false }).options.orgId).toBeUndefined();
  });

  it('falls back to SENTRY_* environment variables', () => {
    const client = createClient({
      env: {
        SENTRY_DSN: DSN,
        SENTRY_RELEASE: 'r1',
        SENTRY_ENVIRONMENT: 'dev',
        SENTRY_TRACES_SAMPLE_RATE: '0.5',
      },
    });
    expect(client.options.dsn?.projectId).toBe('17');
    expect(client.options.release).toBe('r1');
    expect(client.options.environment).toBe('dev');
    expect(client.options.tracesSampleRate).toBe(0.5);
  });

  it('prefers options over the environment', () => {
    const client = createClient({
      release: 'opt',
      tracesSampleRate: 0,
      env: { SENTRY_RELEASE: 'env', SENTRY_TRACES_SAMPLE_RATE: 'not a number', SENTRY_DSN: 'bad dsn' },
      dsn: DSN,
    });
    expect(client.options.release).toBe('opt');
    expect(client.options.tracesSampleRate).toBe(0);
    expect(client.options.dsn?.projectId).toBe('17');
  });

  it('treats empty environment variables as unset', () => {
    const client = createClient({ env: { SENTRY_DSN: ' ', SENTRY_RELEASE: '', SENTRY_TRACES_SAMPLE_RATE: '' } });
    expect(client.options.dsn).toBeUndefined();
    expect(client.options.release).toBeUndefined();
    expect(client.options.tracesSampleRate).toBe(1);
  });

  it('says where the environment came from, so a defaulted one can give way', () => {
    expect(createClient({ env: false }).options).toMatchObject({
      environment: 'production',
      environmentSource: 'default',
    });
    expect(createClient({ env: { SENTRY_ENVIRONMENT: 'staging' } }).options).toMatchObject({
      environment: 'staging',
      environmentSource: 'env',
    });
    expect(createClient({ environment: 'production', env: { SENTRY_ENVIRONMENT: 'staging' } }).options).toMatchObject({
      environment: 'production',
      environmentSource: 'option',
    });
  });

  it('takes an explicit empty dsn as "disabled" and does not fall back to SENTRY_DSN', () => {
    const env = { SENTRY_DSN: 'https://key@o1.ingest.example.com/17' };
    expect(createClient({ env }).options.dsn?.projectId).toBe('17');
    expect(createClient({ dsn: '', env }).options.dsn).toBeUndefined();
    expect(createClient({ dsn: '', env }).options.dsnDisabled).toBe(true);
    expect(createClient({ env }).options.dsnDisabled).toBe(false);
  });

  it('reads process.env by default', () => {
    const before = process.env.SENTRY_RELEASE;
    process.env.SENTRY_RELEASE = 'from-process-env';
    try {
      expect(createClient().options.release).toBe('from-process-env');
      expect(createClient({ env: false }).options.release).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.SENTRY_RELEASE;
      else process.env.SENTRY_RELEASE = before;
    }
  });

  it('throws a clear error for a bad DSN option, without its secret', () => {
    const error = errorOf(() => createClient({ dsn: 'https://key:hunter2@host/not-a-number', env: false }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.name).toBe('InvalidOptionError');
    expect(error.message).toContain('option "dsn"');
    expect(error.message).toContain('project id');
    expect(error.message).not.toContain('hunter2');
  });

  it('throws a clear error for a bad SENTRY_DSN', () => {
    const error = errorOf(() => createClient({ env: { SENTRY_DSN: 'nope' } }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain('SENTRY_DSN');
    expect(error.message).toContain('not a URL');
  });

  it.each([-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '0.5', null])('throws for tracesSampleRate %s', (rate) => {
    const error = errorOf(() => createClient({ tracesSampleRate: rate as number, env: false }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain('tracesSampleRate');
  });

  it.each(['2', '-1', 'abc', 'NaN'])('throws for SENTRY_TRACES_SAMPLE_RATE=%s', (rate) => {
    const error = errorOf(() => createClient({ env: { SENTRY_TRACES_SAMPLE_RATE: rate } }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain('SENTRY_TRACES_SAMPLE_RATE');
    expect(error.message).toContain(rate);
  });

  it('throws for string options that are not strings', () => {
    expect(() => createClient({ release: 5 as unknown as string, env: false })).toThrow(/option "release"/);
    expect(() => createClient({ environment: {} as unknown as string, env: false })).toThrow(/option "environment"/);
    expect(() => createClient({ dsn: 1 as unknown as string, env: false })).toThrow(InvalidOptionError);
  });

  it('throws for an sdk without name or version', () => {
    expect(() => createClient({ sdk: { name: '', version: '1' }, env: false })).toThrow(/option "sdk"/);
    expect(() => createClient({ sdk: { name: 'x' } as never, env: false })).toThrow(InvalidOptionError);
  });
});

describe('isClient', () => {
  it('recognizes clients by shape', () => {
    expect(isClient(createClient({ env: false }))).toBe(true);
    expect(isClient({ on() {}, emit() {}, hasHooks() {}, options: {} })).toBe(true);
    expect(isClient({ on() {}, emit() {}, hasHooks() {} })).toBe(false);
    expect(isClient({ on() {}, emit() {}, hasHooks() {}, options: null })).toBe(false);
    expect(isClient({ on: 1, emit() {}, hasHooks() {}, options: {} })).toBe(false);
    // The span processor asks hasHooks on every span: a client without it would fail there.
    expect(isClient({ on() {}, emit() {}, options: {} })).toBe(false);
    expect(isClient({})).toBe(false);
    expect(isClient(null)).toBe(false);
    expect(isClient(undefined)).toBe(false);
    expect(isClient('client')).toBe(false);
  });
});

describe('resolveEnv', () => {
  it('reads the given record, none for false, and process.env by default', () => {
    expect(resolveEnv({ SENTRY_RELEASE: 'r' })).toEqual({ SENTRY_RELEASE: 'r' });
    expect(resolveEnv(false)).toEqual({});
    expect(resolveEnv(undefined)).toBe(process.env);
  });
});

describe('pickClientOptions', () => {
  it('keeps the client options that are set, of the names asked for', () => {
    const options = {
      dsn: 'https://k@o1.ingest.example.com/2',
      release: undefined,
      sdk: { name: 'x', version: '1' },
      other: 1,
    };
    expect(pickClientOptions(options)).toEqual({
      dsn: 'https://k@o1.ingest.example.com/2',
      sdk: { name: 'x', version: '1' },
    });
    expect(pickClientOptions(options, ['dsn', 'release'])).toEqual({ dsn: 'https://k@o1.ingest.example.com/2' });
  });
});
