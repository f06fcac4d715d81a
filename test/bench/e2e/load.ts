/**
 * The load generator: autocannon's programmatic API, run in the orchestrator (pinned to the
 * load CPU). `maxLoad` drives as fast as 16 connections go; `fixedRate` offers `overallRate`
 * requests per second. Note that autocannon paces a rate per connection and per second: each
 * connection sends its share back to back at the start of every second, so the fixed-rate
 * latency is that of small bursts.
 */
import autocannon from 'autocannon';

export interface LoadResult {
  /** 2xx responses. */
  readonly ok: number;
  /** Non-2xx responses, connection errors and timeouts. */
  readonly failed: number;
  readonly seconds: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  readonly overallRate?: number | undefined;
  readonly headers?: (() => Record<string, string>) | undefined;
}

/** Runs one load; autocannon stops by itself after `seconds`, and is stopped 30 s later at the latest. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const makeHeaders = options.headers;
  const settings: autocannon.Options = {
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    // A rate-limited run would otherwise record synthetic latencies for the idle gaps.
    ignoreCoordinatedOmission: options.overallRate !== undefined,
    ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
    ...(makeHeaders
      ? {
          requests: [
            { method: 'GET', setupRequest: (req) => ({ ...req, headers: { ...req.headers, ...makeHeaders() } }) },
          ],
        }
      : {}),
  };
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(settings, (error: unknown, result: autocannon.Result) => {
      clearTimeout(guard);
      if (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      const ok = result['2xx'];
      const seconds = result.duration || options.seconds;
      resolve({
        ok,
        failed: result.non2xx + result.errors,
        seconds,
        reqPerSec: ok / seconds,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
      });
    });
    const guard = setTimeout(() => instance.stop(), (options.seconds + 30) * 1000);
  });
}
