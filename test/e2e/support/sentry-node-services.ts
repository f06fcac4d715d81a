/**
 * Starts sentry-node-hop.ts services (the real `@sentry/node`, one child process each) and a
 * loopback receiver for the envelopes they send, for sentry-node-hops.test.ts.
 *
 * Each child gets its own project id in its DSN, so the receiver can tell whose envelope it
 * got. Children are killed when the test ends, and exit by themselves when the test process
 * goes away (their IPC channel closes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseEnvelope } from '@otel-sentry/core';

/** `test/`: where `tsx` and the Sentry SDKs resolve from. */
const TEST_DIR = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./sentry-node-hop.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** An envelope a child sent. */
export interface ReceivedEnvelope {
  readonly project: string;
  readonly headers: Record<string, unknown>;
  readonly items: ReadonlyArray<{ readonly type: unknown; readonly payload: unknown }>;
}

/** A running child. */
export interface SentryNodeService {
  readonly sdk: '10' | '11';
  readonly mode: string;
  readonly project: string;
  readonly port: number;
  /** Sends what the SDK holds (events, transactions); resolves when it says it did, or after 6 s. */
  flush(): Promise<void>;
  stop(): void;
}

/** The envelope receiver: a `/api/<project>/envelope/` endpoint on 127.0.0.1. */
export class EnvelopeReceiver {
  readonly envelopes: ReceivedEnvelope[] = [];
  #server: Server | undefined;
  #port = 0;

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const project = /^\/api\/([^/]+)\/envelope/.exec(req.url ?? '')?.[1] ?? '';
        try {
          let body = Buffer.concat(chunks);
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          const parsed = parseEnvelope(new Uint8Array(body));
          if (parsed !== undefined) {
            this.envelopes.push({
              project,
              headers: parsed.headers as Record<string, unknown>,
              items: parsed.items.map((item) => ({ type: item.headers.type, payload: item.payload })),
            });
          }
        } catch {
          // not an envelope: ignored
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }

  /** A DSN that sends to this receiver under `project`. */
  dsn(project: string): string {
    return `http://key${project}@127.0.0.1:${this.#port}/${project}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Starts a child running `@sentry/node` `sdk` in `mode` (`errors`, or a sample rate), sending to `dsn`. */
export function startSentryNode(
  sdk: '10' | '11',
  mode: string,
  project: string,
  dsn: string,
): Promise<SentryNodeService> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: TEST_DIR,
    env: { PATH: process.env.PATH ?? '', HOP_SDK: sdk, HOP_MODE: mode, HOP_DSN: dsn },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const flush = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, 6_000);
      function done(): void {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve();
      }
      function onMessage(message: { type?: string }): void {
        if (message?.type === 'flushed') done();
      }
      child.on('message', onMessage);
      child.send({ type: 'flush' });
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`@sentry/node ${sdk} (${mode}) not ready within ${READY_TIMEOUT_MS} ms\n${stderr}`));
    }, READY_TIMEOUT_MS);
    child.on('message', function onReady(message: { type?: string; port?: number }) {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      child.off('message', onReady);
      resolve({ sdk, mode, project, port: message.port ?? 0, flush, stop });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`@sentry/node ${sdk} (${mode}) exited (${code ?? signal}) before it was ready\n${stderr}`));
    });
  });
}
