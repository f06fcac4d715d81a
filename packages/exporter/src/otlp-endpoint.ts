/**
 * Where OTLP requests go (protocol §10): Sentry's OTLP traces endpoint of the DSN —
 * `<scheme>://<host>[:port][/prefix]/api/<project>/integration/otlp/v1/traces`, scheme, host,
 * port and path prefix kept as the DSN has them — with `x-sentry-auth: sentry sentry_key=<key>`;
 * or, when `otlpUrl` is set (an OpenTelemetry Collector), that URL with `otlpHeaders` only.
 */
import { type Dsn, getEnvelopeEndpoint } from '@otel-sentry/core';

/** An OTLP destination: the URL and the request headers. */
export interface OtlpEndpoint {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Whether it is Sentry's endpoint (rate limits shared with envelopes) rather than a Collector. */
  readonly toSentry: boolean;
}

/** Sentry's OTLP traces URL for `dsn`. */
export function sentryOtlpTracesUrl(dsn: Dsn): string {
  // The envelope endpoint already keeps scheme, host, port and prefix as the DSN says them.
  const envelope = getEnvelopeEndpoint(dsn);
  return `${envelope.slice(0, envelope.length - 'envelope/'.length)}integration/otlp/v1/traces`;
}

/** The header Sentry's OTLP endpoint authenticates with. */
export function sentryOtlpAuthHeader(dsn: Dsn): string {
  return `sentry sentry_key=${dsn.publicKey}`;
}

/** The destination of OTLP requests, or `undefined` when there is neither a URL nor a DSN. */
export function otlpEndpoint(
  dsn: Dsn | undefined,
  otlpUrl: string | undefined,
  otlpHeaders: Readonly<Record<string, string>> | undefined,
): OtlpEndpoint | undefined {
  // `Content-Type` spelled as the platform transports spell their default, so it replaces it.
  const json = { 'Content-Type': 'application/json' };
  if (otlpUrl !== undefined) return { url: otlpUrl, headers: { ...json, ...otlpHeaders }, toSentry: false };
  if (dsn === undefined) return undefined;
  return {
    url: sentryOtlpTracesUrl(dsn),
    headers: { ...json, 'x-sentry-auth': sentryOtlpAuthHeader(dsn), ...otlpHeaders },
    toSentry: true,
  };
}
