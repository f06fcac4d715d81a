import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RequestTimeoutError } from '../../src/http-transport.js';
import {
  createPlatformTransport,
  MAX_DRAINED_BODY_BYTES,
  NodeHttpTransport,
} from '../../src/platform/node/http-transport.js';
import type { PlatformTransport, PlatformTransportOptions } from '../../src/platform/transport-options.js';
import {
  AsyncLocalStorageContextManager,
  selfSignedCertificate,
  startConnectProxy,
  startHttpsServer,
  startServer,
  type TestServer,
  waitFor,
} from './node-servers.js';

const ENVELOPE = '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n{"message":"hi"}';

/** Everything a test opened, closed after it. */
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const started = await startServer(handler);
  cleanups.push(() => started.close());
  return started;
}

function transport(options: Partial<PlatformTransportOptions> & { url: string }): PlatformTransport {
  const created = createPlatformTransport({
    timeoutMillis: 2000,
    compressionThreshold: Number.POSITIVE_INFINITY,
    maxRequests: 4,
    ...options,
  });
  cleanups.push(() => created.close());
  return created;
}

/** Active TCP sockets that keep this thread's event loop alive. */
function refedSockets(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;
}

const ok: Parameters<typeof startServer>[0] = (_request, _body, response) => {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end('{"id":"9ec79c33ec9942ab8353589fcb2e04dc"}');
};

describe('NodeHttpTransport', () => {
  it('POSTs the envelope with its headers and returns status, rate limits and retry-after', async () => {
    const target = await server((_request, _body, response) => {
      response.writeHead(429, { 'X-Sentry-Rate-Limits': '60:transaction:key', 'Retry-After': '60' });
      response.end();
    });
    const t = transport({
      url: `${target.origin}/api/1/envelope/?sentry_key=abc`,
      headers: { 'X-Sentry-Auth': 'Sentry x' },
    });
    expect(t).toBeInstanceOf(NodeHttpTransport);

    await expect(t.send({ body: ENVELOPE })).resolves.toEqual({
      statusCode: 429,
      rateLimits: '60:transaction:key',
      retryAfter: '60',
    });
    const [received] = target.requests;
    expect(received?.method).toBe('POST');
    expect(received?.url).toBe('/api/1/envelope/?sentry_key=abc');
    expect(received?.headers['content-type']).toBe('application/x-sentry-envelope');
    expect(received?.headers['content-length']).toBe(String(Buffer.byteLength(ENVELOPE)));
    expect(received?.headers['x-sentry-auth']).toBe('Sentry x');
    expect(received?.headers['content-encoding']).toBeUndefined();
    expect(received?.body.toString('utf8')).toBe(ENVELOPE);
  });

  it('sends Uint8Array bodies as they are and returns null for absent headers', async () => {
    const target = await server(ok);
    const t = transport({ url: target.origin });
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252]).subarray(1, 5);
    await expect(t.send({ body: bytes })).resolves.toEqual({ statusCode: 200, rateLimits: null, retryAfter: null });
    expect([...(target.requests[0]?.body ?? [])]).toEqual([1, 2, 250, 251]);
  });

  it("takes Content-Length from the request's byte count, and counts itself when the count cannot be right", async () => {
    const target = await server(ok);
    const t = transport({ url: target.origin, maxRequests: 1 });
    const text = `${ENVELOPE.slice(0, -2)}é😀"}`;
    const bytes = Buffer.byteLength(text);
    // Given, right: used. Given, impossible (below the length, above 3 bytes a unit, not an
    // integer): counted again. One keep-alive socket: a wrong Content-Length would garble the
    // requests behind it, so every body arriving whole shows the framing held.
    for (const given of [bytes, text.length - 1, text.length * 3 + 1, bytes + 0.5, undefined]) {
      expect((await t.send({ body: text, bytes: given })).statusCode).toBe(200);
    }
    expect(target.requests.map((r) => r.headers['content-length'])).toEqual(Array(5).fill(String(bytes)));
    expect(target.requests.map((r) => r.body.toString('utf8'))).toEqual(Array(5).fill(text));
    expect(target.connections()).toBe(1);
  });

  it('reuses one keep-alive socket for 20 sequential sends', async () => {
    const target = await server(ok);
    const t = transport({ url: target.origin });
    for (let i = 0; i < 20; i++) expect((await t.send({ body: `${ENVELOPE}${i}` })).statusCode).toBe(200);
    expect(target.requests).toHaveLength(20);
    expect(target.connections()).toBe(1);
  });

  it('opens at most maxRequests sockets for 20 concurrent sends', async () => {
    const target = await server((_request, _body, response) => {
      setTimeout(() => response.end('ok'), 20);
    });
    const t = transport({ url: target.origin, maxRequests: 4 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => t.send({ body: `${ENVELOPE}${i}` })));
    expect(results.every((result) => result.statusCode === 200)).toBe(true);
    expect(target.requests).toHaveLength(20);
    expect(target.connections()).toBeLessThanOrEqual(4);
    expect(target.maxOpen()).toBeLessThanOrEqual(4);
  });

  it('gzips bodies bigger than compressionThreshold, and only those', async () => {
    const target = await server(ok);
    const t = transport({ url: target.origin, compressionThreshold: 1000 });
    const big = `${ENVELOPE}${'x'.repeat(5000)}`;
    await t.send({ body: big });
    await t.send({ body: ENVELOPE });
    const [zipped, plain] = target.requests;
    expect(zipped?.headers['content-encoding']).toBe('gzip');
    expect(zipped?.headers['content-length']).toBe(String(zipped?.body.length));
    expect(zipped?.body.length).toBeLessThan(big.length);
    expect(gunzipSync(zipped?.body ?? Buffer.alloc(0)).toString('utf8')).toBe(big);
    expect(plain?.headers['content-encoding']).toBeUndefined();
    expect(plain?.body.toString('utf8')).toBe(ENVELOPE);
  });

  it('rejects with RequestTimeoutError when the server never answers, and closes the socket', async () => {
    const target = await server(() => undefined);
    const t = transport({ url: target.origin, timeoutMillis: 150 });
    const started = Date.now();
    await expect(t.send({ body: ENVELOPE })).rejects.toBeInstanceOf(RequestTimeoutError);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(150 + 700);
    expect(await waitFor(() => target.closedConnections() === 1)).toBe(true);
  });

  it('clamps an infinite timeout instead of firing at once', async () => {
    const target = await server((_request, _body, response) => {
      setTimeout(() => response.end(), 30);
    });
    const t = transport({ url: target.origin, timeoutMillis: Number.POSITIVE_INFINITY });
    await expect(t.send({ body: ENVELOPE })).resolves.toMatchObject({ statusCode: 200 });
  });

  it('resolves with the status when the body is late at the deadline, and destroys the socket', async () => {
    const target = await server((_request, _body, response) => {
      response.writeHead(200, { 'Retry-After': '5' });
      response.write('partial');
    });
    const t = transport({ url: target.origin, timeoutMillis: 200 });
    await expect(t.send({ body: ENVELOPE })).resolves.toMatchObject({ statusCode: 200, retryAfter: '5' });
    expect(await waitFor(() => target.closedConnections() === 1)).toBe(true);
  });

  it('does not read a huge streamed body: it destroys the socket past the cap', async () => {
    const total = 64 * 1024 * 1024;
    let written = 0;
    let finished = false;
    let closed = false;
    const target = await server((_request, _body, response) => {
      response.writeHead(200, { 'X-Sentry-Rate-Limits': '1:error' });
      const chunk = Buffer.alloc(64 * 1024, 97);
      const pump = (): void => {
        while (written < total && !closed) {
          written += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        if (!closed) response.end();
      };
      response.on('finish', () => {
        finished = true;
      });
      response.on('close', () => {
        closed = true;
      });
      pump();
    });
    const t = transport({ url: target.origin, timeoutMillis: 2500 });
    const memory = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = memory();
    const started = Date.now();
    await expect(t.send({ body: ENVELOPE })).resolves.toEqual({
      statusCode: 200,
      rateLimits: '1:error',
      retryAfter: null,
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await waitFor(() => closed)).toBe(true);
    expect(finished).toBe(false);
    expect(written).toBeLessThan(total);
    expect(memory() - before).toBeLessThan(24 * 1024 * 1024);
    expect(target.closedConnections()).toBe(1);
  });

  it('destroys the socket at once when Content-Length announces more than the cap', async () => {
    let closed = false;
    const target = await server((_request, _body, response) => {
      response.writeHead(200, { 'Content-Length': String(MAX_DRAINED_BODY_BYTES * 1024) });
      response.write(Buffer.alloc(1024));
      response.on('close', () => {
        closed = true;
      });
    });
    const t = transport({ url: target.origin });
    await expect(t.send({ body: ENVELOPE })).resolves.toMatchObject({ statusCode: 200 });
    expect(await waitFor(() => closed)).toBe(true);
  });

  it('drains a small body and keeps the socket', async () => {
    const target = await server((_request, _body, response) => {
      response.end(Buffer.alloc(MAX_DRAINED_BODY_BYTES - 1, 98));
    });
    const t = transport({ url: target.origin });
    await t.send({ body: ENVELOPE });
    await t.send({ body: ENVELOPE });
    expect(target.connections()).toBe(1);
    expect(target.closedConnections()).toBe(0);
  });

  it('retries once on a fresh socket when the server closed the pooled one', async () => {
    let count = 0;
    const target = await server((request, _body, response) => {
      count++;
      if (count === 2) request.socket.destroy();
      else response.end();
    });
    const t = transport({ url: target.origin });
    await t.send({ body: ENVELOPE });
    await expect(t.send({ body: ENVELOPE })).resolves.toMatchObject({ statusCode: 200 });
    expect(count).toBe(3);
    expect(target.connections()).toBe(2);
  });

  it('rejects (no retry) when the connection is refused', async () => {
    const gone = await startServer(ok);
    await gone.close();
    const t = transport({ url: gone.origin });
    await expect(t.send({ body: ENVELOPE })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('close() rejects requests in flight, destroys sockets and refuses later sends without connecting', async () => {
    const target = await server(() => undefined);
    const t = transport({ url: target.origin, compressionThreshold: 10 });
    const inFlight = t.send({ body: ENVELOPE });
    expect(await waitFor(() => target.requests.length === 1)).toBe(true);
    const compressing = t.send({ body: ENVELOPE });
    t.close();
    await expect(inFlight).rejects.toThrow(/closed/);
    await expect(compressing).rejects.toThrow(/closed/);
    expect(await waitFor(() => target.closedConnections() === 1)).toBe(true);
    const connections = target.connections();
    await expect(t.send({ body: ENVELOPE })).rejects.toThrow(/closed/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(target.connections()).toBe(connections);
    expect(target.requests).toHaveLength(1);
  });

  it("keeps idle pooled sockets unref'd and destroys them after the idle timeout", async () => {
    const target = await server(ok);
    const t = new NodeHttpTransport(
      { url: target.origin, timeoutMillis: 1000, compressionThreshold: Number.POSITIVE_INFINITY, maxRequests: 2 },
      { idleSocketTimeoutMillis: 100 },
    );
    cleanups.push(() => t.close());
    await t.send({ body: ENVELOPE });
    // Only the server's end of the connection keeps the loop alive, not the pooled client socket.
    expect(refedSockets()).toBe(1);
    expect(target.closedConnections()).toBe(0);
    expect(await waitFor(() => target.closedConnections() === 1, 1500)).toBe(true);
    await t.send({ body: ENVELOPE });
    expect(target.connections()).toBe(2);
  });

  it('close() destroys idle pooled sockets', async () => {
    const target = await server(ok);
    const t = transport({ url: target.origin });
    await t.send({ body: ENVELOPE });
    expect(target.closedConnections()).toBe(0);
    t.close();
    expect(await waitFor(() => target.closedConnections() === 1)).toBe(true);
  });

  it('never throws from send: a bad URL or header value rejects', async () => {
    const badUrl = transport({ url: 'not a url' });
    await expect(badUrl.send({ body: ENVELOPE })).rejects.toThrow();
    const badScheme = transport({ url: 'ftp://127.0.0.1/' });
    await expect(badScheme.send({ body: ENVELOPE })).rejects.toThrow(/protocol/);
    const target = await server(ok);
    const badHeader = transport({ url: target.origin, headers: { 'X-Sentry-Auth': 'a\nb' } });
    await expect(badHeader.send({ body: ENVELOPE })).rejects.toThrow();
    await expect(badHeader.send({ body: ENVELOPE })).rejects.toThrow();
    expect(target.connections()).toBe(0);
  });

  it('sends http requests through a proxy with the absolute URL and Proxy-Authorization', async () => {
    const proxy = await server((_request, _body, response) => {
      response.writeHead(202, { 'X-Sentry-Rate-Limits': '10::org' });
      response.end();
    });
    const t = transport({
      url: 'http://sentry.invalid:9000/api/1/envelope/?sentry_key=abc',
      proxy: `http://user:p%40ss%20word@127.0.0.1:${proxy.port}`,
    });
    await expect(t.send({ body: ENVELOPE })).resolves.toMatchObject({ statusCode: 202, rateLimits: '10::org' });
    await t.send({ body: ENVELOPE });
    const [received] = proxy.requests;
    expect(received?.url).toBe('http://sentry.invalid:9000/api/1/envelope/?sentry_key=abc');
    expect(received?.headers.host).toBe('sentry.invalid:9000');
    expect(received?.headers['proxy-authorization']).toBe(`Basic ${Buffer.from('user:p@ss word').toString('base64')}`);
    expect(received?.body.toString('utf8')).toBe(ENVELOPE);
    expect(proxy.connections()).toBe(1);
  });

  it('through a proxy that never answers: RequestTimeoutError on time; close() rejects a send in flight', async () => {
    const proxy = await server(() => undefined);
    const url = 'http://sentry.invalid:9000/api/1/envelope/';
    const timing = transport({ url, proxy: `http://127.0.0.1:${proxy.port}`, timeoutMillis: 150 });
    const started = Date.now();
    await expect(timing.send({ body: ENVELOPE })).rejects.toBeInstanceOf(RequestTimeoutError);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(150 + 700);

    const closing = transport({ url, proxy: `http://127.0.0.1:${proxy.port}` });
    const inFlight = closing.send({ body: ENVELOPE });
    expect(await waitFor(() => proxy.requests.length === 2)).toBe(true);
    closing.close();
    await expect(inFlight).rejects.toThrow(/closed/);
  });

  describe('https', () => {
    let tlsFiles: { key: string; cert: string } | undefined;
    beforeAll(() => {
      tlsFiles = selfSignedCertificate();
    });

    async function httpsTarget(): Promise<TestServer> {
      const started = await startHttpsServer(tlsFiles!, ok);
      cleanups.push(() => started.close());
      return started;
    }

    it('trusts caCerts on top of the default roots', async (ctx) => {
      if (!tlsFiles) return ctx.skip('openssl CLI not available: cannot make a self-signed certificate');
      const target = await httpsTarget();
      const trusted = transport({ url: `${target.origin}/api/1/envelope/`, caCerts: tlsFiles.cert });
      await expect(trusted.send({ body: ENVELOPE })).resolves.toMatchObject({ statusCode: 200 });
      const untrusted = transport({ url: `${target.origin}/api/1/envelope/` });
      await expect(untrusted.send({ body: ENVELOPE })).rejects.toThrow(/self[- ]signed/i);
      expect(target.requests).toHaveLength(1);
    });

    it('tunnels https through a CONNECT proxy, one tunnel reused across sends', async (ctx) => {
      if (!tlsFiles) return ctx.skip('openssl CLI not available: cannot make a self-signed certificate');
      const target = await httpsTarget();
      const proxy = await startConnectProxy();
      cleanups.push(() => proxy.close());
      const t = transport({
        url: `${target.origin}/api/1/envelope/`,
        proxy: `http://user:secret@127.0.0.1:${proxy.port}`,
        caCerts: [Buffer.from(tlsFiles.cert)],
        compressionThreshold: 100,
      });
      const big = `${ENVELOPE}${'y'.repeat(1000)}`;
      for (let i = 0; i < 3; i++) expect((await t.send({ body: big })).statusCode).toBe(200);
      expect(proxy.connects).toEqual([
        {
          authority: `127.0.0.1:${target.port}`,
          authorization: `Basic ${Buffer.from('user:secret').toString('base64')}`,
        },
      ]);
      expect(target.requests).toHaveLength(3);
      expect(gunzipSync(target.requests[2]?.body ?? Buffer.alloc(0)).toString('utf8')).toBe(big);
      expect(target.requests[0]?.headers['proxy-authorization']).toBeUndefined();
      // The proxy's two sockets and the target's one are in this process; the pooled tunnel is unref'd.
      expect(refedSockets()).toBe(3);
      t.close();
      expect(await waitFor(() => proxy.tunnelsClosed() === 1)).toBe(true);
    });

    it('tunnels https through an https proxy (TLS inside TLS)', async (ctx) => {
      if (!tlsFiles) return ctx.skip('openssl CLI not available: cannot make a self-signed certificate');
      const target = await httpsTarget();
      const proxy = await startConnectProxy({ tls: tlsFiles });
      cleanups.push(() => proxy.close());
      const t = transport({ url: `${target.origin}/e/`, proxy: proxy.origin, caCerts: tlsFiles.cert });
      for (let i = 0; i < 2; i++) expect((await t.send({ body: ENVELOPE })).statusCode).toBe(200);
      expect(proxy.connects).toEqual([{ authority: `127.0.0.1:${target.port}`, authorization: undefined }]);
      expect(target.requests.map((request) => request.body.toString('utf8'))).toEqual([ENVELOPE, ENVELOPE]);
      expect(refedSockets()).toBe(3);
      t.close();
      expect(await waitFor(() => proxy.tunnelsClosed() === 1)).toBe(true);
    });

    it('sends http requests through an https proxy', async (ctx) => {
      if (!tlsFiles) return ctx.skip('openssl CLI not available: cannot make a self-signed certificate');
      const proxy = await startHttpsServer(tlsFiles, ok);
      cleanups.push(() => proxy.close());
      const t = transport({
        url: 'http://sentry.invalid/api/1/envelope/',
        proxy: proxy.origin,
        caCerts: tlsFiles.cert,
      });
      await expect(t.send({ body: ENVELOPE })).resolves.toMatchObject({ statusCode: 200 });
      expect(proxy.requests[0]?.url).toBe('http://sentry.invalid/api/1/envelope/');
      expect(proxy.requests[0]?.headers.host).toBe('sentry.invalid');
    });

    it('rejects when the proxy refuses the CONNECT', async (ctx) => {
      if (!tlsFiles) return ctx.skip('openssl CLI not available: cannot make a self-signed certificate');
      const target = await httpsTarget();
      const proxy = await startConnectProxy({ status: 407 });
      cleanups.push(() => proxy.close());
      const t = transport({
        url: `${target.origin}/`,
        proxy: `http://127.0.0.1:${proxy.port}`,
        caCerts: tlsFiles.cert,
      });
      await expect(t.send({ body: ENVELOPE })).rejects.toThrow(/407/);
      expect(target.connections()).toBe(0);
    });

    it('times out a CONNECT the proxy never answers', async () => {
      const silent = await server(() => undefined);
      // Hold the CONNECT unanswered; the server's sockets are half-open, so note when the client ends.
      let clientEnded = false;
      silent.server.on('connect', (_request, socket: Socket) => {
        socket.on('end', () => {
          clientEnded = true;
          socket.destroy();
        });
      });
      const t = transport({ url: 'https://127.0.0.1:1/', proxy: silent.origin, timeoutMillis: 150 });
      await expect(t.send({ body: ENVELOPE })).rejects.toBeInstanceOf(RequestTimeoutError);
      expect(await waitFor(() => clientEnded && silent.closedConnections() === 1)).toBe(true);
    });
  });

  describe('tracing', () => {
    const manager = new AsyncLocalStorageContextManager();
    beforeAll(() => {
      expect(context.setGlobalContextManager(manager)).toBe(true);
    });
    afterAll(() => {
      context.disable();
    });

    it('sends past http.request (invisible to instrumentation-http) and connects with tracing suppressed', async () => {
      const target = await server((_request, _body, response) => {
        setTimeout(() => response.end(), 10);
      });
      const httpStarts: unknown[] = [];
      const onHttpStart = (message: unknown): void => {
        httpStarts.push(message);
      };
      const connects: boolean[] = [];
      const onSocket = (message: unknown): void => {
        const socket = (message as { socket: { connecting?: boolean; remotePort?: number } }).socket;
        void socket;
        connects.push(isTracingSuppressed(context.active()));
      };
      subscribe('http.client.request.start', onHttpStart);
      subscribe('net.client.socket', onSocket);
      cleanups.push(() => unsubscribe('http.client.request.start', onHttpStart));
      cleanups.push(() => unsubscribe('net.client.socket', onSocket));
      const t = transport({ url: target.origin, maxRequests: 2, compressionThreshold: 100 });

      const outer = ROOT_CONTEXT.setValue(Symbol('caller'), 'caller');
      await context.with(outer, async () => {
        const sends = [ENVELOPE, `${ENVELOPE}${'z'.repeat(500)}`, ENVELOPE].map((body) => t.send({ body }));
        expect(isTracingSuppressed(context.active())).toBe(false);
        await Promise.all(sends);
        expect(context.active()).toBe(outer);
      });
      expect(httpStarts).toEqual([]);
      expect(connects.length).toBeGreaterThan(0);
      expect(connects.every((suppressed) => suppressed)).toBe(true);

      // The check is not vacuous: an ordinary connection is seen unsuppressed.
      const { connect } = await import('node:net');
      await new Promise<void>((resolve) => {
        const socket = connect(target.port, '127.0.0.1', () => {
          socket.destroy();
          resolve();
        });
      });
      expect(connects[connects.length - 1]).toBe(false);
    });

    it('opens CONNECT tunnels with tracing suppressed', async () => {
      const proxy = await startConnectProxy({ status: 407 });
      cleanups.push(() => proxy.close());
      const seen: Array<[string, boolean]> = [];
      const onStart = (message: unknown): void => {
        const request = (message as { request: ClientRequest }).request;
        seen.push([request.method, isTracingSuppressed(context.active())]);
      };
      subscribe('http.client.request.start', onStart);
      cleanups.push(() => unsubscribe('http.client.request.start', onStart));
      const t = transport({ url: 'https://127.0.0.1:1/', proxy: proxy.origin });
      await expect(t.send({ body: ENVELOPE })).rejects.toThrow(/407/);
      // Node publishes the POST only once it has a socket, which the refused tunnel never gives.
      expect(seen).toContainEqual(['CONNECT', true]);
      expect(seen.every(([, suppressed]) => suppressed)).toBe(true);
    });
  });
});
