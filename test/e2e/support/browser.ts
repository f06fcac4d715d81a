/**
 * The client side of the end-to-end tests: requests from a "browser" that runs a Sentry SDK
 * (its own trace per request, in `sentry-trace` and `baggage`), sent with `fetch`, which
 * the HTTP instrumentation does not trace; and a runner that keeps N of them in flight.
 */
import { randomBytes } from 'node:crypto';

/** What the browser's Sentry SDK sends with a request. */
export interface BrowserTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly headers: Record<string, string>;
}

/** A fresh sampled browser trace. */
export function browserTrace(): BrowserTrace {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return {
    traceId,
    spanId,
    headers: {
      'sentry-trace': `${traceId}-${spanId}-1`,
      baggage: `sentry-trace_id=${traceId},sentry-public_key=frontendkey,sentry-sample_rate=1,sentry-sampled=true,sentry-sample_rand=0.5`,
    },
  };
}

/** The answer to a request. */
export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Sends a request to `127.0.0.1:port`; fails after five seconds. */
export async function send(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; json?: unknown } = {},
): Promise<Answer> {
  const headers = { ...init.headers };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.json === undefined ? null : JSON.stringify(init.json),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: await response.text() };
}

/** Runs `count` tasks, `inFlight` at a time; resolves with their results and the most that ran at once. */
export async function runConcurrently<T>(
  count: number,
  inFlight: number,
  task: (index: number) => Promise<T>,
): Promise<{ results: T[]; maxInFlight: number }> {
  const results: T[] = new Array(count);
  let next = 0;
  let running = 0;
  let maxInFlight = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      running++;
      maxInFlight = Math.max(maxInFlight, running);
      try {
        results[i] = await task(i);
      } finally {
        running--;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { results, maxInFlight };
}

/** Polls `probe` until it returns something truthy; fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}
