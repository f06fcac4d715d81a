// What the check scripts share about this workspace: where it is, how pnpm is called, and
// which version of a dependency it resolves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (with a trailing slash). */
export const ROOT = new URL('..', import.meta.url).pathname;

/** `npx` arguments that run the pinned pnpm (the README's, never corepack's). */
export const PNPM = ['-y', 'pnpm@10.34.8'];

/**
 * The version of `name` that the workspace folder `from` resolves, so that installs made by a
 * check hit the store and test the same lines as the workspace.
 */
export function workspaceVersion(name, from) {
  return JSON.parse(readFileSync(join(ROOT, from, 'node_modules', name, 'package.json'), 'utf8')).version;
}
