/**
 * A local HTTP sink on loopback that records every request (gzip undone) and answers as a
 * test tells it to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { parseEnvelope } from '@sentry/core';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly gzip: boolean;
}

/** What the sink does with one request: answer, cut the connection, or never answer. */
export type Responder = (
  req: RecordedRequest,
  n: number,
) => { status: number; headers?: Record<string, string>; delayMs?: number } | 'reset' | 'hang';

export interface Sink {
  readonly port: number;
  readonly dsn: string;
  readonly requests: RecordedRequest[];
  respond: Responder;
  /** Requests whose envelope was accepted (2xx). */
  readonly accepted: RecordedRequest[];
  /** TCP connections accepted since the start (or the last reset). */
  readonly connections: number;
  /** Connections open now. */
  readonly openConnections: number;
  /** Forgets recorded requests, the request counter and the responder. */
  reset(): void;
  /** Stops listening (connections refused) until {@link Sink.up}. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const requests: RecordedRequest[] = [];
  const accepted: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let count = 0;
  const sink = {
    requests,
    accepted,
    respond: (() => ({ status: 200 })) as Responder,
    connections: 0,
    get openConnections() {
      return sockets.size;
    },
  } as unknown as Sink & { port: number; dsn: string; server: Server };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const gzip = req.headers['content-encoding'] === 'gzip';
      if (gzip) body = gunzipSync(body);
      const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, gzip };
      requests.push(rec);
      const answer = sink.respond(rec, count++);
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      if (answer === 'hang') return;
      const send = () => {
        if (answer.status >= 200 && answer.status < 300) accepted.push(rec);
        res.writeHead(answer.status, answer.headers ?? {});
        res.end('{}');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.on('connection', (s) => {
    (sink as { connections: number }).connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  sink.port = port;
  sink.dsn = `http://public@127.0.0.1:${port}/42`;
  sink.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  sink.down = sink.close;
  sink.reset = () => {
    requests.length = 0;
    accepted.length = 0;
    count = 0;
    (sink as { connections: number }).connections = 0;
    sink.respond = () => ({ status: 200 });
  };
  sink.up = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return sink;
}

const decoder = new TextDecoder();

/**
 * Parses a recorded body with the real Sentry SDK's parser (it throws on anything that is
 * not an envelope); JSON item payloads, which it gives as bytes, are parsed too.
 */
export function envelopeOf(req: RecordedRequest | Uint8Array): ReturnType<typeof parseEnvelope> {
  const [headers, items] = parseEnvelope(req instanceof Uint8Array ? req : new Uint8Array(req.body));
  const parsed = items.map(([h, payload]) => [
    h,
    payload instanceof Uint8Array ? JSON.parse(decoder.decode(payload)) : payload,
  ]);
  return [headers, parsed] as unknown as ReturnType<typeof parseEnvelope>;
}

/** Items of a type across requests, as parsed payloads. */
export function itemsOf(reqs: readonly RecordedRequest[], type: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const req of reqs) {
    const [, items] = envelopeOf(req);
    for (const [headers, payload] of items) {
      if ((headers as { type: string }).type === type) out.push(payload as Record<string, unknown>);
    }
  }
  return out;
}

/** Whether a recorded request holds an item of `type`. */
export function hasItem(req: RecordedRequest, type: string): boolean {
  return req.body.includes(`{"type":"${type}"`);
}

/** What arrived (accepted requests) and what was reported dropped, for the arithmetic. */
export function tally(accepted: readonly RecordedRequest[]): {
  transactions: number;
  spans: number;
  errors: number;
  dropped: Record<string, number>;
} {
  let transactions = 0;
  let spans = 0;
  let errors = 0;
  const dropped: Record<string, number> = {};
  for (const req of accepted) {
    const [, items] = envelopeOf(req);
    for (const [h, payload] of items) {
      const type = (h as { type: string }).type;
      const p = payload as {
        spans?: unknown[];
        discarded_events?: Array<{ reason: string; category: string; quantity: number }>;
      };
      if (type === 'transaction') {
        transactions++;
        spans += (p.spans?.length ?? 0) + 1;
      } else if (type === 'event') {
        errors++;
      } else if (type === 'client_report') {
        for (const d of p.discarded_events ?? []) {
          dropped[`${d.reason}:${d.category}`] = (dropped[`${d.reason}:${d.category}`] ?? 0) + d.quantity;
        }
      }
    }
  }
  return { transactions, spans, errors, dropped };
}

/** Sum of the drop counts of one category. */
export function droppedOf(dropped: Record<string, number>, category: string): number {
  let sum = 0;
  for (const [key, n] of Object.entries(dropped)) if (key.endsWith(`:${category}`)) sum += n;
  return sum;
}
