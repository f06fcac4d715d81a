/**
 * The lean HTTP/1.1 pool against raw TCP servers that answer in the shapes real servers and
 * proxies use: chunked bodies, `Connection: close`, HTTP/1.0, a head split across packets.
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Pool, type Http1Request, type Http1Response } from '../../src/platform/node/http1-pool.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/**
 * A TCP server that answers every complete request with `answer(n)` (string chunks, written
 * apart; `null`: no answer at all). Counts connections and the reads that carried requests.
 */
async function rawServer(
  answer: (n: number) => string[] | null,
): Promise<{ port: number; connections: () => number; reads: () => number }> {
  let connections = 0;
  let reads = 0;
  let n = 0;
  const server = createServer((socket: Socket) => {
    connections++;
    let buffered = '';
    socket.on('data', (data) => {
      reads++;
      buffered += data.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        const chunks = answer(n++);
        if (chunks === null) continue;
        chunks.forEach((chunk, i) => {
          setTimeout(() => {
            if (socket.writable) socket.write(chunk);
          }, i * 5);
        });
        if (chunks.some((c) => /connection: close/i.test(c))) setTimeout(() => socket.end(), chunks.length * 5 + 5);
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, reads: () => reads };
}

function pool(port: number, pipelining = 1, maxSockets?: number): Http1Pool {
  return new Http1Pool({
    host: '127.0.0.1',
    port,
    idleTimeoutMillis: 1000,
    pipelining,
    pipelineStallMillis: 200,
    maxSockets,
  });
}

/** A request of `pool` as a promise, with `abort` for {@link Http1Pool.cancel}. */
function exchange(
  pool: Http1Pool,
  head: string,
  body: string | Buffer,
): { promise: Promise<Http1Response>; abort(error: Error): void } {
  let request: Http1Request | undefined;
  const promise = new Promise<Http1Response>((resolve, reject) => {
    request = pool.send(head, body, { onResponse: resolve, onError: reject });
  });
  return { promise, abort: (error) => pool.cancel(request!, error) };
}

/** An answer that tells which request (by its order on the server) it belongs to, in a header the pool reads. */
const numbered = (n: number): string[] => [
  `HTTP/1.1 200 OK\r\nX-Sentry-Rate-Limits: ${n}\r\nContent-Length: 2\r\n\r\n{}`,
];
const order = (answers: Array<{ rateLimits: string | null }>): number[] => answers.map((a) => Number(a.rateLimits));

const HEAD = 'POST /api/1/envelope/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n';

describe('Http1Pool', () => {
  it('reads a chunked body to its end and reuses the socket', async () => {
    const s = await rawServer(() => [
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Sentry-Rate-Limits: 60:transaction:key\r\n\r\n',
      '2\r\n{}\r\n',
      '0\r\n\r\n',
    ]);
    const p = pool(s.port);
    for (let i = 0; i < 3; i++) {
      const r = await exchange(p, HEAD, '{}').promise;
      expect(r).toEqual({ statusCode: 200, rateLimits: '60:transaction:key', retryAfter: null });
    }
    expect(s.connections()).toBe(1);
    p.close();
  });

  it('does not reuse a socket the server answers with Connection: close, nor an HTTP/1.0 one', async () => {
    const s = await rawServer((n) =>
      n % 2 === 0
        ? ['HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nConnection: close\r\nContent-Length: 0\r\n\r\n']
        : ['HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}'],
    );
    const p = pool(s.port);
    expect(await exchange(p, HEAD, '{}').promise).toEqual({ statusCode: 429, rateLimits: null, retryAfter: '7' });
    expect((await exchange(p, HEAD, '{}').promise).statusCode).toBe(200);
    expect((await exchange(p, HEAD, '{}').promise).statusCode).toBe(429);
    expect(s.connections()).toBe(3);
    p.close();
  });

  it('reads a head split across packets, and a body delimited by close', async () => {
    const s = await rawServer(() => ['HTTP/1.1 2', '01 Created\r\nConnection: close\r\n', '\r\n{"id":1}']);
    const p = pool(s.port);
    expect((await exchange(p, HEAD, '{}').promise).statusCode).toBe(201);
    expect(p.size).toBe(0);
    p.close();
  });

  it('rejects a response that is not HTTP, and gives the socket up', async () => {
    const s = await rawServer(() => ['SSH-2.0-OpenSSH\r\n\r\n']);
    const p = pool(s.port);
    await expect(exchange(p, HEAD, '{}').promise).rejects.toThrow(/malformed/);
    expect(p.size).toBe(0);
    p.close();
  });

  it('after close, an exchange fails at once', async () => {
    const s = await rawServer(() => ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);
    const p = pool(s.port);
    p.close();
    await expect(exchange(p, HEAD, '{}').promise).rejects.toThrow(/closed/);
    expect(s.connections()).toBe(0);
  });

  describe('pipelining', () => {
    it('sends the requests of one turn in one write on one proven socket, and matches answers in order', async () => {
      const s = await rawServer(numbered);
      const p = pool(s.port, 16);
      // The first request proves the socket speaks HTTP/1.1 keep-alive; a fresh socket is not pipelined.
      expect((await exchange(p, HEAD, '{}').promise).rateLimits).toBe('0');
      const readsBefore = s.reads();
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => exchange(p, HEAD, '{}').promise));
      expect(order(answers)).toEqual([1, 2, 3, 4, 5]);
      expect(s.connections()).toBe(1);
      expect(s.reads() - readsBefore).toBe(1);
      p.close();
    });

    it('without pipelining, requests of one turn take one socket each', async () => {
      const s = await rawServer(() => ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);
      const p = pool(s.port, 1);
      await exchange(p, HEAD, '{}').promise;
      await Promise.all([1, 2, 3].map(() => exchange(p, HEAD, '{}').promise));
      expect(s.connections()).toBe(3);
      p.close();
    });

    it('caps the requests on one socket at `pipelining`, and opens another for the rest', async () => {
      const s = await rawServer(() => ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);
      const p = pool(s.port, 2);
      await exchange(p, HEAD, '{}').promise;
      await Promise.all([1, 2, 3].map(() => exchange(p, HEAD, '{}').promise));
      expect(s.connections()).toBe(2);
      p.close();
    });

    it('a server that answers only the first pipelined request: the rest are sent again, and pipelining stops', async () => {
      // Requests 2 and 3 (the second and third of the pipelined batch) get no answer, like a
      // proxy that answers the first request of a read and ignores the rest.
      const s = await rawServer((n) => (n === 2 || n === 3 ? null : numbered(n)));
      const p = pool(s.port, 16);
      expect((await exchange(p, HEAD, '{}').promise).rateLimits).toBe('0');
      const started = Date.now();
      const answers = await Promise.all([1, 2, 3].map(() => exchange(p, HEAD, '{}').promise));
      // 1 answered in place; the other two came back on fresh sockets after the stall (200 ms here).
      expect(order(answers).slice(0, 1)).toEqual([1]);
      expect(order(answers).slice(1).sort()).toEqual([4, 5]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(s.connections()).toBe(3);
      // Pipelining is off now: two requests of one turn take two sockets.
      await exchange(p, HEAD, '{}').promise;
      const before = s.connections();
      await Promise.all([1, 2].map(() => exchange(p, HEAD, '{}').promise));
      expect(s.connections() - before).toBe(0);
      expect(p.size).toBeGreaterThanOrEqual(2);
      p.close();
    });

    it('a server that closes with pipelined requests unanswered: they are sent again on a new socket', async () => {
      let first = true;
      const server = createServer((socket: Socket) => {
        let buffered = '';
        socket.on('data', (data) => {
          buffered += data.toString('latin1');
          const count = buffered.split('POST ').length - 1;
          const complete = buffered.endsWith('{}');
          if (!complete) return;
          if (first && count > 1) {
            // Answer one, then hang up on the rest.
            first = false;
            socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
            return;
          }
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'.repeat(count));
          buffered = '';
        });
        socket.on('error', () => undefined);
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const p = pool((server.address() as AddressInfo).port, 16);
      await exchange(p, HEAD, '{}').promise;
      const answers = await Promise.all([1, 2, 3].map(() => exchange(p, HEAD, '{}').promise));
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
      p.close();
    });
    it('aborting one pipelined request (its deadline) gives the socket up; the others on it are sent again', async () => {
      // The server answers everything but the second request of the batch, which it holds.
      const s = await rawServer((n) => (n === 2 ? null : numbered(n)));
      const p = pool(s.port, 16);
      await exchange(p, HEAD, '{}').promise;
      const first = exchange(p, HEAD, '{}');
      const held = exchange(p, HEAD, '{}');
      const third = exchange(p, HEAD, '{}');
      expect((await first.promise).rateLimits).toBe('1');
      held.abort(new Error('deadline'));
      await expect(held.promise).rejects.toThrow(/deadline/);
      // The third was behind the held one on the socket: it went again, on a new socket.
      expect(Number((await third.promise).rateLimits)).toBeGreaterThanOrEqual(3);
      expect(s.connections()).toBe(2);
      p.close();
    });

    it('after close, nothing is written: pipelined requests in flight fail, and no socket opens', async () => {
      const s = await rawServer(() => null);
      const p = pool(s.port, 16);
      const inFlight = [exchange(p, HEAD, '{}'), exchange(p, HEAD, '{}')];
      await new Promise((r) => setTimeout(r, 20));
      const connections = s.connections();
      p.close();
      for (const e of inFlight) await expect(e.promise).rejects.toThrow(/closed/);
      await expect(exchange(p, HEAD, '{}').promise).rejects.toThrow(/closed/);
      await new Promise((r) => setTimeout(r, 20));
      expect(s.connections()).toBe(connections);
      expect(p.size).toBe(0);
    });

    it('skips an interim answer (100 Continue) and matches the final one to its request', async () => {
      // One chunk: the test server writes the chunks of an answer apart, which would let the
      // next request's answer overtake this one's final part.
      const s = await rawServer((n) => (n === 1 ? [`HTTP/1.1 100 Continue\r\n\r\n${numbered(n)[0]}`] : numbered(n)));
      const p = pool(s.port, 16);
      await exchange(p, HEAD, '{}').promise;
      const answers = await Promise.all([1, 2].map(() => exchange(p, HEAD, '{}').promise));
      expect(order(answers)).toEqual([1, 2]);
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
      p.close();
    });
  });

  describe('maxSockets', () => {
    it('without pipelining, 12 requests at once use 2 sockets and are all answered, each in turn', async () => {
      const s = await rawServer(numbered);
      const p = pool(s.port, 1, 2);
      const answers = await Promise.all(Array.from({ length: 12 }, () => exchange(p, HEAD, '{}').promise));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(12).fill(200));
      expect(s.connections()).toBe(2);
      expect(p.size).toBe(2);
      p.close();
    });

    it('with pipelining, requests past the socket cap wait for the first answer, then share the socket', async () => {
      const s = await rawServer(numbered);
      const p = pool(s.port, 8, 1);
      const answers = await Promise.all(Array.from({ length: 9 }, () => exchange(p, HEAD, '{}').promise));
      // One socket: answers come in the order the requests were made.
      expect(order(answers)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(s.connections()).toBe(1);
      p.close();
    });

    it('a waiting request that is cancelled leaves the line; close fails the rest, and opens nothing', async () => {
      const s = await rawServer(() => null);
      const p = pool(s.port, 1, 1);
      const first = exchange(p, HEAD, '{}');
      const second = exchange(p, HEAD, '{}');
      const third = exchange(p, HEAD, '{}');
      second.abort(new Error('deadline'));
      await expect(second.promise).rejects.toThrow(/deadline/);
      await new Promise((r) => setTimeout(r, 20));
      expect(s.connections()).toBe(1);
      p.close();
      await expect(first.promise).rejects.toThrow(/closed/);
      await expect(third.promise).rejects.toThrow(/closed/);
      await new Promise((r) => setTimeout(r, 20));
      expect(s.connections()).toBe(1);
    });
  });
});
