/**
 * Where envelopes go (design decision 7): Sentry when there is a DSN (over the platform
 * transport), else a Spotlight sidecar when one is configured, else the local outbox
 * folder. With both a DSN and Spotlight, Spotlight gets a copy of everything.
 */
import { type Dsn, getAuthHeader, getEnvelopeEndpoint, type SdkInfo } from '@otel-sentry/core';
import { createPlatformTransport } from '#platform-transport';
import { exporterDiag } from './diag.js';
import type { ResolvedExporterOptions } from './options.js';
import type { OtlpEndpoint } from './otlp-endpoint.js';
import type { ConnectionCheckResult, EnvelopeTransport, TransportRequest, TransportResponse } from './types.js';

/** Sockets to a Spotlight sidecar or other local receiver: it is on loopback, a few suffice. */
const LOCAL_MAX_SOCKETS = 4;

/** The chosen destination. */
export interface Destination {
  readonly kind: ConnectionCheckResult['destination'];
  readonly transport: EnvelopeTransport;
  /** The outbox folder, when envelopes go to files. */
  readonly outboxDir?: string | undefined;
}

/**
 * The proxy for `url` from the environment, as Sentry's Node transport and curl read it:
 * `HTTPS_PROXY`/`https_proxy` for https, `HTTP_PROXY`/`http_proxy` for http, none when
 * `NO_PROXY` names the host (a suffix match, or `*`).
 */
export function proxyFromEnv(url: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const proxy =
    target.protocol === 'https:'
      ? (env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy)
      : (env.HTTP_PROXY ?? env.http_proxy);
  if (proxy === undefined || proxy.trim() === '') return undefined;
  const noProxy = env.NO_PROXY ?? env.no_proxy ?? '';
  const host = target.hostname.toLowerCase();
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (entry === '') continue;
    if (entry === '*') return undefined;
    const bare = entry.startsWith('.') ? entry.slice(1) : entry;
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return proxy.trim();
}

/** The transport to Sentry's envelope endpoint of `dsn`. */
export function createSentryTransport(
  dsn: Dsn,
  sdk: SdkInfo,
  o: ResolvedExporterOptions,
  env: Readonly<Record<string, string | undefined>>,
): EnvelopeTransport {
  const url = getEnvelopeEndpoint(dsn);
  return createPlatformTransport({
    url,
    headers: { 'X-Sentry-Auth': getAuthHeader(dsn, sdk) },
    timeoutMillis: o.requestTimeoutMillis,
    compressionThreshold: o.compressionThreshold,
    maxRequests: o.maxConcurrentRequests,
    pipelining: o.pipelining,
    proxy: o.proxy ?? proxyFromEnv(url, env),
    caCerts: o.caCerts,
  });
}

/** The transport of OTLP requests (`spans: 'otlp'`), to `endpoint`. */
export function createOtlpTransport(
  endpoint: OtlpEndpoint,
  o: ResolvedExporterOptions,
  env: Readonly<Record<string, string | undefined>>,
): EnvelopeTransport {
  return createPlatformTransport({
    url: endpoint.url,
    headers: endpoint.headers,
    timeoutMillis: o.requestTimeoutMillis,
    compressionThreshold: o.compressionThreshold,
    maxRequests: o.maxConcurrentRequests,
    pipelining: o.pipelining,
    proxy: o.proxy ?? proxyFromEnv(endpoint.url, env),
    caCerts: o.caCerts,
  });
}

/** A transport to a Spotlight sidecar. */
export function createSpotlightTransport(url: string, timeoutMillis: number): EnvelopeTransport {
  // Spotlight runs on loopback: compression costs more than it saves.
  return createPlatformTransport({
    url,
    timeoutMillis,
    compressionThreshold: Number.POSITIVE_INFINITY,
    maxRequests: LOCAL_MAX_SOCKETS,
  });
}

/** A transport that loads the Node-only file outbox on first use, so the main entry stays runtime-neutral. */
export class LazyOutboxTransport implements EnvelopeTransport {
  readonly dir: string;
  readonly #maxFiles: number;
  #inner: Promise<EnvelopeTransport | undefined> | undefined;
  #closed = false;

  constructor(dir: string, maxFiles: number) {
    this.dir = dir;
    this.#maxFiles = maxFiles;
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    if (this.#closed) throw new Error('the outbox is closed');
    this.#inner ??= import('#platform-files').then(
      (m) => {
        if (!m.HAS_FILE_SYSTEM) throw new Error('no file system');
        const outbox = new m.FileOutboxTransport(this.dir, this.#maxFiles);
        exporterDiag.info(`no DSN and no Spotlight: writing envelopes to ${outbox.dir}`);
        return outbox;
      },
      (error: unknown) => {
        exporterDiag.warn('no DSN and no Spotlight, and no file system here: envelopes are dropped', error);
        return undefined;
      },
    );
    const inner = await this.#inner;
    // 400: counted as a send error, never retried.
    return inner === undefined ? { statusCode: 400 } : inner.send(request);
  }

  close(): void {
    this.#closed = true;
  }
}
