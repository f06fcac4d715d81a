/**
 * The loopback Sentry + OTLP receiver, run as its own process (pinned next to the load
 * generator). Routes:
 *
 * - `POST /api/<run>/envelope/` (Sentry envelopes; the DSN's project id is the run number)
 * - `POST /otlp/<run>/v1/traces` and `POST /api/<run>/integration/otlp/v1/traces` (OTLP/HTTP JSON)
 *
 * It counts each body as soon as it has read it (`ingest.ts`), then answers after the run's
 * configured delay: `delayMs`, or a uniform random delay in `[delayMs, delayMaxMs]`. HTTP/1.1
 * is served by `lean-http-server.ts` (keep-alive, pipelining, `Content-Length` or chunked
 * bodies), not `node:http`, for the reason given there. (Counting later, after the load, was
 * tried: it saved ~5 % of the load core, but the bodies it kept made the receiver's own
 * collector pause its answers, and the service then held envelopes long enough to promote them.)
 * IPC: `config { run, delayMs, delayMaxMs }`, `counts { run }`, `exit`.
 */
import { countEnvelope, countOtlpJson, decodeBody, emptyCounts, type RunCounts } from './ingest.js';
import { serve } from './ipc.js';
import { createLeanServer } from './lean-http-server.js';

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

/** Counts one body of `run` (a body that does not decode or parse counts as bad). */
function countBody(run: number, raw: Buffer, encoding: string | undefined, isOtlp: boolean): void {
  const entry = countsOf(run);
  entry.bodyBytes += raw.length;
  try {
    const body = decodeBody(raw, encoding);
    if (isOtlp) countOtlpJson(entry, body);
    else countEnvelope(entry, body);
  } catch {
    entry.badBodies++;
  }
}

// `/api/<run>/integration/otlp/v1/traces`: Sentry's OTLP endpoint of the DSN (otel-sentry-otlp).
const ROUTE = /^\/(api|otlp)\/(\d+)\/(envelope\/?|v1\/traces|integration\/otlp\/v1\/traces)(?:\?.*)?$/;
const ENVELOPE_ANSWER = '{"id":"00000000000000000000000000000000"}';

const server = createLeanServer((req, answer) => {
  const match = ROUTE.exec(req.target);
  if (req.method !== 'POST' || !match) {
    answer(404, 'text/plain', '');
    return;
  }
  const run = Number(match[2]);
  const isOtlp = match[3]!.endsWith('v1/traces');
  countBody(run, req.body, req.contentEncoding, isOtlp);
  const config = configs.get(run);
  const delay = config
    ? config.delayMaxMs > config.delayMs
      ? config.delayMs + Math.random() * (config.delayMaxMs - config.delayMs)
      : config.delayMs
    : 0;
  const body = isOtlp ? '{}' : ENVELOPE_ANSWER;
  if (delay > 0) setTimeout(() => answer(200, 'application/json', body), delay);
  else answer(200, 'application/json', body);
});

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
