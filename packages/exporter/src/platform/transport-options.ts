/**
 * The contract between the exporter and its platform transport. The exporter imports
 * `#platform-transport`, which package.json `imports` maps by export condition to
 * `platform/node/http-transport.ts` (`node:http`/`https` with keep-alive) or to
 * `platform/fetch/fetch-transport.ts` (browsers, edge runtimes, Deno, Bun). Both export
 * `createPlatformTransport` with this signature.
 */
import type { EnvelopeTransport } from '../types.js';

/** Options every platform transport takes. */
export interface PlatformTransportOptions {
  /** The URL to POST envelopes to. */
  readonly url: string;
  /** Extra request headers (`X-Sentry-Auth`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** A request (connect, send and response headers) that takes longer is aborted and its socket destroyed. */
  readonly timeoutMillis: number;
  /** Bodies larger than this many bytes are gzip-compressed. `Infinity`: never. */
  readonly compressionThreshold: number;
  /**
   * Most requests in flight at once to the destination. The Node transport opens at most
   * `min(maxRequests, MAX_SOCKETS)` sockets: with pipelining, several requests share one.
   */
  readonly maxRequests: number;
  /**
   * Most requests written on one connection before their answers are in (HTTP/1.1
   * pipelining of requests made in the same turn of the event loop). Node, direct routes
   * only. Default 1: one at a time.
   */
  readonly pipelining?: number | undefined;
  /**
   * An HTTP(S) proxy URL (`http://user:pass@proxy:3128`). Node only; `fetch` platforms use
   * their own proxy settings. Default: none (the exporter passes `HTTPS_PROXY`/`HTTP_PROXY`
   * unless `NO_PROXY` matches, as Sentry's Node transport does).
   */
  readonly proxy?: string | undefined;
  /** Extra CA certificates (PEM) to trust for `https`. Node only. */
  readonly caCerts?: string | Uint8Array | ReadonlyArray<string | Uint8Array> | undefined;
}

/** A platform transport: sends envelopes, and can be closed so that it opens no connection again. */
export interface PlatformTransport extends EnvelopeTransport {
  /**
   * Aborts every request in flight (each rejects), destroys every socket, and makes every
   * later `send` reject at once without opening a connection.
   */
  close(): void;
}
