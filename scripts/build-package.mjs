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
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

rmSync(join(cwd, 'dist'), { recursive: true, force: true });
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/esm']);
run(['-p', 'tsconfig.build.json', '--outDir', 'dist/cjs', '--module', 'commonjs', '--moduleResolution', 'node10']);
mkdirSync(join(cwd, 'dist/cjs'), { recursive: true });
writeFileSync(join(cwd, 'dist/cjs/package.json'), '{\n  "type": "commonjs"\n}\n');
const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
if (pkg.imports) rewriteCjsImports(pkg.imports);
