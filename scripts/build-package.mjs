#!/usr/bin/env node
// Builds the package in the current directory twice from the same sources:
// ESM into dist/esm and CommonJS into dist/cjs, each with its own .d.ts files.
// A `{"type":"commonjs"}` marker in dist/cjs makes Node and TypeScript read that
// folder (code and types) as CommonJS although the package itself is `type: module`.
//
// Subpath imports (`#platform-transport`, chosen by export condition) resolve against the
// nearest package.json: for dist/esm that is the package's own, whose `imports` point into
// dist/esm; for dist/cjs it is the marker, so the marker gets the same `imports` pointing
// into dist/cjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

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

/** The package's `imports`, with targets moved from dist/esm to the cjs folder. */
function cjsImports(imports) {
  const rewrite = (target) =>
    typeof target === 'string'
      ? target.replace(/^\.\/dist\/esm\//, './')
      : Object.fromEntries(Object.entries(target).map(([k, v]) => [k, rewrite(v)]));
  return rewrite(imports);
}

rmSync(join(cwd, 'dist'), { recursive: true, force: true });
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/esm']);
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/cjs', '--module', 'commonjs', '--moduleResolution', 'node10']);
mkdirSync(join(cwd, 'dist/cjs'), { recursive: true });
const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
const marker = { type: 'commonjs', ...(pkg.imports ? { imports: cjsImports(pkg.imports) } : {}) };
writeFileSync(join(cwd, 'dist/cjs/package.json'), `${JSON.stringify(marker, null, 2)}\n`);
