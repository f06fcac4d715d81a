import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FILTERED, Scrubber, scrubCardNumbers } from '../src/scrubber.js';

describe('Scrubber', () => {
  const s = new Scrubber({ sendDefaultPii: false });

  it('scrubs credentials, cookies, secrets and client IPs', () => {
    const out = s.scrubAttributes({
      'http.request.header.authorization': ['Bearer x'],
      'http.request.header.cookie': ['a=b'],
      'http.response.header.set-cookie': ['a=b'],
      'http.request.header.x-api-key': ['k'],
      'user.password': 'hunter2',
      'app.secret': 's',
      'auth.token': 't',
      'client.address': '1.2.3.4',
      'http.client_ip': '1.2.3.4',
      'http.route': '/x',
      'gen_ai.usage.input_tokens': 12,
    });
    for (const key of [
      'http.request.header.authorization',
      'http.request.header.cookie',
      'http.response.header.set-cookie',
      'http.request.header.x-api-key',
      'user.password',
      'app.secret',
      'auth.token',
      'client.address',
      'http.client_ip',
    ]) {
      expect(out[key], key).toBe(FILTERED);
    }
    expect(out['http.route']).toBe('/x');
    expect(out['gen_ai.usage.input_tokens']).toBe(12);
  });

  it('scrubs secret query parameters in URLs and card numbers anywhere', () => {
    const out = s.scrubAttributes({
      'url.full': 'https://a.io/p?token=abc&x=1',
      'app.note': 'card 4111 1111 1111 1111 paid',
      'app.ids': ['4111-1111-1111-1111', 'ok'],
    });
    expect(out['url.full']).toBe(`https://a.io/p?token=${encodeURIComponent(FILTERED)}&x=1`);
    expect(out['app.note']).toBe(`card ${FILTERED} paid`);
    expect(out['app.ids']).toEqual([FILTERED, 'ok']);
  });

  it('keeps everything with sendDefaultPii', () => {
    const pii = new Scrubber({ sendDefaultPii: true });
    const attrs = { 'http.request.header.cookie': ['a=b'], 'client.address': '1.2.3.4', note: '4111111111111111' };
    expect(pii.scrubAttributes(attrs)).toEqual(attrs);
  });

  it('honours deny and allow lists', () => {
    const custom = new Scrubber({
      sendDefaultPii: false,
      denyKeys: ['ssn', /^app\.internal\./],
      allowKeys: ['auth.token'],
    });
    const out = custom.scrubAttributes({
      'user.ssn': '1',
      'app.internal.x': 'y',
      'auth.token': 'visible',
      'app.password': 'p',
    });
    expect(out).toEqual({
      'user.ssn': FILTERED,
      'app.internal.x': FILTERED,
      'auth.token': 'visible',
      'app.password': FILTERED,
    });
    const piiButDeny = new Scrubber({ sendDefaultPii: true, denyKeys: ['ssn'] });
    expect(piiButDeny.scrubAttributes({ 'user.ssn': '1' })).toEqual({ 'user.ssn': FILTERED });
  });
});

describe('scrubCardNumbers', () => {
  it('leaves non-Luhn digit runs and short numbers', () => {
    expect(scrubCardNumbers('order 4111111111111112')).toBe('order 4111111111111112');
    expect(scrubCardNumbers('id 12345')).toBe('id 12345');
    expect(scrubCardNumbers('ts 17000000000001234567890')).toBe('ts 17000000000001234567890');
  });
  it('never throws and never leaves a Luhn-valid 16-digit number it was given', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (a, b) => {
        const out = scrubCardNumbers(`${a} 4111 1111 1111 1111 ${b}`);
        expect(out.includes('4111 1111 1111 1111')).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Scrubber.attributesJson', () => {
  it('equals JSON.stringify of scrubAttributes', () => {
    const s = new Scrubber({ sendDefaultPii: false });
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
    );
    const key = fc.oneof(
      fc.string(),
      fc.constantFrom('user.password', 'url.full', 'client.address', 'a"b', '__proto__x'),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value), (attrs) => {
        expect(s.attributesJson(attrs as never)).toBe(JSON.stringify(s.scrubAttributes(attrs as never)));
      }),
      { numRuns: 300 },
    );
  });

  it('writes a last member after the attributes, or alone', () => {
    const s = new Scrubber({ sendDefaultPii: false });
    const kind = '"otel.kind":"server"';
    expect(JSON.parse(s.attributesJson({ 'http.route': '/a', n: 1 }, kind))).toEqual({
      'http.route': '/a',
      n: 1,
      'otel.kind': 'server',
    });
    expect(s.attributesJson({}, kind)).toBe(`{${kind}}`);
    expect(s.attributesJson({ gone: undefined }, kind)).toBe(`{${kind}}`);
  });
});

describe('secrets in URLs, whatever the form (issue 12)', () => {
  const s = new Scrubber({ sendDefaultPii: false });
  const F = encodeURIComponent(FILTERED);

  it.each([
    ['url.query', 'token=abc&page=2', `token=${F}&page=2`],
    ['url.query', '?token=abc&page=2', `?token=${F}&page=2`],
    ['url.query', 'page=2&api_key=abc', `page=2&api_key=${F}`],
    ['url.query', 'page=2;password=abc', `page=2;password=${F}`],
    ['url.query', 'to%6Ben=abc', `to%6Ben=${F}`],
    ['url.query', 'Access-Token=abc', `Access-Token=${F}`],
    ['url.query', 'user%5Bpassword%5D=abc', `user%5Bpassword%5D=${F}`],
    ['url.query', 'token=', 'token='],
    ['url.query', 'q=token', 'q=token'],
    ['url.full', 'https://a.io/p?x=1&token=abc', `https://a.io/p?x=1&token=${F}`],
    ['url.full', 'https://a.io/cb#access_token=abc&state=s', `https://a.io/cb#access_token=${F}&state=s`],
    ['url.full', 'https://a.io/p?x=1#/r?token=abc', `https://a.io/p?x=1#/r?token=${F}`],
    ['url.full', 'https://user:hunter2@a.io/p', `https://user:${F}@a.io/p`],
    ['http.url', 'http://a.io/p?secret=abc', `http://a.io/p?secret=${F}`],
    ['http.target', '/p?page=2&Authorization=abc', `/p?page=2&Authorization=${F}`],
    ['url.path', '/p?token=abc', `/p?token=${F}`],
  ])('%s %j', (key, value, expected) => {
    expect(s.scrubAttributes({ [key]: value })[key]).toBe(expected);
    expect(s.attributesJson({ [key]: value })).toBe(JSON.stringify({ [key]: expected }));
  });

  it('keeps them with sendDefaultPii, and honours allowKeys for parameter names', () => {
    expect(new Scrubber({ sendDefaultPii: true }).scrubAttributes({ 'url.query': 'token=abc' })['url.query']).toBe(
      'token=abc',
    );
    const allow = new Scrubber({ sendDefaultPii: false, allowKeys: ['page_token'] });
    expect(allow.scrubAttributes({ 'url.query': 'page_token=abc&token=x' })['url.query']).toBe(
      `page_token=abc&token=${F}`,
    );
  });

  it('never leaves the value of a secret-named parameter, whatever surrounds it', () => {
    const piece = fc.constantFrom('a=1', 'page=2', '', '=', 'x', '%', '#', '?', '&', ';', 'q=token');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 6 }),
        fc.constantFrom('token', 'api_key', 'password', 'secret', 'Api-Key'),
        fc.constantFrom('&', ';'),
        fc.constantFrom('url.query', 'url.full', 'http.target'),
        (before, name, sep, key) => {
          const prefix = key === 'url.query' ? '' : key === 'url.full' ? 'https://a.io/p?' : '/p?';
          const clean = before.filter((p) => !/[#?&;]/.test(p));
          const value = `${prefix}${[...clean, `${name}=SECRETVALUE`].join(sep)}`;
          expect(String(s.scrubAttributes({ [key]: value })[key])).not.toContain('SECRETVALUE');
        },
      ),
      { numRuns: 300 },
    );
  });
});
