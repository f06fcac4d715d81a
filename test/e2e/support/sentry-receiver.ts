/**
 * A loopback "Sentry": an HTTP server that accepts envelopes at `/api/<project>/envelope/`,
 * keeps each one's raw text (to prove what never left) and parses it with the real Sentry
 * SDK's `parseEnvelope`. Create it with the `http` module the test loaded after registering
 * the HTTP instrumentation, and leave its port untraced. OTLP/HTTP JSON posted to
 * `/api/<project>/integration/otlp/v1/traces` (`spans: 'otlp'`) is kept apart, in `otlp`.
 */
import type * as Http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { parseEnvelope } from '@sentry/core';

/** One item of a received envelope; JSON payloads parsed. */
export interface ReceivedItem {
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

/** One envelope as the receiver got it. */
export interface ReceivedEnvelope {
  readonly path: string;
  readonly headers: Record<string, unknown>;
  readonly items: readonly ReceivedItem[];
  /** The decompressed body, as text. */
  readonly raw: string;
}

/** One OTLP/HTTP request to Sentry's OTLP traces endpoint (`/api/<project>/integration/otlp/v1/traces`). */
export interface ReceivedOtlp {
  readonly path: string;
  readonly headers: Http.IncomingHttpHeaders;
  /** The `ExportTraceServiceRequest`, parsed. */
  readonly body: { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }> };
  /** The status the receiver answered with. */
  readonly status: number;
}

/** See the module comment. */
export interface SentryReceiver {
  readonly port: number;
  /** A DSN that sends here. */
  readonly dsn: string;
  readonly envelopes: ReceivedEnvelope[];
  /** Bodies it could not parse. */
  readonly errors: unknown[];
  /** Payloads of every item of `type`, in arrival order. */
  payloads(type: string): Array<Record<string, unknown>>;
  /** OTLP requests to the OTLP traces endpoint, in arrival order. */
  readonly otlp: ReceivedOtlp[];
  /** The status OTLP requests are answered with (the n-th request, from 0). Default 200. */
  otlpStatus: (n: number) => number;
  close(): Promise<void>;
}

const decoder = new TextDecoder();

function parse(body: Buffer): Pick<ReceivedEnvelope, 'headers' | 'items'> {
  const [headers, items] = parseEnvelope(new Uint8Array(body));
  return {
    headers: headers as Record<string, unknown>,
    items: items.map(([itemHeaders, payload]) => ({
      type: String((itemHeaders as { type: unknown }).type),
      payload: (payload instanceof Uint8Array ? JSON.parse(decoder.decode(payload)) : payload) as Record<
        string,
        unknown
      >,
    })),
  };
}

/** Starts a receiver on 127.0.0.1 (a free port). */
export async function startSentryReceiver(http: typeof Http, projectId = 42): Promise<SentryReceiver> {
  const envelopes: ReceivedEnvelope[] = [];
  const errors: unknown[] = [];
  const otlp: ReceivedOtlp[] = [];
  const state = { otlpStatus: (_n: number) => 200 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const path = new URL(req.url ?? '/', 'http://receiver').pathname;
        if (path.endsWith('/integration/otlp/v1/traces')) {
          const status = state.otlpStatus(otlp.length);
          otlp.push({ path, headers: req.headers, body: JSON.parse(body.toString('utf8')), status });
          res.statusCode = status;
          res.end('{}');
          return;
        }
        envelopes.push({
          path: new URL(req.url ?? '/', 'http://receiver').pathname,
          raw: body.toString('utf8'),
          ...parse(body),
        });
        res.end('{}');
      } catch (error) {
        errors.push(error);
        res.statusCode = 400;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    dsn: `http://publickey@127.0.0.1:${port}/${projectId}`,
    envelopes,
    errors,
    otlp,
    get otlpStatus() {
      return state.otlpStatus;
    },
    set otlpStatus(status: (n: number) => number) {
      state.otlpStatus = status;
    },
    payloads: (type) => envelopes.flatMap((e) => e.items.filter((i) => i.type === type).map((i) => i.payload)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
