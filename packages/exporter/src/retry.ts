/**
 * Retry policy for sends (protocol brief §7): exponential backoff from 1 s by ×1.5, ±20 %
 * jitter, capped at 5 s, honouring `Retry-After`.
 */

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly multiplier: number;
  readonly maxMs: number;
  readonly jitter: number;
}

/** The OTLP exporter's policy. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, multiplier: 1.5, maxMs: 5000, jitter: 0.2 };

/** Delay before retry number `attempt` (0-based), with jitter from `random` in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * options.multiplier ** attempt);
  const jitter = base * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + jitter));
}

/** HTTP statuses worth another try: server errors. 429 is a rate limit, not a retry; 413 never changes. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 && status <= 599 && status !== 501;
}
