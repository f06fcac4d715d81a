/**
 * Child processes pinned to one CPU (`taskset -c <cpu> node …`, so the pid is node's own),
 * with an IPC channel, a bounded wait for their `ready` message, and a registry that kills
 * every child still alive when the orchestrator exits, fails or is interrupted.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from './ipc.js';

/** `test/`: where `tsx` and the dependencies resolve from. */
export const TEST_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const E2E_DIR = fileURLToPath(new URL('./', import.meta.url));

/** Benchmark knobs the set-ups read; everything else (SENTRY_*, OTEL_*) stays out of the children. */
const PASS_THROUGH = ['E2E_PACKAGES_DIR', 'E2E_SENTRY11_OTEL'] as const;

function passThrough(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASS_THROUGH) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

const alive = new Set<ChildProcess>();

function killAll(): void {
  for (const child of alive) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  alive.clear();
}

let installed = false;
/** Kills every child on exit, on SIGINT/SIGTERM/SIGHUP and on an uncaught error. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
}

/** Pins the current process (all its threads) to `cpu`. */
export function pinSelf(cpu: number): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset failed: ${result.stderr}`);
}

export interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
}

export interface StartOptions {
  readonly cpu: number;
  readonly nodeArgs: readonly string[];
  readonly script: string;
  readonly env: Record<string, string>;
  readonly readyTimeoutMs?: number;
  /** Echo the child's stdout/stderr (prefixed) instead of discarding stdout. */
  readonly label: string;
}

/** Starts `node <nodeArgs> <script>` on one CPU and waits for its `ready` message. */
export function startPinned(options: StartOptions): Promise<Started> {
  const child = spawn(
    'taskset',
    ['-c', String(options.cpu), process.execPath, '--import', 'tsx', ...options.nodeArgs, options.script],
    {
      cwd: TEST_DIR,
      env: { PATH: process.env.PATH ?? '', TSX_TSCONFIG_PATH: 'bench/tsconfig.json', ...passThrough(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  alive.add(child);
  child.on('exit', () => alive.delete(child));
  const prefix = `[${options.label}] `;
  let stderrTail = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-4000);
    if (process.env.E2E_VERBOSE) process.stderr.write(prefix + text);
  });
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    if (process.env.E2E_VERBOSE) process.stdout.write(prefix + text);
  });
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  return new Promise<Started>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.label} not ready within ${timeoutMs} ms\n${stderrTail}`));
    }, timeoutMs);
    child.on('message', function onReady(message: { type?: string; port?: number }) {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      child.off('message', onReady);
      resolve({ child, pid: child.pid ?? 0, port: message.port ?? 0 });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.label} exited (${code ?? signal}) before it was ready\n${stderrTail}`));
    });
  });
}

/** Asks a child to exit and waits up to `timeoutMs` (a CPU profile is written on exit); then kills it. */
export async function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await request(child, 'exit', {}, Math.min(timeoutMs, 5_000));
  } catch {
    // no answer: killed below if it does not exit
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Starts the loopback receiver (`receiver.ts`) on one CPU. */
export function startReceiver(cpu: number): Promise<Started> {
  return startPinned({ cpu, nodeArgs: [], script: `${E2E_DIR}receiver.ts`, env: {}, label: 'receiver' });
}

/** What {@link startService} needs: the set-up and where its telemetry goes. */
export interface ServiceOptions {
  readonly cpu: number;
  /** The set-up file, loaded with `--import` before the service. */
  readonly setupFile: string;
  /** Node flags before it (`--cpu-prof`, `--expose-gc`, `--trace-gc-nvp`). */
  readonly nodeArgs?: readonly string[];
  readonly receiverPort: number;
  /** The receiver's run number: its DSN project and OTLP path, so each run is counted apart. */
  readonly run: number;
  readonly sampleRate: number;
  readonly flushMs: number;
  readonly label: string;
}

/** Starts the e2e service (`service.ts`) under a set-up, sending to the receiver. */
export function startService(o: ServiceOptions): Promise<Started> {
  return startPinned({
    cpu: o.cpu,
    nodeArgs: [...(o.nodeArgs ?? []), '--import', o.setupFile],
    script: `${E2E_DIR}service.ts`,
    env: {
      E2E_DSN: `http://public@127.0.0.1:${o.receiverPort}/${o.run}`,
      E2E_OTLP_URL: `http://127.0.0.1:${o.receiverPort}/otlp/${o.run}/v1/traces`,
      E2E_SAMPLE_RATE: String(o.sampleRate),
      E2E_FLUSH_MS: String(o.flushMs),
    },
    label: o.label,
  });
}
