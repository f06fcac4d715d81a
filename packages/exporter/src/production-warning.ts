/**
 * Design decision 7: a service with `NODE_ENV=production` and no DSN says so once on the
 * console, not only through `diag` (which is silent unless the app set a logger). Without a
 * DSN the exporter keeps envelopes in a local outbox (bounded by `maxOutboxFiles`) or sends
 * them to Spotlight: right while developing, a silent loss of every event in production.
 * This is the one place in the library code that writes to the console.
 */

// Once per process, however many exporters (or copies of this package) there are.
const WARNED = Symbol.for('otel-sentry.no-dsn-warned');

/**
 * Warns on the console, once per process, that events go to `where` (the outbox, Spotlight)
 * instead of Sentry, when `env.NODE_ENV` is `production` and the DSN is not missing on
 * purpose (`dsn: ''`). Returns whether it warned (now, not earlier).
 */
export function warnNoDsnInProduction(
  env: Readonly<Record<string, string | undefined>>,
  onPurpose: boolean,
  where: string,
): boolean {
  if (onPurpose || env.NODE_ENV !== 'production') return false;
  const holder = globalThis as { [WARNED]?: boolean };
  if (holder[WARNED] === true) return false;
  holder[WARNED] = true;
  // biome-ignore lint/suspicious/noConsole: the one console warning of design decision 7
  console.warn(
    `[otel-sentry] NODE_ENV is production but no Sentry DSN is set: nothing is sent to Sentry; events go to ${where}. ` +
      'Set SENTRY_DSN (or the dsn option), or dsn: "" to send nothing on purpose.',
  );
  return true;
}
