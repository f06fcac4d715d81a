/**
 * Which `@opentelemetry/api` files the packages of a set-up load. Two copies would each keep
 * their own global tracer provider and context manager unless their versions agree; one is
 * what a correct install gives (the framework instrumentations bring their own
 * `@opentelemetry/instrumentation`, never their own API).
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The real path of the `@opentelemetry/api` entry each of `packages` resolves (a chain: each from the previous one). */
export function apiResolvedThrough(from: string, packages: readonly string[]): string[] {
  let require = createRequire(from);
  const out = [realpathSync(require.resolve('@opentelemetry/api'))];
  for (const name of packages) {
    require = createRequire(require.resolve(name));
    out.push(realpathSync(require.resolve('@opentelemetry/api')));
  }
  return out;
}
