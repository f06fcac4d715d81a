/**
 * Rate-limit state, fed from every response Sentry sends.
 *
 * `X-Sentry-Rate-Limits: <seconds>:<cat;cat>:<scope>:<reason>:<namespaces>, ...`: an empty
 * category list limits everything; unknown categories are ignored; of two limits on one
 * category the longer wins. A 429 without that header falls back to `Retry-After`
 * (seconds or an HTTP date), else 60 s, for every category.
 */
import type { DataCategory } from './envelope.js';

/** Seconds a bare 429 blocks sending. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

const KNOWN_CATEGORIES: ReadonlySet<string> = new Set<DataCategory>([
  'default',
  'error',
  'transaction',
  'span',
  'session',
  'attachment',
  'profile',
  'replay',
  'monitor',
  'log_item',
  'security',
  'feedback',
  'metric',
  'internal',
]);

const ALL = '*';

const HTTP_DATE_SHAPE = /^[A-Za-z]{3}.*\d{1,2}:\d{2}:\d{2}/;

/** The parts of an HTTP response the rate limits are read from. */
export interface RateLimitResponse {
  readonly statusCode: number;
  /** The `X-Sentry-Rate-Limits` header, if any. */
  readonly rateLimits?: string | null | undefined;
  /** The `Retry-After` header, if any. */
  readonly retryAfter?: string | null | undefined;
}

/**
 * Parses `Retry-After`: delay-seconds or an HTTP date. Returns milliseconds from `now`
 * (never negative), or {@link DEFAULT_RETRY_AFTER_MS} when the value is not understood.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number {
  // Header values come from the network and from HTTP libraries of every shape.
  if (typeof value !== 'string') return DEFAULT_RETRY_AFTER_MS;
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Date.parse reads almost anything ("-5" is a date in 2001): only HTTP-date shapes, with a
  // month or day name and a time of day, are taken as dates.
  if (!HTTP_DATE_SHAPE.test(text)) return DEFAULT_RETRY_AFTER_MS;
  const date = Date.parse(text);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
}

/** Per-category "disabled until" times (epoch milliseconds). */
export class RateLimits {
  readonly #until = new Map<string, number>();

  /**
   * Reads a response's rate-limit headers. Call it for every response, 2xx included.
   * Returns whether the response set or extended any limit.
   */
  update(response: RateLimitResponse, now: number = Date.now()): boolean {
    const header = typeof response.rateLimits === 'string' ? response.rateLimits.trim() : '';
    if (header) return this.#applyHeader(header, now);
    if (response.statusCode === 429) return this.#extend(ALL, now + parseRetryAfter(response.retryAfter, now));
    return false;
  }

  #applyHeader(header: string, now: number): boolean {
    let changed = false;
    for (const entry of header.split(',')) {
      const limit = entry.trim();
      // An empty entry (a trailing comma) limits nothing; read as "no seconds" it would block all.
      if (limit === '') continue;
      const [seconds, categories = ''] = limit.split(':', 2);
      const parsed = Number.parseInt(seconds ?? '', 10);
      const until = now + (Number.isNaN(parsed) || parsed < 0 ? DEFAULT_RETRY_AFTER_MS : parsed * 1000);
      if (categories.trim() === '') {
        changed = this.#extend(ALL, until) || changed;
        continue;
      }
      for (const raw of categories.split(';')) {
        const category = raw.trim();
        if (KNOWN_CATEGORIES.has(category)) changed = this.#extend(category, until) || changed;
      }
    }
    return changed;
  }

  #extend(key: string, until: number): boolean {
    if ((this.#until.get(key) ?? 0) >= until) return false;
    this.#until.set(key, until);
    return true;
  }

  /** Epoch milliseconds until which `category` may not be sent (0 when it may). */
  disabledUntil(category: DataCategory | string): number {
    return Math.max(this.#until.get(category) ?? 0, this.#until.get(ALL) ?? 0);
  }

  /** Whether `category` is rate limited at `now`. */
  isRateLimited(category: DataCategory | string, now: number = Date.now()): boolean {
    return this.disabledUntil(category) > now;
  }

  /** Whether any limit is still running at `now`. */
  isAnyRateLimited(now: number = Date.now()): boolean {
    for (const until of this.#until.values()) if (until > now) return true;
    return false;
  }

  /** Forgets limits that have run out, so long-lived state stays small. */
  prune(now: number = Date.now()): void {
    for (const [key, until] of this.#until) if (until <= now) this.#until.delete(key);
  }
}
