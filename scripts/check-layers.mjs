#!/usr/bin/env node
// Layers point one way: core <- plugins <- set-ups (node, browser) <- examples/tests.
// core imports no @otel-sentry package; a plugin imports core only, never another plugin;
// the set-up packages import core and the plugins, and nothing in packages/ imports them;
// core, the propagator and the browser set-up import no `node:` module (they run in browsers and edge runtimes).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rules = {
  core: { allowed: [], nodeFree: true },
  propagator: { allowed: ['core'], nodeFree: true },
  'span-processor': { allowed: ['core'], nodeFree: false },
  exporter: { allowed: ['core'], nodeFree: false },
  // The set-up layer: above the plugins, below only examples and tests.
  node: { allowed: ['core', 'propagator', 'span-processor', 'exporter'], nodeFree: false },
  browser: { allowed: ['core', 'propagator', 'span-processor', 'exporter'], nodeFree: true },
};

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const problems = [];
for (const [pkg, rule] of Object.entries(rules)) {
  const src = join(root, 'packages', pkg, 'src');
  let list;
  try {
    list = [...files(src)];
  } catch {
    continue; // package not written yet
  }
  for (const file of list) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1];
      const where = relative(root, file);
      const own = /^@otel-sentry\/([^/]+)/.exec(spec);
      if (own && !rule.allowed.includes(own[1])) problems.push(`${where}: ${pkg} must not import ${spec}`);
      if (rule.nodeFree && /^node:/.test(spec) && !/\/node\//.test(file))
        problems.push(`${where}: ${pkg} must stay runtime-neutral, found ${spec}`);
      if (/^\.\.\/\.\.\//.test(spec) && spec.includes('packages'))
        problems.push(`${where}: reaches into another package: ${spec}`);
    }
    if (/^export \* from/m.test(text)) problems.push(`${relative(root, file)}: use explicit exports, not export *`);
    // `stripInternal` drops the statement an `@internal` comment precedes; at the top of a file
    // that is the first import, and the .d.ts then names a type it no longer imports.
    if (/^\/\*\*(?:(?!\*\/)[\s\S])*@internal/.test(text))
      problems.push(
        `${relative(root, file)}: a file-opening comment must not carry @internal (stripInternal drops the import after it)`,
      );
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('layers: ok');
