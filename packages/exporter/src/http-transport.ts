/**
 * Sends envelopes to Sentry over HTTP with the platform's `fetch`: auth header, gzip above
 * a size threshold, a timeout, and every request run with tracing suppressed so the
 * exporter's own requests are never traced.
 */
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { canGzip, gzip } from './compression.js';
import { utf8Bytes } from './event-size.js';
import type { EnvelopeTransport, TransportRequest, TransportResponse } from './types.js';

/** Options of {@link FetchTransport}. */
export interface FetchTransportOptions {
  /** The URL to POST to. */
  readonly url: string;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Abort a request after this many ms. */
  readonly timeoutMillis: number;
  /** gzip bodies larger than this many bytes (when the platform can). `Infinity`: never. */
  readonly compressionThreshold: number;
}

/** Thrown (as the rejection) when a request times out. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

function byteLengthOf(body: string | Uint8Array): number {
  return typeof body === 'string' ? utf8Bytes(body) : body.length;
}

/**
 * POSTs envelopes with `fetch` (browsers, edge runtimes, Deno, Bun; Node uses the
 * `node:http` transport). Resolves with the response; rejects on network errors, timeouts
 * and after {@link FetchTransport.close}.
 */
export class FetchTransport implements EnvelopeTransport {
  readonly #options: FetchTransportOptions;
  readonly #inFlight = new Set<AbortController>();
  #closed = false;

  constructor(options: FetchTransportOptions) {
    this.#options = options;
  }

  send(request: TransportRequest): Promise<TransportResponse> {
    if (this.#closed) return Promise.reject(new Error('the transport is closed'));
    return context.with(suppressTracing(context.active()), () => this.#send(request));
  }

  /** Aborts every request in flight; later sends reject without touching the network. */
  close(): void {
    this.#closed = true;
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }

  async #send(request: TransportRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-sentry-envelope',
      ...this.#options.headers,
    };
    let body: string | Uint8Array = request.body;
    if ((request.bytes ?? byteLengthOf(body)) > this.#options.compressionThreshold && canGzip()) {
      body = await gzip(body);
      headers['Content-Encoding'] = 'gzip';
    }
    const controller = new AbortController();
    this.#inFlight.add(controller);
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.min(this.#options.timeoutMillis, 2 ** 31 - 1),
    );
    try {
      const response = await fetch(this.#options.url, {
        method: 'POST',
        headers,
        body: body as BodyInit,
        signal: controller.signal,
      });
      // The body is never needed: cancel it rather than read it (a huge body costs nothing).
      await response.body?.cancel().catch(() => undefined);
      return {
        statusCode: response.status,
        rateLimits: response.headers.get('x-sentry-rate-limits'),
        retryAfter: response.headers.get('retry-after'),
      };
    } catch (error) {
      if (timedOut) throw new RequestTimeoutError(`request timed out after ${this.#options.timeoutMillis} ms`);
      throw error;
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
  }
}
