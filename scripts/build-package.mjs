#!/usr/bin/env node
// Builds the package in the current directory twice from the same sources:
// ESM into dist/esm and CommonJS into dist/cjs, each with its own .d.ts files.
// A `{"type":"commonjs"}` marker in dist/cjs makes Node and TypeScript read that
// folder (code and types) as CommonJS although the package itself is `type: module`.
//
// Subpath imports (`#platform-transport`, `#platform-files`, chosen by export condition) resolve against the
// package's own package.json, whose `imports` point into dist/esm: bundlers and Node's ESM
// loader pick the variant by condition. The CommonJS build is loaded by Node's `require`
// (dist/cjs sits under its own `type` marker, where no `imports` field may go), so there the
// specifier is rewritten at build time to a relative path to the `node` variant.
//
// A package whose dist is newer than everything it is built from (its src, package.json and
// tsconfig, the workspace packages it depends on, the shared tsconfig and this script) is not
// built again: `start` then runs in seconds. FORCE_BUILD=1 builds anyway.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const cwd = process.cwd();
const run = (args) => {
  try {
    execFileSync(process.execPath, [tsc, ...args], { stdio: 'inherit', cwd });
  } catch {
    // tsc has printed its diagnostics; a stack trace of this script would only bury them.
    process.exit(1);
  }
};

function* jsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* jsFiles(path);
    else if (path.endsWith('.js')) yield path;
  }
}

/** In dist/cjs, `require("#name")` becomes a relative require of the `node` (else `default`) target. */
function rewriteCjsImports(imports) {
  const cjsDir = join(cwd, 'dist/cjs');
  for (const file of jsFiles(cjsDir)) {
    let text = readFileSync(file, 'utf8');
    let changed = false;
    for (const [specifier, target] of Object.entries(imports)) {
      const esmTarget = typeof target === 'string' ? target : (target.node ?? target.default);
      const absolute = join(cjsDir, esmTarget.replace(/^\.\/dist\/esm\//, ''));
      let rel = relative(dirname(file), absolute);
      if (!rel.startsWith('.')) rel = `./${rel}`;
      // tsc writes static requires with double quotes and dynamic `import()`s with single ones.
      const next = text
        .replaceAll(`require("${specifier}")`, `require("${rel}")`)
        .replaceAll(`require('${specifier}')`, `require('${rel}')`);
      if (next !== text) {
        text = next;
        changed = true;
      }
    }
    if (changed) writeFileSync(file, text);
  }
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

// Outside dist, so it is never packed: written last, so a build that failed halfway has none.
const stamp = join(cwd, 'node_modules/.otel-sentry-build-stamp');
const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
const inputs = [
  join(cwd, 'src'),
  join(cwd, 'package.json'),
  join(cwd, 'tsconfig.build.json'),
  join(cwd, '../../tsconfig.base.json'),
  new URL(import.meta.url).pathname,
  ...Object.keys(manifest.dependencies ?? {})
    .filter((name) => name.startsWith('@otel-sentry/'))
    .map((name) => join(cwd, '..', name.slice('@otel-sentry/'.length), 'src')),
];
if (process.env.FORCE_BUILD !== '1' && existsSync(stamp) && existsSync(join(cwd, 'dist/cjs/package.json'))) {
  const built = statSync(stamp).mtimeMs;
  if (inputs.every((input) => newestMtime(input) < built)) {
    console.log(`${manifest.name}: dist is up to date (FORCE_BUILD=1 rebuilds)`);
    process.exit(0);
  }
}
rmSync(stamp, { force: true });
// The stamp carries the time the build started: a source saved while tsc ran is newer, and rebuilds.
const startedAt = new Date();

rmSync(join(cwd, 'dist'), { recursive: true, force: true });
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/esm']);
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/cjs', '--module', 'commonjs', '--moduleResolution', 'node10']);
mkdirSync(join(cwd, 'dist/cjs'), { recursive: true });
writeFileSync(join(cwd, 'dist/cjs/package.json'), '{\n  "type": "commonjs"\n}\n');
if (manifest.imports) rewriteCjsImports(manifest.imports);
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, `${startedAt.toISOString()}\n`);
utimesSync(stamp, startedAt, startedAt);
