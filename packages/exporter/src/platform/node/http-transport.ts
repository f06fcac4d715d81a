/**
 * The Node platform transport: POSTs envelopes over keep-alive sockets of its own — the lean
 * HTTP/1.1 pool of `http1-pool.ts` for a direct route, `node:http` / `node:https` with an
 * agent of its own through a proxy.
 *
 * Why not `fetch` on Node: this transport runs inside the host application, so it must cost
 * the host as little as possible and never hold resources it does not need. Here it gets:
 *
 * - its own sockets (never the global agent's): at most `maxRequests` requests out at once over at most
 *   {@link MAX_SOCKETS} sockets,
 *   sockets reused LIFO so the warm ones stay in use (pipelined on a direct route, see
 *   `pipelining`), unref'd while idle, and destroyed after {@link IDLE_SOCKET_TIMEOUT_MILLIS}
 *   idle, so an idle service keeps no socket open;
 * - every request run with OpenTelemetry tracing suppressed, so `instrumentation-http` neither
 *   traces the exporter's own requests nor injects headers into them;
 * - gzip (async `node:zlib`, off the main thread) above `compressionThreshold`;
 * - one deadline per request, from `send` to the end of the response, after which the request
 *   and its socket are destroyed;
 * - the response body never buffered: at most {@link MAX_DRAINED_BODY_BYTES} are drained so the
 *   socket can return to the pool; a bigger body gets the socket destroyed instead;
 * - an HTTP(S) proxy: absolute-URL requests for `http:` targets, a `CONNECT` tunnel with TLS
 *   inside it for `https:` targets; extra CA certificates on top of Node's roots;
 * - `close()`, after which nothing opens a connection again.
 */
import { Buffer } from 'node:buffer';
import {
  type AgentOptions,
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import {
  Agent as HttpsAgent,
  type AgentOptions as HttpsAgentOptions,
  type RequestOptions as HttpsRequestOptions,
  request as httpsRequest,
} from 'node:https';
import { isIP, isIPv6 } from 'node:net';
import type { Duplex } from 'node:stream';
import { rootCertificates, connect as tlsConnect } from 'node:tls';
import { gzip } from 'node:zlib';
import { type Context, context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { RequestTimeoutError } from '../../http-transport.js';
import type { TransportRequest, TransportResponse } from '../../types.js';
import type { PlatformTransport, PlatformTransportOptions } from '../transport-options.js';
import { DirectSend, type DirectTarget } from './direct-send.js';
import { Http1Pool } from './http1-pool.js';
import { type Expiring, SendDeadlines } from './send-deadlines.js';
import { type Dispatchable, SendSlots } from './send-slots.js';

/**
 * Most sockets of one transport, however many requests are in flight: with pipelining a
 * socket carries up to `pipelining` requests at once, so `maxRequests` beyond this needs no
 * more sockets; without it, requests beyond this wait for a socket (inside their deadline).
 */
export const MAX_SOCKETS = 256;

/** How long (ms) a keep-alive socket may stay idle in the pool before it is destroyed. */
export const IDLE_SOCKET_TIMEOUT_MILLIS = 30_000;

/**
 * Most response-body bytes drained so the socket can be reused. A bigger body (Sentry answers
 * with a few bytes of JSON) gets the socket destroyed instead of read.
 */
export const MAX_DRAINED_BODY_BYTES = 64 * 1024;

/** The context of every request of ours: tracing suppressed, nothing else. */
const SUPPRESSED: Context = suppressTracing(ROOT_CONTEXT);

/** Longest delay `setTimeout` takes; longer ones fire at once. */
const MAX_TIMER_MILLIS = 2_147_483_647;

/** Error codes of a keep-alive socket the server closed while it sat in the pool. */
const STALE_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE']);

/** Request option (copied by Node onto the agent's `createConnection` options) that links a tunnel to its request. */
const kTunnelHints = Symbol('otel-sentry.tunnelHints');

/** What a request tells the tunnelling agent: when to give up, and which context to open the tunnel in. */
interface TunnelHints {
  readonly signal: AbortSignal;
  readonly context: Context;
}

type RequestFunction = (options: RequestOptions) => ClientRequest;

/**
 * Without a proxy: the lean HTTP/1.1 pool and the request head up to `Content-Length`, built
 * once (see `http1-pool.ts` for why these requests do not go through `http.request`).
 */
interface DirectRoute {
  readonly kind: 'direct';
  readonly pool: Http1Pool;
  readonly head: string;
}

/** Through a proxy: `http.request` with the transport's own agent. */
interface ProxyRoute {
  readonly kind: 'proxy';
  readonly agent: HttpAgent;
  readonly request: RequestFunction;
  /** Where the request goes (the proxy for `http:` targets, the target inside a tunnel for `https:`). */
  readonly options: RequestOptions;
  /** Headers the route adds (`Host` and `Proxy-Authorization` for proxied `http:` targets). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Everything derived from the options once, in the constructor. */
type Route = DirectRoute | ProxyRoute;

/** A proxy to open `CONNECT` tunnels through. */
interface TunnelProxy {
  readonly request: RequestFunction;
  readonly options: HttpsRequestOptions;
  readonly authorization: string | undefined;
}

function clampTimer(millis: number): number {
  if (Number.isNaN(millis)) return MAX_TIMER_MILLIS;
  return Math.min(Math.max(millis, 0), MAX_TIMER_MILLIS);
}

function closedError(): Error {
  return new Error('transport is closed');
}

/** `URL.hostname` without the brackets of an IPv6 address. */
function bareHostname(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** `Basic` credentials from the user info of a proxy URL, if it has any. */
function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === '' && proxy.password === '') return undefined;
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

/** Node's root certificates plus `caCerts`, or `undefined` (Node's defaults) when there are none. */
function certificateAuthorities(caCerts: PlatformTransportOptions['caCerts']): Array<string | Buffer> | undefined {
  if (caCerts === undefined) return undefined;
  const extra = (typeof caCerts === 'string' || caCerts instanceof Uint8Array ? [caCerts] : [...caCerts]).map((cert) =>
    typeof cert === 'string' ? cert : Buffer.from(cert.buffer, cert.byteOffset, cert.byteLength),
  );
  if (extra.length === 0) return undefined;
  return [...rootCertificates, ...extra];
}

function headerValue(response: IncomingMessage, name: string): string | null {
  const value = response.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

function toBuffer(body: string | Uint8Array): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body, 'utf8')
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * An https agent whose sockets are TLS sessions inside `CONNECT` tunnels through an HTTP(S)
 * proxy. The tunnel is opened asynchronously, so the transport (not the agent) bounds the
 * number of sockets; the request's deadline aborts a tunnel still being opened.
 */
class TunnelAgent extends HttpsAgent {
  readonly #proxy: TunnelProxy;
  /** `CONNECT` requests not answered yet: `destroy()` aborts them. */
  readonly #connecting = new Set<ClientRequest>();
  #destroyed = false;

  constructor(options: HttpsAgentOptions, proxy: TunnelProxy) {
    super(options);
    this.#proxy = proxy;
  }

  override createConnection(
    options: RequestOptions & { ca?: HttpsAgentOptions['ca']; servername?: string },
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    const hints = (options as { [kTunnelHints]?: TunnelHints })[kTunnelHints];
    let done = false;
    const finish = (error: Error | null, socket?: Duplex): void => {
      if (done) return;
      done = true;
      hints?.signal.removeEventListener('abort', onAbort);
      // The agent's callback takes no socket with an error.
      callback?.(error, socket as Duplex);
    };
    const onAbort = (): void => {
      connectRequest?.destroy();
      finish(new Error('proxy tunnel aborted'));
    };
    if (this.#destroyed || hints?.signal.aborted) {
      process.nextTick(finish, new Error(this.#destroyed ? 'transport is closed' : 'proxy tunnel aborted'));
      return undefined;
    }
    const host = options.hostname ?? options.host ?? 'localhost';
    const authority = `${isIPv6(host) ? `[${host}]` : host}:${options.port ?? 443}`;
    const headers: OutgoingHttpHeaders = { Host: authority };
    if (this.#proxy.authorization !== undefined) headers['Proxy-Authorization'] = this.#proxy.authorization;
    const open = (): ClientRequest =>
      this.#proxy.request({ ...this.#proxy.options, method: 'CONNECT', path: authority, headers, agent: false });
    const connectRequest: ClientRequest = hints ? context.with(hints.context, open) : open();
    this.#connecting.add(connectRequest);
    hints?.signal.addEventListener('abort', onAbort, { once: true });
    connectRequest.on('close', () => {
      this.#connecting.delete(connectRequest);
      finish(new Error('proxy closed the connection before answering CONNECT'));
    });
    connectRequest.on('error', (error) => finish(error));
    connectRequest.on('connect', (response: IncomingMessage, raw: Duplex, head: Buffer) => {
      this.#connecting.delete(connectRequest);
      raw.on('error', () => raw.destroy());
      if (response.statusCode !== 200 || done) {
        raw.destroy();
        finish(new Error(`proxy answered CONNECT with status ${response.statusCode}`));
        return;
      }
      if (head.length > 0) raw.unshift(head);
      const secure = tlsConnect({
        socket: raw,
        host,
        ...(options.servername ? { servername: options.servername } : isIP(host) ? {} : { servername: host }),
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      });
      // The pool unrefs idle sockets (so they keep no process alive) and refs reused ones;
      // a TLS socket over a tunnel must pass that on to the socket it runs over.
      const ref = secure.ref.bind(secure);
      const unref = secure.unref.bind(secure);
      secure.ref = () => {
        (raw as Partial<Pick<typeof secure, 'ref'>>).ref?.();
        return ref();
      };
      secure.unref = () => {
        (raw as Partial<Pick<typeof secure, 'unref'>>).unref?.();
        return unref();
      };
      // A socket error with no request attached must never become an uncaught exception.
      secure.on('error', () => undefined);
      secure.on('close', () => raw.destroy());
      raw.on('close', () => secure.destroy());
      finish(null, secure);
    });
    connectRequest.end();
    return undefined;
  }

  override destroy(): void {
    this.#destroyed = true;
    for (const request of this.#connecting) request.destroy();
    this.#connecting.clear();
    super.destroy();
  }
}

/** The agent, request function and options of every request, from the transport's options. */
/** Whether a header value holds a byte that would split or end the request head (controls but tab, DEL, non-ASCII). */
function unsafeHeaderText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code >= 0x7f) return true;
  }
  return false;
}

/**
 * `POST <path> HTTP/1.1` and the fixed headers, up to where `Content-Length` goes. Throws on
 * a header that could not be sent as it is (the transport then rejects every send).
 */
function requestHead(path: string, host: string, headers: Readonly<Record<string, string>>): string {
  // A `Content-Type` given in the options wins (OTLP requests are `application/json`).
  let contentType = 'application/x-sentry-envelope';
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'content-type' && !unsafeHeaderText(String(value))) contentType = String(value);
  }
  let head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${contentType}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || lower === 'content-type' || lower === 'connection') continue;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || unsafeHeaderText(String(value))) {
      throw new TypeError(`invalid header ${JSON.stringify(name)}: names must be tokens, values printable ASCII`);
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}Connection: keep-alive\r\n`;
}

function buildRoute(options: PlatformTransportOptions, maxSockets: number, idleSocketTimeoutMillis: number): Route {
  const fixedHeaders = options.headers ?? {};
  const target = new URL(options.url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new TypeError(`unsupported protocol ${target.protocol} in ${options.url}`);
  }
  const proxy = options.proxy ? new URL(options.proxy) : undefined;
  if (proxy && proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new TypeError(`unsupported proxy protocol ${proxy.protocol}`);
  }
  const ca = certificateAuthorities(options.caCerts);
  const path = `${target.pathname}${target.search}`;
  if (proxy === undefined) {
    const host = bareHostname(target);
    return {
      kind: 'direct',
      pool: new Http1Pool({
        host,
        port: portOf(target),
        tls:
          target.protocol === 'https:'
            ? {
                ALPNProtocols: ['http/1.1'],
                ...(isIP(host) ? {} : { servername: host }),
                ...(ca === undefined ? {} : { ca }),
              }
            : undefined,
        idleTimeoutMillis: idleSocketTimeoutMillis,
        pipelining: options.pipelining,
        maxSockets,
        // A new socket is connected with tracing suppressed, so a `net` instrumentation ignores it.
        connectWithin: (connect) => context.with(SUPPRESSED, connect),
      }),
      head: requestHead(path, target.host, fixedHeaders),
    };
  }
  const pool: AgentOptions = {
    keepAlive: true,
    maxSockets,
    scheduling: 'lifo',
    timeout: idleSocketTimeoutMillis,
  };
  const tlsPool: HttpsAgentOptions = ca === undefined ? pool : { ...pool, ca };
  const authorization = proxyAuthorization(proxy);
  const proxyIsTls = proxy.protocol === 'https:';
  const proxyHost = bareHostname(proxy);
  const toProxy: HttpsRequestOptions = { hostname: proxyHost, port: portOf(proxy) };
  // Node would take the TLS server name from the Host header, which names the target, not the proxy.
  if (proxyIsTls) toProxy.servername = isIP(proxyHost) ? '' : proxyHost;
  if (target.protocol === 'https:') {
    const tunnel: TunnelProxy = {
      request: proxyIsTls ? httpsRequest : httpRequest,
      options: proxyIsTls && ca !== undefined ? { ...toProxy, ca } : toProxy,
      authorization,
    };
    const inTunnel: RequestOptions = { method: 'POST', hostname: bareHostname(target), port: portOf(target), path };
    return {
      kind: 'proxy',
      agent: new TunnelAgent(tlsPool, tunnel),
      request: httpsRequest,
      options: inTunnel,
      headers: {},
    };
  }
  // Plain http through a proxy: the request goes to the proxy, with the absolute URL as path.
  const headers: Record<string, string> = { Host: target.host };
  if (authorization !== undefined) headers['Proxy-Authorization'] = authorization;
  return {
    kind: 'proxy',
    agent: proxyIsTls ? new HttpsAgent(tlsPool) : new HttpAgent(pool),
    request: proxyIsTls ? httpsRequest : httpRequest,
    options: { ...toProxy, method: 'POST', path: `${target.origin}${path}` },
    headers,
  };
}

/** Settings of the Node transport beyond {@link PlatformTransportOptions}. */
export interface NodeHttpTransportTuning {
  /**
   * How long (ms) a pooled socket may stay idle before it is destroyed. A shorter
   * `Keep-Alive: timeout=` from the server wins. Default {@link IDLE_SOCKET_TIMEOUT_MILLIS}.
   */
  readonly idleSocketTimeoutMillis?: number | undefined;
}

/**
 * UTF-8 bytes of a string body: the count the exporter made while serializing when it has one.
 * Counting here instead (`Buffer.byteLength`) first copies a body built of many pieces into one
 * new string: a pass and a copy per transaction, and a request in flight then keeps that copy
 * alive beside the payload its envelope still holds (at a 100 ms round trip, `bench:gc` at
 * `head-10`: 329–343 KB promoted per scavenge with the copy, 251–267 without). A count no
 * UTF-8 text of this length could have (each UTF-16 unit is 1 to 3 bytes) is not trusted: a
 * wrong `Content-Length` would break the framing of every request behind it on the connection.
 */
function stringBytes(body: string, counted: number | undefined): number {
  if (counted !== undefined && Number.isInteger(counted) && counted >= body.length && counted <= body.length * 3) {
    return counted;
  }
  return Buffer.byteLength(body, 'utf8');
}

/**
 * Sends envelopes with `node:http` / `node:https` over its own keep-alive agent. Resolves with
 * the status and the rate-limit headers once the response is over (its body drained, or cut
 * when too big or late); rejects on network errors, on timeout (`RequestTimeoutError`) and
 * once closed. Never throws from `send`.
 */
export class NodeHttpTransport implements PlatformTransport {
  readonly #route: Route | Error;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMillis: number;
  readonly #compressionThreshold: number;
  readonly #maxRequests: number;
  readonly #slots: SendSlots;
  /** Every send not settled yet, of either route: one timer for their deadlines; `close` aborts them. */
  readonly #deadlines = new SendDeadlines();
  /** The direct route's pool and head, with the slots and deadline every send of it shares. */
  readonly #direct: DirectTarget | undefined;
  #closed = false;

  /**
   * Never throws: an unusable `url` or `proxy` makes every `send` reject with the reason.
   * @param options - The platform transport options.
   * @param tuning - Pool settings not in the platform contract (tests shorten them).
   */
  constructor(options: PlatformTransportOptions, tuning: NodeHttpTransportTuning = {}) {
    this.#timeoutMillis = clampTimer(options.timeoutMillis);
    this.#compressionThreshold = options.compressionThreshold;
    this.#maxRequests = options.maxRequests >= 1 ? Math.floor(options.maxRequests) : 1;
    this.#headers = { ...options.headers };
    let route: Route | Error;
    try {
      route = buildRoute(
        options,
        Math.min(this.#maxRequests, MAX_SOCKETS),
        clampTimer(tuning.idleSocketTimeoutMillis ?? IDLE_SOCKET_TIMEOUT_MILLIS),
      );
    } catch (error) {
      route = error instanceof Error ? error : new Error(String(error));
    }
    this.#route = route;
    this.#slots = new SendSlots(this.#maxRequests);
    this.#direct =
      route instanceof Error || route.kind !== 'direct'
        ? undefined
        : {
            pool: route.pool,
            head: route.head,
            slots: this.#slots,
            deadlines: this.#deadlines,
            timeoutMillis: this.#timeoutMillis,
          };
  }

  /** Sends one envelope with tracing suppressed. Never throws; every failure is a rejection. */
  send(request: TransportRequest): Promise<TransportResponse> {
    try {
      if (this.#closed) return Promise.reject(closedError());
      const route = this.#route;
      if (route instanceof Error) return Promise.reject(route);
      const body = request.body;
      // A string body is written as it is (no copy into a Buffer).
      const payload = typeof body === 'string' ? body : toBuffer(body);
      const bytes = typeof payload === 'string' ? stringBytes(payload, request.bytes) : payload.length;
      if (route.kind === 'direct') {
        // Built with the route in the constructor.
        const direct = this.#direct!;
        const threshold = this.#compressionThreshold;
        return new Promise((resolve, reject) => {
          new DirectSend(direct, payload, bytes, threshold, resolve, reject);
        });
      }
      // Every socket is connected and every request created inside `context.with(SUPPRESSED)`
      // below; the caller's context values are not needed for our own requests.
      return this.#send(route, payload, bytes, SUPPRESSED);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Aborts every send in flight (each rejects), destroys every socket, and makes every later
   * `send` reject at once without touching the network.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#slots.close();
    this.#deadlines.abortAll(closedError());
    const route = this.#route;
    if (route instanceof Error) return;
    if (route.kind === 'direct') route.pool.close();
    else route.agent.destroy();
  }

  /** A send through a proxy: `http.request` with the route's agent. */
  #send(
    route: ProxyRoute,
    body: string | Buffer,
    payloadBytes: number,
    suppressed: Context,
  ): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => {
      let settled = false;
      let holdsSlot = false;
      let retried = false;
      let current: ClientRequest | undefined;
      let tunnelAbort: AbortController | undefined;
      let response: TransportResponse | undefined;

      const destroyCurrent = (error?: Error): void => {
        tunnelAbort?.abort();
        current?.destroy(error);
      };
      /** Settles once: with the response when there is one and no error forces a rejection. */
      const settle = (error?: Error, force = false): void => {
        if (settled) return;
        settled = true;
        this.#deadlines.delete(handle);
        if (holdsSlot) {
          holdsSlot = false;
          this.#slots.release();
        } else {
          // Still waiting for a slot (only then is it in the waiting list).
          this.#slots.forget(handle);
        }
        if (response !== undefined && !force) resolve(response);
        else reject(error ?? new Error('request ended without a response'));
      };
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/x-sentry-envelope',
        ...this.#headers,
        ...route.headers,
      };
      let payload = body;

      const attempt = (): void => {
        const options: RequestOptions & { [kTunnelHints]?: TunnelHints } = {
          ...route.options,
          headers,
          agent: route.agent,
        };
        // Only a tunnel (https through a proxy) opens its socket asynchronously and needs to be
        // told when to give up.
        if (route.agent instanceof TunnelAgent) {
          const controller = new AbortController();
          tunnelAbort = controller;
          options[kTunnelHints] = { signal: controller.signal, context: suppressed };
        }
        let request: ClientRequest;
        try {
          // Throws on an invalid header value, for one. A retry or a queued send runs outside
          // `send`'s context: set the suppressed one again.
          request = context.with(suppressed, route.request, undefined, options);
        } catch (error) {
          settle(error instanceof Error ? error : new Error(String(error)), true);
          return;
        }
        current = request;
        request.on('error', (error: NodeJS.ErrnoException) => {
          if (settled || current !== request) return;
          if (response === undefined && !retried && request.reusedSocket && STALE_SOCKET_ERRORS.has(error.code ?? '')) {
            // The server closed the pooled socket as we reused it: once more on a fresh one.
            retried = true;
            attempt();
            return;
          }
          settle(error);
        });
        request.on('response', (res: IncomingMessage) => {
          res.on('error', () => undefined);
          if (settled || current !== request) {
            request.destroy();
            return;
          }
          response = {
            statusCode: res.statusCode ?? 0,
            rateLimits: headerValue(res, 'x-sentry-rate-limits'),
            retryAfter: headerValue(res, 'retry-after'),
          };
          const declared = Number(res.headers['content-length']);
          if (declared > MAX_DRAINED_BODY_BYTES) {
            request.destroy();
            settle();
            return;
          }
          let received = 0;
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_DRAINED_BODY_BYTES) {
              request.destroy();
              settle();
            }
          });
          res.resume();
        });
        // After the body ended and right before the socket goes back to the pool.
        request.on('close', () => {
          if (current === request) settle();
        });
        request.end(payload);
      };
      const handle: Dispatchable & Expiring = {
        deadline: Date.now() + this.#timeoutMillis,
        dispatch: () => {
          holdsSlot = true;
          attempt();
        },
        timeOut: () => {
          if (response !== undefined) {
            // Headers are in, the body is late: cut it, the status is known.
            destroyCurrent();
            settle();
            return;
          }
          const error = new RequestTimeoutError(`request timed out after ${this.#timeoutMillis} ms`);
          destroyCurrent(error);
          settle(error);
        },
        abort: (error) => {
          destroyCurrent(error);
          settle(error, true);
        },
      };
      this.#deadlines.add(handle);
      const ready = (): void => {
        headers['Content-Length'] = payloadBytes;
        this.#slots.acquire(handle);
      };

      if (payloadBytes > this.#compressionThreshold) {
        gzip(payload, (error, compressed) => {
          if (settled) return;
          if (error) {
            settle(error);
            return;
          }
          payload = compressed;
          headers['Content-Length'] = compressed.length;
          headers['Content-Encoding'] = 'gzip';
          this.#slots.acquire(handle);
        });
      } else {
        ready();
      }
    });
  }
}

/** Creates the Node transport (`node:http`/`node:https`, keep-alive, proxy support). */
export function createPlatformTransport(options: PlatformTransportOptions): PlatformTransport {
  return new NodeHttpTransport(options);
}
