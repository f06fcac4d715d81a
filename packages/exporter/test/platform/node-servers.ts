/**
 * Loopback servers for the Node transport tests: an HTTP(S) server that records requests and
 * sockets, a `CONNECT` proxy, a minimal `AsyncLocalStorage` context manager, and a self-signed
 * certificate made with the `openssl` CLI.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

/** One request a test server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** A test server listening on 127.0.0.1 with counters of what it saw. */
export interface TestServer {
  readonly server: Server;
  readonly port: number;
  /** `http(s)://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** TCP connections accepted. */
  readonly connections: () => number;
  /** TCP connections closed. */
  readonly closedConnections: () => number;
  /** Most TCP connections open at once. */
  readonly maxOpen: () => number;
  close(): Promise<void>;
}

/** What the handler gets: the request with its body already read, and the response. */
export type Handler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void;

function track(server: Server, origin: string, port: number, requests: RecordedRequest[]): TestServer {
  const open = new Set<Socket>();
  let connections = 0;
  let closed = 0;
  let maxOpen = 0;
  // 'connection' is the TCP socket for https too.
  server.on('connection', (socket: Socket) => {
    connections++;
    open.add(socket);
    maxOpen = Math.max(maxOpen, open.size);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed++;
      open.delete(socket);
    });
  });
  return {
    server,
    port,
    origin,
    requests,
    connections: () => connections,
    closedConnections: () => closed,
    maxOpen: () => maxOpen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });
}

function attachHandler(server: Server, requests: RecordedRequest[], handler: Handler): void {
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', () => undefined);
    response.on('error', () => undefined);
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      handler(request, body, response);
    });
  });
}

/** An HTTP server on 127.0.0.1, port 0. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const server = createHttpServer({ keepAliveTimeout: 10_000 });
  const requests: RecordedRequest[] = [];
  attachHandler(server, requests, handler);
  const port = await listen(server);
  return track(server, `http://127.0.0.1:${port}`, port, requests);
}

/** An HTTPS server on 127.0.0.1, port 0, with the given key and certificate. */
export async function startHttpsServer(tlsFiles: { key: string; cert: string }, handler: Handler): Promise<TestServer> {
  const server = createHttpsServer({ key: tlsFiles.key, cert: tlsFiles.cert, keepAliveTimeout: 10_000 });
  const requests: RecordedRequest[] = [];
  attachHandler(server, requests, handler);
  const port = await listen(server);
  return track(server, `https://127.0.0.1:${port}`, port, requests);
}

/** One `CONNECT` a proxy received. */
export interface RecordedConnect {
  readonly authority: string;
  readonly authorization: string | undefined;
}

/**
 * A `CONNECT` proxy on 127.0.0.1; `status` other than 200 refuses the tunnel; `tls` makes it
 * an `https:` proxy.
 */
export async function startConnectProxy(
  options: { status?: number; tls?: { key: string; cert: string } } = {},
): Promise<TestServer & { connects: RecordedConnect[]; tunnelsClosed: () => number }> {
  const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }) : createHttpServer();
  const connects: RecordedConnect[] = [];
  const upstreams = new Set<Socket>();
  let tunnelsClosed = 0;
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    connects.push({ authority: request.url ?? '', authorization: request.headers['proxy-authorization'] });
    client.on('error', () => undefined);
    client.on('close', () => tunnelsClosed++);
    const status = options.status ?? 200;
    if (status !== 200) {
      client.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (request.url ?? '').split(':');
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstreams.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      upstreams.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
  });
  const port = await listen(server);
  const tracked = track(server, `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, port, []);
  return {
    ...tracked,
    connects,
    tunnelsClosed: () => tunnelsClosed,
    close: async () => {
      for (const upstream of upstreams) upstream.destroy();
      await tracked.close();
    },
  };
}

/** Polls `condition` every 5 ms for at most `timeoutMillis`; returns whether it became true. */
export async function waitFor(condition: () => boolean, timeoutMillis = 2000): Promise<boolean> {
  const end = Date.now() + timeoutMillis;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return condition();
}

/**
 * A self-signed certificate for `127.0.0.1` and `localhost`, made by the `openssl` CLI, or
 * `undefined` when `openssl` is missing or fails.
 */
export function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'otel-sentry-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A context manager on `AsyncLocalStorage`, as `@opentelemetry/context-async-hooks` has (that
 * package is a dependency of the `test` workspace package only, not resolvable from here).
 */
export class AsyncLocalStorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(context, () => fn.call(thisArg, ...args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (...args: unknown[]): unknown => this.with(context, () => target(...args));
    return run as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#storage.disable();
    return this;
  }
}
