/**
 * The lean HTTP/1.1 pool against raw TCP servers that answer in the shapes real servers and
 * proxies use: chunked bodies, `Connection: close`, HTTP/1.0, a head split across packets.
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Pool } from '../../src/platform/node/http1-pool.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** A TCP server that answers every complete request with `answer(n)` (string chunks, written apart). */
async function rawServer(answer: (n: number) => string[]): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  let n = 0;
  const server = createServer((socket: Socket) => {
    connections++;
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        const chunks = answer(n++);
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
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

function pool(port: number): Http1Pool {
  return new Http1Pool({ host: '127.0.0.1', port, maxSockets: 4, idleTimeoutMillis: 1000 });
}

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
      const r = await p.exchange(HEAD, '{}').promise;
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
    expect(await p.exchange(HEAD, '{}').promise).toEqual({ statusCode: 429, rateLimits: null, retryAfter: '7' });
    expect((await p.exchange(HEAD, '{}').promise).statusCode).toBe(200);
    expect((await p.exchange(HEAD, '{}').promise).statusCode).toBe(429);
    expect(s.connections()).toBe(3);
    p.close();
  });

  it('reads a head split across packets, and a body delimited by close', async () => {
    const s = await rawServer(() => ['HTTP/1.1 2', '01 Created\r\nConnection: close\r\n', '\r\n{"id":1}']);
    const p = pool(s.port);
    expect((await p.exchange(HEAD, '{}').promise).statusCode).toBe(201);
    expect(p.size).toBe(0);
    p.close();
  });

  it('rejects a response that is not HTTP, and gives the socket up', async () => {
    const s = await rawServer(() => ['SSH-2.0-OpenSSH\r\n\r\n']);
    const p = pool(s.port);
    await expect(p.exchange(HEAD, '{}').promise).rejects.toThrow(/malformed/);
    expect(p.size).toBe(0);
    p.close();
  });

  it('after close, an exchange fails at once', async () => {
    const s = await rawServer(() => ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);
    const p = pool(s.port);
    p.close();
    await expect(p.exchange(HEAD, '{}').promise).rejects.toThrow(/closed/);
    expect(s.connections()).toBe(0);
  });
});
