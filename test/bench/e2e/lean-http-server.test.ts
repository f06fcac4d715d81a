/**
 * The e2e receiver's HTTP server: real clients on loopback (`node:http` with keep-alive, raw
 * pipelined writes), since every figure of `bench:e2e` depends on it reading bodies right and
 * answering in order.
 */
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { connect, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeanServer, type LeanRequest } from './lean-http-server.js';

let server: Server | undefined;

afterEach(async () => {
  server?.close();
  server = undefined;
});

/** Starts a server whose handler records each request and answers with `delays[i]` ms (or at once). */
async function start(delays: number[] = []): Promise<{ port: number; seen: LeanRequest[] }> {
  const seen: LeanRequest[] = [];
  server = createLeanServer((req, answer) => {
    const index = seen.push(req) - 1;
    const body = `answer ${index} ${req.body.toString('utf8')}`;
    const delay = delays[index] ?? 0;
    if (req.target === '/missing') answer(404, 'text/plain', '');
    else if (delay > 0) setTimeout(() => answer(200, 'text/plain', body), delay);
    else answer(200, 'text/plain', body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, seen };
}

/** POSTs with `node:http`; `chunked` leaves out Content-Length so the body goes chunked. */
function post(
  port: number,
  agent: Agent,
  path: string,
  parts: string[],
  chunked = false,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const total = Buffer.byteLength(parts.join(''));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: chunked ? { 'content-encoding': 'identity' } : { 'content-length': String(total) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    for (const part of parts) req.write(part);
    req.end();
  });
}

/** Writes `bytes` on a new socket and returns all it reads until the server ends it. */
async function untilClosed(port: number, bytes: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  let text = '';
  socket.on('data', (d: string) => {
    text += d;
  });
  socket.write(bytes);
  await once(socket, 'end');
  return text;
}

describe('lean HTTP server of the e2e receiver', () => {
  it('reads Content-Length and chunked bodies over one keep-alive socket', async () => {
    const { port, seen } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const a = await post(port, agent, '/api/1/envelope/', ['{"a":1}\n', 'é payload']);
    const b = await post(port, agent, '/api/1/envelope/', ['first,', 'second,', 'third'], true);
    const c = await post(port, agent, '/missing', ['x']);
    agent.destroy();
    expect(a).toEqual({ status: 200, text: 'answer 0 {"a":1}\né payload' });
    expect(b).toEqual({ status: 200, text: 'answer 1 first,second,third' });
    expect(c.status).toBe(404);
    expect(seen.map((r) => [r.method, r.target, r.contentEncoding])).toEqual([
      ['POST', '/api/1/envelope/', undefined],
      ['POST', '/api/1/envelope/', 'identity'],
      ['POST', '/missing', undefined],
    ]);
  });

  it('reads a large body that arrives over many reads, whole and in order', async () => {
    const { port, seen } = await start();
    const agent = new Agent({ keepAlive: true });
    const parts = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(4, '0')}${'x'.repeat(10_000)}`);
    const answer = await post(port, agent, '/big', parts);
    const small = await post(port, agent, '/after', ['tail']);
    agent.destroy();
    expect(answer.status).toBe(200);
    expect(seen[0]!.body.toString('latin1')).toBe(parts.join(''));
    expect(small.text).toBe('answer 1 tail');
  });

  it('answers pipelined requests in their order even when a later answer is ready first', async () => {
    // The first answer waits 80 ms, the others come at once: they must still leave after it.
    const { port } = await start([80, 0, 0]);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const req = (body: string) => `POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    // One write, split at an awkward place afterwards, so heads and bodies straddle reads.
    const all = req('one') + req('two') + req('three');
    socket.write(all.slice(0, 40));
    await new Promise((resolve) => setTimeout(resolve, 10));
    socket.write(all.slice(40));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
    });
    const deadline = Date.now() + 2000;
    while (!text.includes('answer 2 three') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    socket.destroy();
    const order = [...text.matchAll(/answer (\d) ([a-z]+)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(order).toEqual(['0 one', '1 two', '2 three']);
    expect(text.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(3);
    expect(text).toContain('Content-Length: 12\r\n');
  });

  it('closes after a request that asks for it, and answers 400 to a head that is not HTTP', async () => {
    const { port } = await start();
    const closingText = await untilClosed(
      port,
      'POST /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi',
    );
    expect(closingText).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n\r\nanswer 0 hi$/);
    const badText = await untilClosed(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(badText).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });
});
