/**
 * The platform transport where there is no `node:http`, or where `node:http` is an
 * emulation (browsers, edge runtimes, Deno, Bun): `fetch`. Chosen by the `#platform-transport`
 * import's export conditions, never by a runtime check.
 */
import { FetchTransport } from '../../http-transport.js';
import type { PlatformTransport, PlatformTransportOptions } from '../transport-options.js';

/** Creates the `fetch` transport. `maxRequests`, `proxy` and `caCerts` are the platform's business here. */
export function createPlatformTransport(options: PlatformTransportOptions): PlatformTransport {
  return new FetchTransport({
    url: options.url,
    headers: options.headers,
    timeoutMillis: options.timeoutMillis,
    compressionThreshold: options.compressionThreshold,
  });
}
