/**
 * Sentry DSN: `{scheme}://{public_key}[:{secret}]@{host}[:{port}]{path}/{project_id}`.
 *
 * Parsing a DSN is configuration: it is the one place in this package that throws, so a
 * typo is reported when the application starts instead of losing every event later. The
 * public key goes into a header of every request, so a key no header can carry (control
 * characters, non-ASCII) is refused here rather than failing every send.
 */

/** A parsed DSN. */
export interface Dsn {
  readonly protocol: 'http' | 'https';
  readonly publicKey: string;
  /** Deprecated by Sentry and never sent; kept so {@link dsnToString} can round-trip. */
  readonly secretKey?: string;
  /** Host name; an IPv6 address keeps its brackets (`[::1]`). */
  readonly host: string;
  /** Port, when the DSN names one. */
  readonly port?: string;
  /** Path prefix between the host and the project id, without leading or trailing `/` (`''` when none). */
  readonly path: string;
  readonly projectId: string;
}

/** Thrown by {@link parseDsn} for a DSN that cannot work. */
export class InvalidDsnError extends Error {
  override readonly name = 'InvalidDsnError';
}

/** Longest DSN read: real ones are under 200 characters. */
export const DSN_MAX_CHARS = 2048;

const EXPECTED = 'expected https://<public_key>@<host>/<project_id>';

// `shown` is written as a JSON string: a control character in it cannot break a log line.
function fail(shown: string, why: string): never {
  throw new InvalidDsnError(`Invalid Sentry DSN ${JSON.stringify(shown)}: ${why} (${EXPECTED})`);
}

// The secret sits between the first ':' after the scheme and the '@' that ends the
// userinfo. It is found by position in the text as given, not from `URL`, whose `password`
// is re-encoded (and which gives nothing for text it cannot parse). The last '@' of the
// text is taken as the end, so a secret holding '/', '?', '#' or '@' is hidden too. A scheme
// counts only with its slashes: in `pub:secret@host/1` (no scheme) `pub:` is the key, and
// in `https:pub:secret@host/1` the key goes with the secret — hiding too much is safe.
function hideSecret(text: string): string {
  const at = text.lastIndexOf('@');
  if (at === -1) return text;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:[/\\]+/.exec(text);
  const colon = text.indexOf(':', scheme ? scheme[0].length : 0);
  return colon === -1 || colon > at ? text : `${text.slice(0, colon + 1)}***${text.slice(at)}`;
}

// What a header value cannot carry: controls, DEL, and (in a decoded key) non-ASCII text.
function holdsControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function holdsNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e) return true;
  return false;
}

function decodeUserinfo(value: string, shown: string, what: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    fail(shown, `the ${what} is not valid percent-encoding`);
  }
  if (holdsControl(decoded) || holdsNonAscii(decoded)) {
    fail(shown, `the ${what} holds a control character or non-ASCII text, which no request header can carry`);
  }
  return decoded;
}

/** Parses a DSN. Throws {@link InvalidDsnError} with a message that says what is wrong. */
export function parseDsn(dsn: string): Dsn {
  if (typeof dsn !== 'string') fail(typeof dsn, 'a DSN must be a string');
  if (dsn.length > DSN_MAX_CHARS) fail('…', `the DSN is ${dsn.length} characters long, more than ${DSN_MAX_CHARS}`);
  const text = dsn.trim();
  if (text === '') fail(text, 'the DSN is empty');
  // Never repeat a secret in an error message that may end up in logs.
  const shown = hideSecret(text);
  // `URL` would quietly drop a tab, CR or LF and parse what is left: a key with a line break
  // would then be another key, refused by Sentry on every send.
  if (holdsControl(text)) fail(shown, 'the DSN holds a control character (CR, LF, tab, NUL...)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(shown, 'not a URL');
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== 'http' && protocol !== 'https') fail(shown, `unsupported scheme "${protocol}"`);
  if (!url.username) fail(shown, 'missing public key');
  if (!url.hostname) fail(shown, 'missing host');
  if (url.search || url.hash) fail(shown, 'a DSN has no query or fragment');
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const projectId = segments.pop();
  if (projectId === undefined) fail(shown, 'missing project id');
  if (!/^\d+$/.test(projectId)) fail(shown, `project id "${projectId}" is not a number`);

  const parsed: { -readonly [K in keyof Dsn]: Dsn[K] } = {
    protocol,
    publicKey: decodeUserinfo(url.username, shown, 'public key'),
    host: url.hostname,
    path: segments.join('/'),
    projectId,
  };
  if (url.password) parsed.secretKey = decodeUserinfo(url.password, shown, 'secret');
  if (url.port) parsed.port = url.port;
  return Object.freeze(parsed);
}

/** Writes a DSN back as a string; the secret only when `withSecret` is set. */
export function dsnToString(dsn: Dsn, withSecret = false): string {
  const secret = withSecret && dsn.secretKey ? `:${encodeURIComponent(dsn.secretKey)}` : '';
  return `${dsn.protocol}://${encodeURIComponent(dsn.publicKey)}${secret}@${dsnBase(dsn).slice(dsn.protocol.length + 3)}/${dsn.projectId}`;
}

function dsnBase(dsn: Dsn): string {
  const port = dsn.port ? `:${dsn.port}` : '';
  const path = dsn.path ? `/${dsn.path}` : '';
  return `${dsn.protocol}://${dsn.host}${port}${path}`;
}

/** The envelope endpoint: `{scheme}://{host}[:port]{path}/api/{project_id}/envelope/`. */
export function getEnvelopeEndpoint(dsn: Dsn): string {
  return `${dsnBase(dsn)}/api/${dsn.projectId}/envelope/`;
}

/** Name and version of the SDK that sends, as in `sdk` of envelopes and `sentry_client`. */
export interface SdkInfo {
  readonly name: string;
  readonly version: string;
}

/** The `X-Sentry-Auth` header value for `dsn`. */
export function getAuthHeader(dsn: Dsn, sdk: SdkInfo): string {
  return `Sentry sentry_version=7, sentry_client=${sdk.name}/${sdk.version}, sentry_key=${dsn.publicKey}`;
}

/**
 * The envelope endpoint with authentication in the query string, for senders that
 * cannot set headers (a browser's `sendBeacon`, or to avoid a CORS pre-flight).
 */
export function getEnvelopeEndpointWithAuth(dsn: Dsn, sdk: SdkInfo): string {
  const query = `sentry_version=7&sentry_key=${encodeURIComponent(dsn.publicKey)}&sentry_client=${encodeURIComponent(`${sdk.name}/${sdk.version}`)}`;
  return `${getEnvelopeEndpoint(dsn)}?${query}`;
}
