#!/usr/bin/env node
// Builds the package in the current directory twice from the same sources:
// ESM into dist/esm and CommonJS into dist/cjs, each with its own .d.ts files.
// A `{"type":"commonjs"}` marker in dist/cjs makes Node and TypeScript read that
// folder (code and types) as CommonJS although the package itself is `type: module`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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

rmSync(join(cwd, 'dist'), { recursive: true, force: true });
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/esm']);
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/cjs', '--module', 'commonjs', '--moduleResolution', 'node10']);
mkdirSync(join(cwd, 'dist/cjs'), { recursive: true });
writeFileSync(join(cwd, 'dist/cjs/package.json'), '{\n  "type": "commonjs"\n}\n');
