import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DSN_MAX_CHARS,
  dsnToString,
  getAuthHeader,
  getEnvelopeEndpoint,
  getEnvelopeEndpointWithAuth,
  InvalidDsnError,
  parseDsn,
} from '../src/dsn.js';
import { unicodeString } from './arbitraries.js';

const SDK = { name: 'otel-sentry.javascript', version: '1.2.3' };
const KEY = 'abc123def456abc123def456abc12345';

/** Whether `text` holds a control character or DEL (a regular expression of them trips the linter). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('parseDsn', () => {
  it('reads a plain SaaS DSN', () => {
    const dsn = parseDsn(`https://${KEY}@o123.ingest.sentry.io/4505`);
    expect(dsn).toEqual({
      protocol: 'https',
      publicKey: KEY,
      host: 'o123.ingest.sentry.io',
      path: '',
      projectId: '4505',
    });
    expect(dsn).not.toHaveProperty('port');
    expect(dsn).not.toHaveProperty('secretKey');
    expect(Object.isFrozen(dsn)).toBe(true);
  });

  it('reads a port, a path prefix and a secret', () => {
    expect(parseDsn(`http://${KEY}:s3cret@sentry.example.com:9000/some/prefix/42`)).toEqual({
      protocol: 'http',
      publicKey: KEY,
      secretKey: 's3cret',
      host: 'sentry.example.com',
      port: '9000',
      path: 'some/prefix',
      projectId: '42',
    });
  });

  it('keeps the brackets of an IPv6 host', () => {
    const dsn = parseDsn(`http://${KEY}@[::1]:8969/7`);
    expect(dsn.host).toBe('[::1]');
    expect(dsn.port).toBe('8969');
    expect(getEnvelopeEndpoint(dsn)).toBe('http://[::1]:8969/api/7/envelope/');
  });

  it('trims surrounding whitespace and tolerates a trailing slash', () => {
    expect(parseDsn(`  https://${KEY}@host.example/3/ \n`).projectId).toBe('3');
  });

  it('decodes a percent-encoded key', () => {
    expect(parseDsn('https://a%20b@host/1').publicKey).toBe('a b');
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['not a dsn', 'not a URL'],
    [`ftp://${KEY}@host/1`, 'unsupported scheme "ftp"'],
    ['https://host/1', 'missing public key'],
    [`https://${KEY}@host`, 'missing project id'],
    [`https://${KEY}@host/`, 'missing project id'],
    [`https://${KEY}@host/abc`, 'project id "abc" is not a number'],
    [`https://${KEY}@host/1?x=1`, 'no query or fragment'],
    [`https://${KEY}@host/1#frag`, 'no query or fragment'],
    [`https://${KEY}@host:99999/1`, 'not a URL'],
    ['https://%E0@host/1', 'public key is not valid percent-encoding'],
  ])('rejects %j with a message that says why (%s)', (text, why) => {
    const error = errorOf(() => parseDsn(text));
    expect(error).toBeInstanceOf(InvalidDsnError);
    expect(error.name).toBe('InvalidDsnError');
    expect(error.message).toContain(why);
    expect(error.message).toContain('Invalid Sentry DSN');
  });

  it.each([
    ['a raw CR/LF', `https://pub\r\nkey@host/1`, 'control character'],
    ['a raw NUL', `https://pub\u0000key@host/1`, 'control character'],
    ['a raw tab in the host', `https://${KEY}@ho\tst/1`, 'control character'],
    ['an escaped CR/LF', 'https://pub%0D%0AX-Injected:%201@host/1', 'public key holds a control character'],
    ['an escaped NUL', 'https://pub%00@host/1', 'public key holds a control character'],
    ['an escaped DEL', 'https://pub%7F@host/1', 'public key holds a control character'],
    ['non-ASCII text', 'https://clé@host/1', 'public key holds a control character or non-ASCII'],
    ['escaped non-ASCII text', 'https://cl%C3%A9@host/1', 'public key holds a control character or non-ASCII'],
    ['a secret with a line break', `https://${KEY}:a%0Ab@host/1`, 'secret holds a control character'],
  ])('rejects a public key no header can carry: %s', (_what, text, why) => {
    const error = errorOf(() => parseDsn(text));
    expect(error).toBeInstanceOf(InvalidDsnError);
    expect(error.message).toContain(why);
    // The message is one line whatever the DSN held.
    expect(hasControl(error.message)).toBe(false);
  });

  it('never shows the secret of a DSN written without its scheme', () => {
    for (const text of ['pub:hunter2x@host/1', 'pub:hunter2x@host', 'pub:hunter2x@host/x', '//pub:hunter2x@host/1']) {
      const error = errorOf(() => parseDsn(text));
      expect(error).toBeInstanceOf(InvalidDsnError);
      expect(error.message).not.toMatch(/hunter|2x/);
      expect(error.message).toContain('***');
    }
  });

  it(`refuses a DSN longer than ${DSN_MAX_CHARS} characters without showing it`, () => {
    const error = errorOf(() => parseDsn(`https://pub:hunter2x@host/${'1'.repeat(DSN_MAX_CHARS)}`));
    expect(error).toBeInstanceOf(InvalidDsnError);
    expect(error.message).toContain(`more than ${DSN_MAX_CHARS}`);
    expect(error.message).not.toContain('hunter');
  });

  it('rejects values that are not strings', () => {
    expect(() => parseDsn(42 as unknown as string)).toThrow(InvalidDsnError);
    expect(() => parseDsn(undefined as unknown as string)).toThrow(/must be a string/);
  });

  it.each([
    `https://${KEY}:hunter2x@host/abc`,
    `https://${KEY}:hunter2x@host:99999/1`,
    `ftp://${KEY}:hunter2x@host/1`,
    `https://${KEY}:hunter 2x@host/x`,
    `https://${KEY}:hunter%E02x@host/1`,
    `https://${KEY}:hunter@2x@host/x`,
    `https:${KEY}:hunter2x@host/x`,
    `https://${KEY}:hunter2x@/1`,
  ])('never repeats the secret in its message: %s', (text) => {
    const error = errorOf(() => parseDsn(text));
    expect(error).toBeInstanceOf(InvalidDsnError);
    expect(error.message).not.toMatch(/hunter|2x/);
    expect(error.message).toContain('***');
  });

  it('never throws anything but InvalidDsnError, and never echoes a secret', () => {
    const secret = fc.string({ unit: fc.constantFrom(...'SECRTxyz%@:/ E0'), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.string(), secret, fc.string(), (before, pass, after) => {
        const text = `https://pub:SECRET${pass}@${before}${after}`;
        try {
          parseDsn(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidDsnError);
          expect((error as Error).message).not.toContain('SECRET');
        }
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), unicodeString()), (text) => {
        try {
          parseDsn(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidDsnError);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('envelope endpoint and auth', () => {
  it('builds the endpoint with port and path prefix', () => {
    expect(getEnvelopeEndpoint(parseDsn(`https://${KEY}@o1.ingest.sentry.io/5`))).toBe(
      'https://o1.ingest.sentry.io/api/5/envelope/',
    );
    expect(getEnvelopeEndpoint(parseDsn(`http://${KEY}:sec@localhost:9000/relay/a/17`))).toBe(
      'http://localhost:9000/relay/a/api/17/envelope/',
    );
  });

  it('writes the X-Sentry-Auth header without the secret', () => {
    const dsn = parseDsn(`https://${KEY}:sec@host/1`);
    expect(getAuthHeader(dsn, SDK)).toBe(
      `Sentry sentry_version=7, sentry_client=otel-sentry.javascript/1.2.3, sentry_key=${KEY}`,
    );
  });

  it('puts the auth in the query string for senders that cannot set headers', () => {
    const url = new URL(getEnvelopeEndpointWithAuth(parseDsn(`https://${KEY}@host:8443/p/9`), SDK));
    expect(`${url.origin}${url.pathname}`).toBe('https://host:8443/p/api/9/envelope/');
    expect(url.searchParams.get('sentry_version')).toBe('7');
    expect(url.searchParams.get('sentry_key')).toBe(KEY);
    expect(url.searchParams.get('sentry_client')).toBe('otel-sentry.javascript/1.2.3');
  });
});

describe('dsnToString', () => {
  it('writes the DSN back, with the secret only when asked', () => {
    const text = `https://${KEY}:sec@host.example:9000/a/b/12`;
    const dsn = parseDsn(text);
    expect(dsnToString(dsn)).toBe(`https://${KEY}@host.example:9000/a/b/12`);
    expect(dsnToString(dsn, true)).toBe(text);
  });

  it('round-trips through parseDsn', () => {
    // No non-ASCII: a key or secret that no header can carry is refused (see parseDsn's tests).
    const part = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.~ @:/%'), minLength: 1, maxLength: 10 });
    const label = fc.string({ unit: fc.constantFrom(...'abcxyz019-'), minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https'),
        part,
        fc.option(part, { nil: undefined }),
        fc.oneof(
          label.map((l) => `${l}.example`),
          fc.constant('[::1]'),
          fc.constant('127.0.0.1'),
        ),
        fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        fc.array(label, { maxLength: 3 }),
        fc.nat({ max: 1e6 }),
        (protocol, key, secret, host, port, path, project) => {
          const dsn = parseDsn(
            `${protocol}://${encodeURIComponent(key)}${secret === undefined ? '' : `:${encodeURIComponent(secret)}`}@${host}${port === undefined ? '' : `:${port}`}/${path.map((p) => `${p}/`).join('')}${project}`,
          );
          expect(dsn.publicKey).toBe(key);
          expect(dsn.secretKey).toBe(secret);
          expect(dsn.path).toBe(path.join('/'));
          expect(dsn.projectId).toBe(String(project));
          expect(parseDsn(dsnToString(dsn, true))).toEqual(dsn);
        },
      ),
      { numRuns: 200 },
    );
  });
});
