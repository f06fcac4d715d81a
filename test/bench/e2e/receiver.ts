/**
 * The loopback Sentry + OTLP receiver, run as its own process (pinned next to the load
 * generator). Routes:
 *
 * - `POST /api/<run>/envelope/` (Sentry envelopes; the DSN's project id is the run number)
 * - `POST /otlp/<run>/v1/traces` and `POST /api/<run>/integration/otlp/v1/traces` (OTLP/HTTP JSON)
 *
 * It counts each body as soon as it has read it (`ingest.ts`), then answers after the run's
 * configured delay: `delayMs`, or a uniform random delay in `[delayMs, delayMaxMs]`.
 * IPC: `config { run, delayMs, delayMaxMs }`, `counts { run }`, `exit`.
 */
import { createServer } from 'node:http';
import { countEnvelope, countOtlpJson, decodeBody, emptyCounts, type RunCounts } from './ingest.js';
import { serve } from './ipc.js';

interface RunConfig {
  delayMs: number;
  delayMaxMs: number;
}

const counts = new Map<number, RunCounts>();
const configs = new Map<number, RunConfig>();

function countsOf(run: number): RunCounts {
  let entry = counts.get(run);
  if (!entry) {
    entry = emptyCounts();
    counts.set(run, entry);
  }
  return entry;
}

// `/api/<run>/integration/otlp/v1/traces`: Sentry's OTLP endpoint of the DSN (otel-sentry-otlp).
const ROUTE = /^\/(api|otlp)\/(\d+)\/(envelope\/?|v1\/traces|integration\/otlp\/v1\/traces)(?:\?.*)?$/;
const ENVELOPE_ANSWER = '{"id":"00000000000000000000000000000000"}';

const server = createServer((req, res) => {
  const match = ROUTE.exec(req.url ?? '');
  if (req.method !== 'POST' || !match) {
    res.writeHead(404).end();
    return;
  }
  const run = Number(match[2]);
  const isOtlp = match[3]!.endsWith('v1/traces');
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const entry = countsOf(run);
    const raw = Buffer.concat(chunks);
    entry.bodyBytes += raw.length;
    try {
      const body = decodeBody(raw, req.headers['content-encoding']);
      if (isOtlp) countOtlpJson(entry, body);
      else countEnvelope(entry, body);
    } catch {
      entry.badBodies++;
    }
    const config = configs.get(run);
    const delay = config
      ? config.delayMaxMs > config.delayMs
        ? config.delayMs + Math.random() * (config.delayMaxMs - config.delayMs)
        : config.delayMs
      : 0;
    const answer = () => {
      if (isOtlp) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(ENVELOPE_ANSWER);
    };
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
  req.on('error', () => res.destroy());
});
server.keepAliveTimeout = 30_000;
server.maxRequestsPerSocket = 0;

serve((message) => {
  switch (message.type) {
    case 'config': {
      const run = Number(message.run);
      const delayMs = Number(message.delayMs ?? 0);
      configs.set(run, { delayMs, delayMaxMs: Number(message.delayMaxMs ?? delayMs) });
      return {};
    }
    case 'counts':
      return { counts: countsOf(Number(message.run)) };
    case 'exit':
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown message ${message.type}`);
  }
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ id: 0, ok: true, type: 'ready', port });
});
