/**
 * Spotlight, Sentry's local development receiver: every envelope is also POSTed to the
 * sidecar (default `http://localhost:8969/stream`). Best effort, never retried: it is a
 * local view, and Sentry (or the outbox) remains the record. Its copies go through a sender
 * of their own, bounded like Sentry's, so a slow sidecar can neither hold memory nor open
 * a connection per envelope.
 */
/** The sidecar's default stream URL. */
export const DEFAULT_SPOTLIGHT_URL = 'http://localhost:8969/stream';

/**
 * The Spotlight URL from the `spotlight` option, else `SENTRY_SPOTLIGHT`; `undefined` when off.
 * `true`/`1`/`yes`/`on` mean the default URL; a URL is taken as is.
 */
export function resolveSpotlightUrl(
  option: boolean | string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const value = option ?? env.SENTRY_SPOTLIGHT;
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_SPOTLIGHT_URL;
  const text = value.trim();
  const lower = text.toLowerCase();
  if (lower === '' || lower === 'false' || lower === '0' || lower === 'no' || lower === 'off') return undefined;
  if (lower === 'true' || lower === '1' || lower === 'yes' || lower === 'on') return DEFAULT_SPOTLIGHT_URL;
  return text;
}
