/**
 * The Spotlight sidecar of the main job (Sentry's local receiver, `@spotlightjs/spotlight`):
 * one the developer already runs (`SENTRY_SPOTLIGHT`, or one answering on
 * http://localhost:8969), else one started for this run on a free loopback port and stopped at
 * the end. What it received is read back from its event stream (`GET /stream`, server-sent
 * events), the way its UI reads it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The port `npx @spotlightjs/spotlight` listens on, UI included. */
export const SPOTLIGHT_DEFAULT_ORIGIN = 'http://localhost:8969';
const START_TIMEOUT_MILLIS = 5_000;
const OFF = new Set(['0', 'false', 'f', 'n', 'no', 'off']);

/** An envelope as Spotlight's stream hands it out: `[headers, [[item headers, payload], …]]`. */
export type StreamedEnvelope = [Record<string, unknown>, Array<[{ type?: string }, unknown]>];

export interface Spotlight {
  /** Where envelopes are POSTed (the value for `SENTRY_SPOTLIGHT`). */
  readonly url: string;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Started by this run (and stopped at its end), or the developer's own. */
  readonly startedHere: boolean;
  /** This run's envelopes, in the order Spotlight received them. */
  readonly received: StreamedEnvelope[];
  /** Resolves once `count` envelopes were received, or after `timeoutMillis`. */
  waitFor(count: number, timeoutMillis: number): Promise<void>;
  /** Stops reading, and stops the sidecar if this run started it. */
  stop(): Promise<void>;
}

/** Why no Spotlight is used (the envelopes then go to the outbox folder). */
export interface NoSpotlight {
  readonly reason: string;
}

async function answersHealth(origin: string): Promise<boolean> {
  try {
    const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(500) });
    await response.arrayBuffer();
    return response.ok && response.headers.get('x-powered-by') === 'spotlight-by-sentry';
  } catch {
    return false;
  }
}

/** Starts `spotlight-sidecar.mjs`; resolves with its port, or rejects within the start timeout. */
function startSidecar(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./spotlight-sidecar.mjs', import.meta.url))], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      if (settled) return; // an exit after the start: stop() ended it
      settled = true;
      child.kill('SIGKILL');
      const lines = stderr.trim().split('\n');
      const cause = lines.find((line) => /^[A-Za-z]*Error\b/.test(line)) ?? lines[0];
      reject(new Error(`${why}${cause ? `: ${cause.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MILLIS / 1000} s`), START_TIMEOUT_MILLIS);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /\{"port":(\d+)\}/.exec(stdout);
      if (match && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code) => fail(`exited with code ${code}`));
  });
}

/** The time (ms) in a UUIDv7, as Spotlight ids its envelopes; `undefined` for anything else. */
function uuidv7Millis(id: unknown): number | undefined {
  const hex = String(id).replaceAll('-', '');
  return /^[0-9a-f]{12}7/i.test(hex) ? Number.parseInt(hex.slice(0, 12), 16) : undefined;
}

/** Reads the sidecar's stream into `received`: the envelopes it got since `sinceMillis`. */
async function subscribe(origin: string, sinceMillis: number, received: StreamedEnvelope[], signal: AbortSignal) {
  const response = await fetch(`${origin}/stream`, { headers: { accept: 'text/event-stream' }, signal });
  if (!response.ok || response.body === null) throw new Error(`GET /stream answered ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffered = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffered += decoder.decode(value, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (!block.includes('event: application/x-sentry-envelope') || data === '') continue;
          const envelope = JSON.parse(data) as StreamedEnvelope;
          // A sidecar that was already running replays what it got before this run: skipped.
          const at = uuidv7Millis(envelope[0].__spotlight_envelope_id);
          if (at === undefined || at >= sinceMillis) received.push(envelope);
        }
      }
    } catch {
      // aborted by stop()
    }
  })();
}

/**
 * The developer's Spotlight if one runs (or `SENTRY_SPOTLIGHT` names one), else one started
 * for this run; `NoSpotlight` when `SENTRY_SPOTLIGHT` turns it off or none could start.
 */
export async function connectSpotlight(env: NodeJS.ProcessEnv = process.env): Promise<Spotlight | NoSpotlight> {
  const setting = env.SENTRY_SPOTLIGHT?.trim();
  if (setting !== undefined && OFF.has(setting.toLowerCase())) return { reason: `SENTRY_SPOTLIGHT=${setting}` };
  // Spotlight ids each envelope by the time it got it: anything from before this run is skipped.
  const since = Date.now();
  let origin: string | undefined;
  let url: string | undefined;
  if (setting !== undefined && URL.canParse(setting)) {
    const named = new URL(setting);
    if (await answersHealth(named.origin)) {
      origin = named.origin;
      url = setting;
    }
  } else if (await answersHealth(SPOTLIGHT_DEFAULT_ORIGIN)) {
    origin = SPOTLIGHT_DEFAULT_ORIGIN;
    url = `${origin}/stream`;
  }
  let child: ChildProcess | undefined;
  if (origin === undefined) {
    try {
      const started = await startSidecar();
      child = started.child;
      origin = `http://127.0.0.1:${started.port}`;
      url = `${origin}/stream`;
    } catch (error) {
      return { reason: `the Spotlight sidecar ${(error as Error).message}` };
    }
  }

  const received: StreamedEnvelope[] = [];
  const reading = new AbortController();
  const stop = async () => {
    reading.abort();
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin?.end(); // the sidecar exits when its stdin closes
    const timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await subscribe(origin, since, received, reading.signal);
  } catch (error) {
    await stop();
    return { reason: `Spotlight's stream could not be read (${(error as Error).message})` };
  }
  return {
    url: url ?? `${origin}/stream`,
    origin,
    startedHere: child !== undefined,
    received,
    stop,
    async waitFor(count, timeoutMillis) {
      const deadline = Date.now() + timeoutMillis;
      while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
