/**
 * Sentry DSN: `{scheme}://{public_key}[:{secret}]@{host}[:{port}]{path}/{project_id}`.
 *
 * Parsing a DSN is configuration: it is the one place in this package that throws, so a
 * typo is reported when the application starts instead of losing every event later.
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

const EXPECTED = 'expected https://<public_key>@<host>/<project_id>';

function fail(shown: string, why: string): never {
  throw new InvalidDsnError(`Invalid Sentry DSN "${shown}": ${why} (${EXPECTED})`);
}

/** Parses a DSN. Throws {@link InvalidDsnError} with a message that says what is wrong. */
export function parseDsn(dsn: string): Dsn {
  if (typeof dsn !== 'string') fail(String(dsn), 'a DSN must be a string');
  const text = dsn.trim();
  if (text === '') fail(text, 'the DSN is empty');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(text, 'not a URL');
  }
  // Never repeat a secret in an error message that may end up in logs.
  const shown = url.password ? text.replace(`:${url.password}@`, ':***@') : text;
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
    publicKey: decodeURIComponent(url.username),
    host: url.hostname,
    path: segments.join('/'),
    projectId,
  };
  if (url.password) parsed.secretKey = decodeURIComponent(url.password);
  if (url.port) parsed.port = url.port;
  return Object.freeze(parsed);
}

/** Writes a DSN back as a string; the secret only when `withSecret` is set. */
export function dsnToString(dsn: Dsn, withSecret = false): string {
  const secret = withSecret && dsn.secretKey ? `:${dsn.secretKey}` : '';
  return `${dsn.protocol}://${dsn.publicKey}${secret}@${dsnBase(dsn).slice(dsn.protocol.length + 3)}/${dsn.projectId}`;
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
