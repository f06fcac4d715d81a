/**
 * The instrumented service, identical in every set-up: a `node:http` server that, per request,
 * runs one child span `work` (a little CPU work) under the active server span and answers 200
 * with a small JSON body. The set-up file (`--import setups/<name>.ts`) has already installed
 * the tracing before this module runs; `http` is loaded with `require` afterwards so that
 * require-hook based instrumentations (OpenTelemetry's, Sentry's) patch it.
 *
 * Talks to the orchestrator over IPC: `ready` (with the port) once listening; answers `flush`,
 * `stats`, `heap` (after `global.gc()` when run with `--expose-gc`) and `exit`.
 */
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { serve } from './ipc.js';

const setup = globalThis.__e2eSetup;
if (!setup) throw new Error('no set-up loaded: start the service with --import setups/<name>.ts');

const require = createRequire(import.meta.url);
const http = require('node:http') as typeof import('node:http');
const tracer = trace.getTracer('e2e-service', '1.0.0');

const BODY = Buffer.from('{"ok":true,"items":[1,2,3]}');
let handled = 0;

function work(): number {
  let h = 2166136261;
  for (let i = 0; i < 200; i++) h = Math.imul(h ^ i, 16777619);
  return h >>> 0;
}

const server = http.createServer((_req, res) => {
  tracer.startActiveSpan('work', (span) => {
    span.setAttribute('work.hash', work());
    span.end();
  });
  handled++;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 30_000;

serve(async (message) => {
  switch (message.type) {
    case 'flush': {
      const started = performance.now();
      await setup.flush(Number(message.timeoutMs ?? 10_000));
      return { flushMs: performance.now() - started };
    }
    case 'stats':
      return { handled, sampledRoots: setup.sampledRoots(), rss: process.memoryUsage().rss };
    case 'heap': {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      return { heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, gc: Boolean(gc) };
    }
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
