/**
 * A small HTTP/1.1 server on `node:net` for the loopback receiver: requests with a
 * `Content-Length` or chunked body, keep-alive, pipelined requests answered in order, each
 * answer given whenever its handler calls back (after a delay, say).
 *
 * Why not `node:http`: the receiver shares a core with the load generator, and `node:http`
 * costs it ~40 µs per request (measured at 8,000 envelopes a second: a third of that core).
 * A set-up that sends one request per transaction then slowed autocannon, so the service it
 * measured sat idle part of the time, while OTLP's set-up, one request per 512 spans, did not.
 * Production Sentry runs elsewhere, so the receiver should cost the load core as little as
 * it can. This server reads the request line and the few headers it needs, and nothing else.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** A request as the handler sees it. */
export interface LeanRequest {
  readonly method: string;
  /** The request target (path and query). */
  readonly target: string;
  readonly contentEncoding: string | undefined;
  readonly body: Buffer;
}

/** Answers one request; may be called later (once). */
export type LeanAnswer = (status: number, contentType: string, body: string) => void;

export type LeanHandler = (request: LeanRequest, answer: LeanAnswer) => void;

/** Longest request head accepted. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Largest request body accepted (Sentry's own envelope limit is 200 MB compressed; these are tests). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

const REASONS: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 404: 'Not Found', 413: 'Payload Too Large' };

/** One request on a connection, from its head until its answer is written. */
interface Slot {
  answer: string | undefined;
  close: boolean;
}

interface Head {
  readonly method: string;
  readonly target: string;
  readonly contentLength: number;
  readonly chunked: boolean;
  readonly contentEncoding: string | undefined;
  readonly close: boolean;
  /** Bytes of the head, its blank line included. */
  readonly size: number;
}

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Parses the request head in `data[0, end)`; `undefined` when it is not HTTP/1.x. */
function parseHead(data: Buffer, end: number): Head | undefined {
  const text = data.toString('latin1', 0, end);
  const lines = text.split('\r\n');
  const [method, target, version] = lines[0]!.split(' ');
  if (method === undefined || target === undefined || version === undefined || !version.startsWith('HTTP/1.')) {
    return undefined;
  }
  let contentLength = 0;
  let chunked = false;
  let contentEncoding: string | undefined;
  let close = version === 'HTTP/1.0';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') contentLength = Number(value);
    else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
    else if (name === 'content-encoding') contentEncoding = value;
    else if (name === 'connection') {
      const v = value.toLowerCase();
      if (v.includes('close')) close = true;
      else if (v.includes('keep-alive')) close = false;
    }
  }
  if (!Number.isSafeInteger(contentLength) || contentLength < 0) return undefined;
  return { method, target, contentLength, chunked, contentEncoding, close, size: end + 4 };
}

/**
 * Decodes a chunked body from `data` at `offset`: the body and the offset just past it, or
 * `undefined` while more bytes are needed, or `null` when the framing is broken.
 */
function readChunked(data: Buffer, offset: number): { body: Buffer; end: number } | undefined | null {
  const parts: Buffer[] = [];
  let at = offset;
  let total = 0;
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
    if (!Number.isSafeInteger(size) || size < 0) return null;
    if (size === 0) {
      // Trailers (none from these clients) end with an empty line.
      const end = data.indexOf(CRLFCRLF, lineEnd);
      if (end === -1) return undefined;
      return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts, total), end: end + 4 };
    }
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    total += size;
    if (total > MAX_BODY_BYTES) return null;
    at = start + size + 2;
  }
}

function response(status: number, contentType: string, body: string, close: boolean): string {
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: ${close ? 'close' : 'keep-alive'}\r\n\r\n${body}`
  );
}

/** Serves one connection: reads requests as they come, answers them in order. */
function serveConnection(socket: Socket, handler: LeanHandler): void {
  socket.setNoDelay(true);
  let buffered: Buffer = Buffer.alloc(0);
  // Chunks of a body still arriving, past `buffered`, and how many bytes the request needs in
  // all: they are joined once it is complete, not once per chunk (a large body would otherwise
  // be copied over and over).
  const waiting: Buffer[] = [];
  let waitingBytes = 0;
  let need = 0;
  const slots: Slot[] = [];
  let closing = false;

  // Writes the answers that are ready at the front, in order; the requests after a
  // `Connection: close` one are never answered (the socket ends after it).
  const writeReady = (): void => {
    let out = '';
    let end = false;
    while (slots.length > 0 && slots[0]!.answer !== undefined) {
      const slot = slots.shift()!;
      out += slot.answer;
      if (slot.close) {
        end = true;
        slots.length = 0;
      }
    }
    if (out === '' || socket.destroyed) return;
    if (end) socket.end(out, 'utf8');
    else socket.write(out, 'utf8');
  };

  const fail = (status: number): void => {
    closing = true;
    const slot: Slot = { answer: response(status, 'text/plain', '', true), close: true };
    slots.push(slot);
    writeReady();
  };

  socket.on('data', (chunk: Buffer) => {
    if (closing) return;
    if (buffered.length + waitingBytes + chunk.length < need) {
      waiting.push(chunk);
      waitingBytes += chunk.length;
      return;
    }
    buffered = buffered.length === 0 && waiting.length === 0 ? chunk : Buffer.concat([buffered, ...waiting, chunk]);
    waiting.length = 0;
    waitingBytes = 0;
    need = 0;
    while (buffered.length > 0 && !closing) {
      const headEnd = buffered.indexOf(CRLFCRLF);
      if (headEnd === -1) {
        if (buffered.length > MAX_HEAD_BYTES) fail(400);
        return;
      }
      const head = parseHead(buffered, headEnd);
      if (head === undefined) {
        fail(400);
        return;
      }
      let body: Buffer;
      let consumed: number;
      if (head.chunked) {
        const read = readChunked(buffered, head.size);
        if (read === null) {
          fail(400);
          return;
        }
        if (read === undefined) {
          if (buffered.length - head.size > MAX_BODY_BYTES) fail(413);
          return;
        }
        body = read.body;
        consumed = read.end;
      } else {
        if (head.contentLength > MAX_BODY_BYTES) {
          fail(413);
          return;
        }
        if (buffered.length < head.size + head.contentLength) {
          need = head.size + head.contentLength;
          return;
        }
        body = buffered.subarray(head.size, head.size + head.contentLength);
        consumed = head.size + head.contentLength;
      }
      // Node never reuses a `data` chunk, so the body may stay a view of it.
      buffered = consumed === buffered.length ? Buffer.alloc(0) : buffered.subarray(consumed);
      const slot: Slot = { answer: undefined, close: head.close };
      slots.push(slot);
      if (head.close) closing = true;
      handler(
        { method: head.method, target: head.target, contentEncoding: head.contentEncoding, body },
        (status, contentType, text) => {
          // Answered once: a slot's answer, once set, is never cleared.
          if (slot.answer !== undefined) return;
          slot.answer = response(status, contentType, text, slot.close);
          writeReady();
        },
      );
    }
  });
  // A client that goes away takes its unanswered requests with it.
  socket.on('error', () => socket.destroy());
}

/** A server whose connections are served by {@link serveConnection}. */
export function createLeanServer(handler: LeanHandler): Server {
  return createServer((socket) => serveConnection(socket, handler));
}
