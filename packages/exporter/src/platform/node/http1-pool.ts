/**
 * A lean HTTP/1.1 keep-alive client for the one kind of request the exporter makes: a POST of
 * an envelope, answered by a small status response whose body is never needed.
 *
 * Why not `http.request`: at one envelope per sampled request, the client runs once per
 * request of the host application. Measured on loopback (Node 20, one core), a keep-alive
 * `http.request` costs ~55 µs of CPU per POST — a `ClientRequest`, an `IncomingMessage`, the
 * agent's bookkeeping, header validation and a dozen listeners — where writing a pre-built
 * request head and reading the status line off the socket costs ~18 µs. The difference is
 * paid by the application's own requests, so it matters more than anything in the mapping.
 *
 * What it does, and no more:
 * - sockets (`net` or `tls`) in a LIFO pool, at most one exchange at a time on each (no
 *   pipelining); idle sockets are unref'd and destroyed after an idle timeout;
 * - the request head is built once per transport; each request adds `Content-Length` (and
 *   `Content-Encoding`) and goes out in one write with its body;
 * - the response is parsed just enough: the status, the headers it needs
 *   (`x-sentry-rate-limits`, `retry-after`, `content-length`, `transfer-encoding`,
 *   `connection`), and the end of the body (by length, by chunks, or by close) so the socket
 *   can be reused; a head over 16 KiB or a body over {@link MAX_BODY_BYTES} gets the socket
 *   destroyed instead of read;
 * - a reused socket the server had already closed is retried once on a new one.
 */
import type { Buffer } from 'node:buffer';
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';

/** Longest response head read before the socket is given up. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Most response-body bytes read so the socket can be reused; a longer body gets it destroyed. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Where and how to connect. */
export interface Http1PoolOptions {
  readonly host: string;
  readonly port: number;
  /** `https:`: TLS with these options (servername, ca). Absent: plain TCP. */
  readonly tls?: ConnectionOptions | undefined;
  /** Most sockets open at once. */
  readonly maxSockets: number;
  /** How long (ms) an idle socket stays in the pool. */
  readonly idleTimeoutMillis: number;
}

/** The part of a response the exporter needs. */
export interface Http1Response {
  readonly statusCode: number;
  readonly rateLimits: string | null;
  readonly retryAfter: string | null;
}

/** A request in flight: resolves once the response is over (or cut). */
export interface Http1Exchange {
  readonly promise: Promise<Http1Response>;
  /** Destroys the socket: rejects with `error`, or, once the status is known, resolves with it. */
  abort(error: Error): void;
}

type BodyMode = 'length' | 'chunked' | 'close' | 'none';

interface Parsed {
  readonly statusCode: number;
  readonly rateLimits: string | null;
  readonly retryAfter: string | null;
  readonly bodyMode: BodyMode;
  readonly contentLength: number;
  readonly keepAlive: boolean;
  /** Bytes after the head. */
  readonly headEnd: number;
}

const CRLFCRLF = '\r\n\r\n';

function parseHead(head: string): Omit<Parsed, 'headEnd'> | undefined {
  // "HTTP/1.1 200 OK"
  if (!head.startsWith('HTTP/1.')) return undefined;
  const statusCode = Number(head.slice(9, 12));
  if (!Number.isInteger(statusCode) || statusCode < 100) return undefined;
  let rateLimits: string | null = null;
  let retryAfter: string | null = null;
  let contentLength = -1;
  let chunked = false;
  let keepAlive = head.charCodeAt(7) === 49; // HTTP/1.1 keeps alive by default, 1.0 does not
  let start = head.indexOf('\r\n') + 2;
  while (start > 1 && start < head.length) {
    let end = head.indexOf('\r\n', start);
    if (end === -1) end = head.length;
    const colon = head.indexOf(':', start);
    if (colon > start && colon < end) {
      const name = head.slice(start, colon).trim().toLowerCase();
      const value = head.slice(colon + 1, end).trim();
      switch (name) {
        case 'content-length':
          contentLength = Number(value);
          break;
        case 'transfer-encoding':
          chunked = value.toLowerCase().includes('chunked');
          break;
        case 'connection': {
          const v = value.toLowerCase();
          if (v.includes('close')) keepAlive = false;
          else if (v.includes('keep-alive')) keepAlive = true;
          break;
        }
        case 'x-sentry-rate-limits':
          rateLimits = rateLimits === null ? value : `${rateLimits}, ${value}`;
          break;
        case 'retry-after':
          retryAfter = value;
          break;
      }
    }
    start = end + 2;
  }
  let bodyMode: BodyMode;
  if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode < 200)) bodyMode = 'none';
  else if (chunked) bodyMode = 'chunked';
  else if (contentLength >= 0 && Number.isFinite(contentLength)) bodyMode = 'length';
  else bodyMode = 'close';
  if (bodyMode === 'close') keepAlive = false;
  return { statusCode, rateLimits, retryAfter, bodyMode, contentLength, keepAlive };
}

/**
 * Walks chunked framing in `data` from `offset`; returns the offset just past the last chunk
 * (`0\r\n` + trailers + `\r\n`), or -1 while more bytes are needed.
 */
function endOfChunked(data: string, offset: number): number {
  let at = offset;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return -1;
    const size = Number.parseInt(data.slice(at, lineEnd), 16);
    if (!Number.isFinite(size) || size < 0) return -2;
    if (size === 0) {
      // Trailers (usually none) end with an empty line.
      const end = data.indexOf(CRLFCRLF, lineEnd);
      if (end === lineEnd) return lineEnd + 4;
      if (data.startsWith('\r\n', lineEnd + 2)) return lineEnd + 4;
      return end === -1 ? -1 : end + 4;
    }
    at = lineEnd + 2 + size + 2;
    if (at > data.length) return -1;
  }
}

/** One socket of the pool. */
interface Connection {
  readonly socket: Socket;
  /** Whether it has carried an exchange before (a stale keep-alive socket is retried once). */
  reused: boolean;
  /** The exchange on it now, told of data, errors and close. */
  current: ((event: 'data' | 'error' | 'close', data?: Buffer | Error) => void) | undefined;
}

/** See the module comment. */
export class Http1Pool {
  readonly #o: Http1PoolOptions;
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  #closed = false;

  constructor(options: Http1PoolOptions) {
    this.#o = options;
  }

  /** Sockets open now (idle and busy). */
  get size(): number {
    return this.#all.size;
  }

  /** Destroys every socket; later exchanges fail at once. */
  close(): void {
    this.#closed = true;
    for (const c of this.#all) c.socket.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }

  /**
   * Sends `head` + `body` on a pooled socket. The caller bounds concurrency (at most
   * `maxSockets` exchanges at once) and the deadline (`abort`).
   */
  exchange(head: string, body: string | Buffer): Http1Exchange {
    let settle: ((error: Error | undefined) => void) | undefined;
    let abort: (error: Error) => void = () => undefined;
    const promise = new Promise<Http1Response>((resolve, reject) => {
      let done = false;
      let connection: Connection | undefined;
      let retried = false;
      let response: Http1Response | undefined;
      // Once the status is known the exchange succeeds, whatever happens to the rest of the
      // body (cut for size, a late deadline, a reset): the exporter only needs the status.
      settle = (error) => {
        if (done) return;
        done = true;
        if (response !== undefined) resolve(response);
        else reject(error ?? new Error('connection closed before a response'));
      };
      abort = (error) => {
        if (done) return;
        if (connection !== undefined) this.#discard(connection);
        settle!(error);
      };

      const start = (): void => {
        if (this.#closed) {
          settle!(new Error('transport is closed'));
          return;
        }
        const c = this.#take();
        connection = c;
        response = undefined;
        let text = '';
        let parsed: Parsed | undefined;
        let received = false;
        c.current = (event, data) => {
          if (event === 'data') {
            received = true;
            // Responses are small ASCII: latin1 keeps byte offsets equal to string offsets.
            text += (data as Buffer).toString('latin1');
            if (parsed === undefined) {
              const end = text.indexOf(CRLFCRLF);
              if (end === -1) {
                if (text.length > MAX_HEAD_BYTES) fail(new Error('response head too large'));
                return;
              }
              const head = parseHead(text.slice(0, end + 2));
              if (head === undefined) {
                fail(new Error('malformed HTTP response'));
                return;
              }
              parsed = { ...head, headEnd: end + 4 };
              response = { statusCode: head.statusCode, rateLimits: head.rateLimits, retryAfter: head.retryAfter };
            }
            const p = parsed;
            const bodyBytes = text.length - p.headEnd;
            if (p.bodyMode === 'none' || (p.bodyMode === 'length' && bodyBytes >= p.contentLength)) {
              finish(p.keepAlive && bodyBytes === (p.bodyMode === 'none' ? 0 : p.contentLength));
            } else if (p.bodyMode === 'chunked') {
              const end = endOfChunked(text, p.headEnd);
              if (end >= 0) finish(p.keepAlive && end === text.length);
              else if (end === -2 || bodyBytes > MAX_BODY_BYTES) finish(false);
            } else if (bodyBytes > MAX_BODY_BYTES || (p.bodyMode === 'length' && p.contentLength > MAX_BODY_BYTES)) {
              // Not worth reading: the status is known, the socket goes.
              finish(false);
            }
            return;
          }
          if (event === 'close' && parsed?.bodyMode === 'close') {
            finish(false);
            return;
          }
          // An error or close before the response ended.
          if (!received && c.reused && !retried) {
            // The server closed the idle keep-alive socket as we reused it: once more, fresh.
            retried = true;
            this.#discard(c);
            start();
            return;
          }
          fail(event === 'error' ? (data as Error) : new Error('connection closed before the response ended'));
        };
        const finish = (reusable: boolean): void => {
          c.current = undefined;
          if (reusable) this.#release(c);
          else this.#discard(c);
          settle!(undefined);
        };
        const fail = (error: Error): void => {
          c.current = undefined;
          this.#discard(c);
          settle!(error);
        };
        if (typeof body === 'string') {
          c.socket.write(head + body, 'utf8');
        } else {
          c.socket.cork();
          c.socket.write(head, 'latin1');
          c.socket.write(body);
          c.socket.uncork();
        }
      };
      start();
    });
    return { promise, abort: (error) => abort(error) };
  }

  /** An idle socket (the most recently used), or a new one. */
  #take(): Connection {
    const idle = this.#idle.pop();
    if (idle !== undefined) {
      idle.socket.setTimeout(0);
      idle.socket.ref();
      return idle;
    }
    const o = this.#o;
    const socket: Socket =
      o.tls === undefined
        ? netConnect({ host: o.host, port: o.port })
        : tlsConnect({ host: o.host, port: o.port, ...o.tls });
    socket.setNoDelay(true);
    const c: Connection = { socket, reused: false, current: undefined };
    this.#all.add(c);
    socket.on('data', (data: Buffer) => {
      if (c.current !== undefined) c.current('data', data);
      else socket.destroy(); // bytes nobody asked for: the socket is out of step
    });
    // Every error is handled: a socket must never raise an uncaught exception in the host.
    socket.on('error', (error: Error) => c.current?.('error', error));
    socket.on('close', () => {
      this.#forget(c);
      c.current?.('close');
    });
    socket.on('timeout', () => socket.destroy());
    return c;
  }

  #release(c: Connection): void {
    if (this.#closed || c.socket.destroyed) {
      this.#discard(c);
      return;
    }
    c.reused = true;
    // Idle: keeps no process alive, and goes after the idle timeout.
    c.socket.unref();
    c.socket.setTimeout(this.#o.idleTimeoutMillis);
    this.#idle.push(c);
  }

  #discard(c: Connection): void {
    c.current = undefined;
    this.#forget(c);
    c.socket.destroy();
  }

  #forget(c: Connection): void {
    this.#all.delete(c);
    const i = this.#idle.indexOf(c);
    if (i !== -1) this.#idle.splice(i, 1);
  }
}
