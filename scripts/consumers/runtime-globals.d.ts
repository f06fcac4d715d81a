// What an edge or worker runtime's own types declare (e.g. @cloudflare/workers-types), cut to
// the one global @opentelemetry/api's declarations use: the `neutral` consumer has neither the
// DOM lib nor @types/node, so it brings this instead, as such an app would.
declare var console: {
  log(...data: unknown[]): void;
  error(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  info(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  trace(...data: unknown[]): void;
};
