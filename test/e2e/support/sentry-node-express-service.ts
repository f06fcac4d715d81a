/**
 * Starts sentry-node-express.ts (the real `@sentry/node` 11 with express) in a child process
 * and talks to it over IPC. The child is killed by `stop()`, and exits by itself when the
 * test process goes away.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `test/`: where `tsx`, express and the Sentry SDK resolve from. */
const TEST_DIR = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./sentry-node-express.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** A running `@sentry/node` 11 express service. */
export interface SentryExpressService {
  readonly port: number;
  /** Resolves once the SDK flushed (its span buffer included), or after 8 s. */
  flush(): Promise<void>;
  stop(): void;
}

/** Starts the service, sending its envelopes to `dsn`, with `release`. */
export function startSentryExpress(dsn: string, release: string): Promise<SentryExpressService> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: TEST_DIR,
    env: { PATH: process.env.PATH ?? '', SENTRY_DSN: dsn, SENTRY_RELEASE: release },
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
      const timer = setTimeout(done, 8_000);
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
      reject(new Error(`@sentry/node 11 express service not ready within ${READY_TIMEOUT_MS} ms\n${stderr}`));
    }, READY_TIMEOUT_MS);
    child.on('message', function onReady(message: { type?: string; port?: number }) {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      child.off('message', onReady);
      resolve({ port: message.port ?? 0, flush, stop });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`@sentry/node 11 express service exited (${code ?? signal}) before it was ready\n${stderr}`));
    });
  });
}
