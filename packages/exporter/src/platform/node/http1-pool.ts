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
 * - sockets (`net` or `tls`) in a LIFO pool; idle sockets are unref'd and destroyed after an
 *   idle timeout;
 * - requests made in the same turn of the event loop leave together: the socket is corked
 *   until the turn ends; with `pipelining` > 1, requests join one socket that has answered
 *   HTTP/1.1 keep-alive before (up to that many on it at once), so they leave in one write
 *   and their answers are read in order. On loopback a write costs ~12 µs of kernel time
 *   whatever its size, so a busy service that ends several transactions per turn pays it once,
 *   not per envelope, and a burst needs a few sockets, not one per envelope in flight. A
 *   server that leaves pipelined requests unanswered (or closes on them) turns pipelining
 *   off, and the unanswered ones are sent once more;
 * - the request head is built once per transport; each request adds `Content-Length` (and
 *   `Content-Encoding`) and goes out with its body;
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
  /** How long (ms) an idle socket stays in the pool. */
  readonly idleTimeoutMillis: number;
  /**
   * Most requests written on one socket before their answers are in (HTTP/1.1 pipelining);
   * 1 (the default) writes one at a time. Only requests made in the same turn of the event
   * loop share a socket this way, and only one that has answered HTTP/1.1 keep-alive before.
   */
  readonly pipelining?: number | undefined;
  /** See {@link PIPELINE_STALL_MILLIS} (tests shorten it). */
  readonly pipelineStallMillis?: number | undefined;
  /**
   * Most sockets open at once; a request that finds none with room waits, in order, for one.
   * Default: no bound (the caller's bound on requests at once bounds the sockets too). With
   * pipelining, many more requests than sockets can be in flight.
   */
  readonly maxSockets?: number | undefined;
  /**
   * Runs the connect of every new socket (the transport suppresses tracing there, so that a
   * `net` instrumentation ignores our own sockets). Only connects need it, not each request.
   */
  readonly connectWithin?: (<T>(connect: () => T) => T) | undefined;
}

/**
 * Hears how one request of {@link Http1Pool.send} ends: exactly one call, from inside the
 * pool (a socket callback, `cancel`, or `close`). It must not throw.
 */
export interface Http1Listener {
  /** The status is known (the rest of the body may have been cut: only the status matters). */
  onResponse(response: Http1Response): void;
  onError(error: Error): void;
}

/** A request of {@link Http1Pool.send}, for {@link Http1Pool.cancel}. */
export interface Http1Request {
  readonly done: boolean;
}

/** The part of a response the exporter needs. */
export interface Http1Response {
  readonly statusCode: number;
  readonly rateLimits: string | null;
  readonly retryAfter: string | null;
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

/** Whether the header name at `head[start, end)` is `lower` (ASCII, any case), without slicing it. */
function isName(head: string, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = head.charCodeAt(start + i);
    const l = lower.charCodeAt(i);
    // `| 0x20` lowers an ASCII capital; only letters may differ in case.
    if (c !== l && !((c | 0x20) === l && l >= 97 && l <= 122)) return false;
  }
  return true;
}

/**
 * Parses the response head in `text[0, headEnd - 2)` (status line and headers, each ending in
 * CRLF). Runs once per envelope: header names are compared in place, and only the values the
 * pool needs are sliced out.
 */
function parseHead(text: string, headEnd: number): Parsed | undefined {
  // "HTTP/1.1 200 OK"
  if (!text.startsWith('HTTP/1.')) return undefined;
  const statusCode = Number(text.slice(9, 12));
  if (!Number.isInteger(statusCode) || statusCode < 100) return undefined;
  let rateLimits: string | null = null;
  let retryAfter: string | null = null;
  let contentLength = -1;
  let chunked = false;
  let keepAlive = text.charCodeAt(7) === 49; // HTTP/1.1 keeps alive by default, 1.0 does not
  const limit = headEnd - 2;
  let start = text.indexOf('\r\n') + 2;
  while (start > 1 && start < limit) {
    let end = text.indexOf('\r\n', start);
    if (end === -1 || end > limit) end = limit;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < end) {
      // No whitespace may stand between a field name and its colon (RFC 9112 §5.1).
      let nameEnd = colon;
      while (nameEnd > start && text.charCodeAt(nameEnd - 1) <= 32) nameEnd--;
      switch (nameEnd - start) {
        case 14:
          if (isName(text, start, nameEnd, 'content-length')) contentLength = Number(text.slice(colon + 1, end).trim());
          break;
        case 17:
          if (isName(text, start, nameEnd, 'transfer-encoding')) {
            chunked = text
              .slice(colon + 1, end)
              .toLowerCase()
              .includes('chunked');
          }
          break;
        case 10:
          if (isName(text, start, nameEnd, 'connection')) {
            const v = text.slice(colon + 1, end).toLowerCase();
            if (v.includes('close')) keepAlive = false;
            else if (v.includes('keep-alive')) keepAlive = true;
          }
          break;
        case 20:
          if (isName(text, start, nameEnd, 'x-sentry-rate-limits')) {
            const value = text.slice(colon + 1, end).trim();
            rateLimits = rateLimits === null ? value : `${rateLimits}, ${value}`;
          }
          break;
        case 11:
          if (isName(text, start, nameEnd, 'retry-after')) retryAfter = text.slice(colon + 1, end).trim();
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
  return { statusCode, rateLimits, retryAfter, bodyMode, contentLength, keepAlive, headEnd };
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
/** Where a response ends in `text`, parsed from `p.headEnd`: its end, -1 for more bytes, -2 to give up reading. */
function endOfResponse(p: Parsed, text: string): number {
  const bodyBytes = text.length - p.headEnd;
  switch (p.bodyMode) {
    case 'none':
      return p.headEnd;
    case 'length':
      if (p.contentLength > MAX_BODY_BYTES) return -2;
      return bodyBytes >= p.contentLength ? p.headEnd + p.contentLength : -1;
    case 'chunked': {
      const end = endOfChunked(text, p.headEnd);
      if (end >= 0) return end;
      return end === -2 || bodyBytes > MAX_BODY_BYTES ? -2 : -1;
    }
    case 'close':
      // Ends when the server closes the socket; until then, read no more than the cap.
      return bodyBytes > MAX_BODY_BYTES ? -2 : -1;
  }
}

/**
 * How long (ms) a pipelined request may go unanswered after the answer before it. A server or
 * proxy that does not support pipelining answers the first request and then stays silent (or
 * closes); past this, the pool stops pipelining and sends the unanswered requests again.
 */
export const PIPELINE_STALL_MILLIS = 2000;

/** One request of the pool, from `send` until it settles. A class: one object a request, no closures. */
class Pending implements Http1Request {
  /** Sent once more already (a connection lost before its answer). */
  retried = false;
  response: Http1Response | undefined = undefined;
  done = false;
  connection: Connection | undefined = undefined;

  constructor(
    readonly head: string,
    readonly body: string | Buffer,
    readonly listener: Http1Listener,
  ) {}

  // Once the status is known the request succeeds, whatever happens to the rest of the body
  // (cut for size, a late deadline, a reset): the exporter only needs the status.
  settle(error: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    this.connection = undefined;
    if (this.response !== undefined) this.listener.onResponse(this.response);
    else this.listener.onError(error ?? new Error('connection closed before a response'));
  }
}

/** One socket of the pool. */
interface Connection {
  readonly socket: Socket;
  /** Whether it has carried an exchange before (a stale keep-alive socket is retried once). */
  reused: boolean;
  /** Requests written on it, oldest first; the first is the one being answered. */
  readonly queue: Pending[];
  /** Bytes of the response being read (latin1: offsets equal byte offsets). */
  text: string;
  /** Head of the response being read, once complete. */
  parsed: Parsed | undefined;
  /** An HTTP/1.1 keep-alive response came back on it: more requests may follow one in flight. */
  pipelinable: boolean;
  /** No request may join: its last response is delimited by close, or it is going. */
  closing: boolean;
  corked: boolean;
  /** Requests of this turn not written yet (heads and string bodies, in order). */
  out: string;
  dead: boolean;
  /** In the idle list. */
  idle: boolean;
  /** Armed while pipelined requests wait behind an answered one (see {@link PIPELINE_STALL_MILLIS}). */
  stall: NodeJS.Timeout | undefined;
}

/** See the module comment. */
export class Http1Pool {
  readonly #o: Http1PoolOptions;
  #pipelining: number;
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  /**
   * The connection new requests join while it has room: a proven (HTTP/1.1 keep-alive) one, so
   * a burst rides one socket and one write instead of one of each per envelope.
   */
  #batch: Connection | undefined;
  readonly #corked: Connection[] = [];
  readonly #maxSockets: number;
  /** Requests waiting for a socket with room (only at {@link Http1PoolOptions.maxSockets}). */
  readonly #waiting: Pending[] = [];
  #flushScheduled = false;
  #closed = false;

  constructor(options: Http1PoolOptions) {
    this.#o = options;
    this.#pipelining = Math.max(1, Math.floor(options.pipelining ?? 1));
    this.#maxSockets = Math.max(1, Math.floor(options.maxSockets ?? Number.POSITIVE_INFINITY));
  }

  /** Sockets open now (idle and busy). */
  get size(): number {
    return this.#all.size;
  }

  /** Destroys every socket; later exchanges fail at once. */
  close(): void {
    this.#closed = true;
    for (const p of this.#waiting.splice(0)) p.settle(new Error('transport is closed'));
    for (const c of [...this.#all]) this.#lose(c, new Error('transport is closed'), 'closed');
    this.#all.clear();
    this.#idle.length = 0;
    this.#batch = undefined;
  }

  /**
   * Sends `head` + `body` on a pooled socket; `listener` hears how it ends. The caller bounds
   * concurrency (the requests at once, and so the sockets: never more than requests) and the
   * deadline ({@link Http1Pool.cancel}).
   */
  send(head: string, body: string | Buffer, listener: Http1Listener): Http1Request {
    const p = new Pending(head, body, listener);
    this.#start(p);
    return p;
  }

  /**
   * Gives up on a request: its listener hears `error`, or, once the status is known, the
   * response. Its bytes may be on the wire and its answer would come in order: the socket goes.
   */
  cancel(request: Http1Request, error: Error): void {
    const p = request as Pending;
    if (p.done) return;
    const c = p.connection;
    if (c === undefined) {
      // Still waiting for a socket: it leaves the line.
      const index = this.#waiting.indexOf(p);
      if (index !== -1) this.#waiting.splice(index, 1);
    }
    p.settle(error);
    if (c !== undefined) this.#lose(c, new Error('an exchange on this connection was aborted'), 'abort');
  }

  #start(p: Pending): void {
    if (this.#closed) {
      p.settle(new Error('transport is closed'));
      return;
    }
    const c = this.#pick();
    if (c === undefined) {
      this.#waiting.push(p);
      return;
    }
    this.#put(p, c);
  }

  /** Sends the requests that waited for a socket, while one has room. */
  #drainWaiting(): void {
    while (this.#waiting.length > 0 && !this.#closed) {
      const c = this.#pick();
      if (c === undefined) return;
      this.#put(this.#waiting.shift()!, c);
    }
  }

  /** Writes `p` on `c`, behind the requests already on it. */
  #put(p: Pending, c: Connection): void {
    p.connection = c;
    c.queue.push(p);
    if (!c.corked) {
      // Requests of this turn of the event loop leave in one write, at its end.
      c.corked = true;
      c.socket.cork();
      this.#corked.push(c);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    }
    // The text of this turn's requests is joined (a rope: nothing is copied until the socket
    // encodes it, as it would each body) and written once at the end of the turn: one
    // `socket.write` a turn instead of two an envelope, each of which costs a stream entry, a
    // callback and the stream's bookkeeping. (Heads are ASCII: UTF-8 writes them as they are.)
    c.out += p.head;
    if (typeof p.body === 'string') {
      c.out += p.body;
    } else {
      // A gzipped body: the text before it goes first, in order.
      this.#writeOut(c);
      c.socket.write(p.body);
    }
  }

  #writeOut(c: Connection): void {
    if (c.out === '') return;
    c.socket.write(c.out, 'utf8');
    c.out = '';
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    for (const c of this.#corked.splice(0)) {
      c.corked = false;
      if (c.dead) continue;
      this.#writeOut(c);
      c.socket.uncork();
    }
  };

  /** Whether a request may be written on `c` now, behind those already on it. */
  #usable(c: Connection | undefined): c is Connection {
    return c !== undefined && !c.dead && c.pipelinable && !c.closing && c.queue.length < this.#pipelining;
  }

  /**
   * The batch connection while it has room, else an idle socket (the most recently used), else
   * a new one (which becomes the batch once it has answered) while under `maxSockets`, else
   * any connection with room; `undefined` when none has (the request waits).
   */
  #pick(): Connection | undefined {
    const b = this.#batch;
    if (this.#usable(b)) {
      if (b.idle) this.#wake(b, this.#idle.indexOf(b));
      return b;
    }
    const c = this.#idle.length > 0 ? this.#idle[this.#idle.length - 1]! : undefined;
    if (c !== undefined) {
      this.#wake(c, this.#idle.length - 1);
      this.#batch = c;
      return c;
    }
    if (this.#all.size < this.#maxSockets) {
      this.#batch = this.#open();
      return this.#batch;
    }
    // Every socket is open and the batch one is full: any other with room, else wait.
    for (const other of this.#all) {
      if (this.#usable(other)) {
        this.#batch = other;
        return other;
      }
    }
    return undefined;
  }

  /** Takes an idle socket back into use. */
  #wake(c: Connection, index: number): void {
    c.idle = false;
    if (index !== -1) this.#idle.splice(index, 1);
    c.socket.setTimeout(0);
    c.socket.ref();
  }

  #open(): Connection {
    const o = this.#o;
    const connect = (): Socket =>
      o.tls === undefined
        ? netConnect({ host: o.host, port: o.port })
        : tlsConnect({ host: o.host, port: o.port, ...o.tls });
    const socket = o.connectWithin === undefined ? connect() : o.connectWithin(connect);
    socket.setNoDelay(true);
    const c: Connection = {
      socket,
      reused: false,
      queue: [],
      text: '',
      parsed: undefined,
      pipelinable: false,
      closing: false,
      corked: false,
      out: '',
      dead: false,
      idle: false,
      stall: undefined,
    };
    this.#all.add(c);
    socket.on('data', (data: Buffer) => this.#read(c, data));
    // Every error is handled: a socket must never raise an uncaught exception in the host.
    socket.on('error', (error: Error) => this.#lose(c, error, 'socket'));
    socket.on('close', () => this.#lose(c, new Error('connection closed before the response ended'), 'socket'));
    socket.on('timeout', () => socket.destroy());
    return c;
  }

  /** Answers requests in order from what the socket read. */
  #read(c: Connection, data: Buffer): void {
    if (c.dead) return;
    if (c.queue.length === 0) {
      // Bytes nobody asked for: the socket is out of step.
      this.#lose(c, new Error('unexpected bytes from the server'), 'protocol');
      return;
    }
    c.text += data.toString('latin1');
    while (c.queue.length > 0) {
      const p = c.queue[0]!;
      if (c.parsed === undefined) {
        const end = c.text.indexOf(CRLFCRLF);
        if (end === -1) {
          if (c.text.length > MAX_HEAD_BYTES) this.#lose(c, new Error('response head too large'), 'protocol');
          return;
        }
        const head = parseHead(c.text, end + 4);
        if (head === undefined) {
          this.#lose(c, new Error('malformed HTTP response'), 'protocol');
          return;
        }
        if (head.statusCode < 200 && head.statusCode !== 101) {
          // An interim answer (100 Continue, 103 Early Hints): the final one follows for the
          // same request. Taken for the final one, it would shift every answer behind it.
          c.text = c.text.slice(end + 4);
          continue;
        }
        c.parsed = head;
        p.response = { statusCode: head.statusCode, rateLimits: head.rateLimits, retryAfter: head.retryAfter };
        // (A body delimited by close is never keep-alive.)
        if (!head.keepAlive) c.closing = true;
        // An HTTP/1.1 keep-alive answer: later batches may pipeline on this socket.
        else if (c.text.charCodeAt(7) === 49) c.pipelinable = true;
      }
      const end = endOfResponse(c.parsed, c.text);
      if (end === -1) return;
      if (end === -2) {
        // Not worth reading: the status is known, the socket goes.
        this.#lose(c, new Error('response body too large'), 'protocol');
        return;
      }
      const keepAlive = c.parsed.keepAlive;
      c.text = c.text.slice(end);
      c.parsed = undefined;
      c.queue.shift();
      p.settle(undefined);
      if (!keepAlive) {
        this.#lose(c, new Error('the server closed the connection'), 'protocol');
        return;
      }
      if (c.queue.length > 0) this.#armStall(c);
    }
    if (c.queue.length > 0) {
      // Answered and still busy: new requests may join it when the batch one is full.
      if (!this.#usable(this.#batch) && this.#usable(c)) this.#batch = c;
      // Room again: requests that waited for a socket may join it.
      if (this.#waiting.length > 0) this.#drainWaiting();
      return;
    }
    if (c.stall !== undefined) {
      clearTimeout(c.stall);
      c.stall = undefined;
    }
    if (c.text.length > 0) {
      this.#lose(c, new Error('unexpected bytes from the server'), 'protocol');
      return;
    }
    this.#release(c);
  }

  /** Watches the pipelined request now at the front for a silence that says "no pipelining here". */
  #armStall(c: Connection): void {
    if (c.stall !== undefined) {
      c.stall.refresh();
      return;
    }
    c.stall = setTimeout(() => {
      c.stall = undefined;
      if (c.dead || c.queue.length === 0) return;
      this.#pipelining = 1;
      this.#lose(c, new Error('pipelined request not answered'), 'stall');
    }, this.#o.pipelineStallMillis ?? PIPELINE_STALL_MILLIS);
    c.stall.unref();
  }

  #release(c: Connection): void {
    if (this.#closed || c.socket.destroyed) {
      this.#lose(c, new Error('connection closed'), 'socket');
      return;
    }
    c.reused = true;
    // Idle: keeps no process alive, and goes after the idle timeout.
    c.idle = true;
    c.socket.unref();
    c.socket.setTimeout(this.#o.idleTimeoutMillis);
    this.#idle.push(c);
    if (this.#waiting.length > 0) this.#drainWaiting();
  }

  /**
   * The connection is gone. The request being answered settles with its status when that came
   * in. Otherwise it is sent once more on another socket when it is not its own fault: the
   * server closed a reused keep-alive socket (`socket`: stale, or closed on pipelined
   * requests), pipelined requests stalled (`stall`), or another exchange on the socket was
   * aborted (`abort`); a response the pool cannot read (`protocol`) and `close()` fail it.
   * Requests behind it were never answered: each is sent once more (a client that pipelines
   * retries unanswered requests), unless the pool is closed.
   */
  #lose(c: Connection, error: Error, reason: 'socket' | 'protocol' | 'stall' | 'abort' | 'closed'): void {
    if (c.dead) return;
    c.dead = true;
    if (c.stall !== undefined) clearTimeout(c.stall);
    this.#all.delete(c);
    if (c.idle) this.#idle.splice(this.#idle.indexOf(c), 1);
    c.idle = false;
    if (this.#batch === c) this.#batch = undefined;
    const head = c.queue[0];
    const behind = c.queue.splice(1);
    c.queue.length = 0;
    // Closed with pipelined requests unanswered: this server (or a proxy before it) does not
    // take pipelining; send one at a time from now on.
    if (reason === 'socket' && behind.length > 0 && c.pipelinable) this.#pipelining = 1;
    const headHeard = head !== undefined && (head.response !== undefined || c.text.length > 0);
    c.text = '';
    c.out = '';
    c.parsed = undefined;
    c.socket.destroy();
    const retry = (p: Pending): boolean => {
      if (p.retried || this.#closed) return false;
      p.retried = true;
      this.#start(p);
      return true;
    };
    if (head !== undefined && !head.done) {
      const notItsFault = !headHeard && (reason === 'stall' || reason === 'abort' || (reason === 'socket' && c.reused));
      if (!(notItsFault && retry(head))) head.settle(error);
    }
    for (const p of behind) {
      if (!p.done && !retry(p)) p.settle(error);
    }
    // A socket fewer: one that waited may open its own.
    if (this.#waiting.length > 0) this.#drainWaiting();
  }
}
