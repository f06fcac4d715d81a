import { type Context, type ContextManager, context, ROOT_CONTEXT } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FetchTransport, RequestTimeoutError } from '../src/index.js';

/** A minimal synchronous context manager, so `context.with` is observable without async hooks. */
class StackContextManager implements ContextManager {
  #current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.#current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.#current;
    this.#current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#current = previous;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  context.disable();
});

describe('FetchTransport', () => {
  it('sends under suppressTracing, with the envelope content type and extra headers', async () => {
    context.setGlobalContextManager(new StackContextManager());
    const seen: Array<{ suppressed: boolean; init: RequestInit }> = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      seen.push({ suppressed: isTracingSuppressed(context.active()), init });
      return new Response('{}', { status: 200, headers: { 'X-Sentry-Rate-Limits': '10:error:key' } });
    });
    const transport = new FetchTransport({
      url: 'http://127.0.0.1:1/api/1/envelope/',
      headers: { 'X-Sentry-Auth': 'Sentry sentry_key=k' },
      timeoutMillis: 1000,
      compressionThreshold: Number.POSITIVE_INFINITY,
    });
    const response = await transport.send({ body: '{}' });
    expect(response).toEqual({ statusCode: 200, rateLimits: '10:error:key', retryAfter: null });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.suppressed).toBe(true);
    expect(seen[0]!.init.headers).toEqual({
      'Content-Type': 'application/x-sentry-envelope',
      'X-Sentry-Auth': 'Sentry sentry_key=k',
    });
  });

  it('rejects with RequestTimeoutError when no response comes in time', async () => {
    vi.stubGlobal(
      'fetch',
      (_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    const transport = new FetchTransport({ url: 'http://127.0.0.1:1/', timeoutMillis: 20, compressionThreshold: 0 });
    await expect(transport.send({ body: 'x'.repeat(100) })).rejects.toBeInstanceOf(RequestTimeoutError);
  });
});
