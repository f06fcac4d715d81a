#!/usr/bin/env node
// What a user installs, checked the way a user meets it: every package under packages/ is
// packed with `pnpm pack`, and the tarballs are installed into small, brand-new consumer
// projects (scripts/consumers/*.ts) that compile with `skipLibCheck: false`:
//
//   node16-esm   `module: node16`, `type: module`, @types/node, no DOM lib; then run
//   node16-cjs   the same source as CommonJS (`type: commonjs`); then run
//   bundler      `moduleResolution: bundler`, DOM lib and @types/node
//   neutral      `moduleResolution: bundler`, neither the DOM lib nor @types/node, and only
//                the runtime-neutral packages (core, propagator): an edge or worker runtime
//   browser      `moduleResolution: bundler`, the DOM lib and no @types/node, sdk-trace-web and
//                @otel-sentry/browser: a page
//   app-esm      a whole app from the READMEs alone (scripts/check-app.mjs): an express backend
//   app-cjs      via @otel-sentry/node, a page via @otel-sentry/browser in headless Chromium, a
//                downstream service and a loopback Sentry receiver; one trace, the error linked
//                to the replay, flushed on SIGTERM; as ESM and as CommonJS
//
// publint and Are-The-Types-Wrong (`check:packages`) read a package's metadata; they do not
// compile its .d.ts files against each other, which is where `stripInternal` once removed
// imports that other declarations needed. Each tarball is also checked for a LICENSE file and
// for source maps whose `sources` are in the tarball.
//
// Needs the packages built (`pnpm run build`) and the npm registry or a warm pnpm store.
// KEEP_CONSUMERS_DIR=1 keeps the temporary folder (its path is printed); `--app-only` packs and
// runs only the app check.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { checkApp } from './check-app.mjs';
import { PNPM, ROOT as root, workspaceVersion } from './workspace.mjs';

const say = (line) => console.log(`[check-consumers] ${line}`);
const problems = [];
const started = Date.now();
const appOnly = process.argv.includes('--app-only');

const packageDirs = readdirSync(join(root, 'packages')).filter((name) =>
  existsSync(join(root, 'packages', name, 'package.json')),
);
const manifests = Object.fromEntries(
  packageDirs.map((dir) => [dir, JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'))]),
);
for (const dir of packageDirs) {
  if (!existsSync(join(root, 'packages', dir, 'dist/esm/index.js')))
    throw new Error(`packages/${dir} is not built: run \`npx -y pnpm@10.34.8 run build\` first`);
}

const work = mkdtempSync(join(tmpdir(), 'otel-sentry-consumers-'));
const packs = join(work, 'packs');
mkdirSync(packs);

// 1. Pack, and read each tarball as a user's package manager would unpack it.
const tarballs = {};
for (const dir of packageDirs) {
  const out = execFileSync('npx', [...PNPM, 'pack', '--pack-destination', packs], {
    cwd: join(root, 'packages', dir),
    encoding: 'utf8',
  });
  const tarball = out.trim().split('\n').at(-1).trim();
  tarballs[manifests[dir].name] = tarball;
  const unpacked = join(work, 'unpacked', dir);
  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', unpacked]);
  checkTarball(manifests[dir].name, join(unpacked, 'package'));
}
say(`packed ${Object.keys(tarballs).length} packages`);

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

function checkTarball(name, dir) {
  if (!readdirSync(dir).some((file) => /^LICEN[CS]E(\.md|\.txt)?$/i.test(file)))
    problems.push(`${name}: the tarball has no LICENSE file`);
  let maps = 0;
  const unresolved = [];
  for (const file of filesUnder(dir)) {
    if (!file.endsWith('.map')) continue;
    maps++;
    const map = JSON.parse(readFileSync(file, 'utf8'));
    for (const source of map.sources ?? []) {
      if (!existsSync(posix.join(dirname(file), map.sourceRoot ?? '', source)))
        unresolved.push(`${file.slice(dir.length + 1)} → ${source}`);
    }
  }
  if (unresolved.length)
    problems.push(
      `${name}: ${unresolved.length} of ${maps} source maps point outside the tarball, e.g. ${unresolved[0]}`,
    );
  if (maps === 0) say(`${name}: no source maps shipped`);
}

// 2. Consumers.
const otel = {
  '@opentelemetry/api': workspaceVersion('@opentelemetry/api', 'packages/span-processor'),
  '@opentelemetry/core': workspaceVersion('@opentelemetry/core', 'packages/span-processor'),
  '@opentelemetry/sdk-trace-base': workspaceVersion('@opentelemetry/sdk-trace-base', 'packages/span-processor'),
};
otel['@opentelemetry/sdk-trace-web'] = workspaceVersion('@opentelemetry/sdk-trace-web', 'packages/browser');
const typescript = workspaceVersion('typescript', '.');
const typesNode = workspaceVersion('@types/node', '.');
const ours = Object.keys(tarballs);
const neutralPackages = ['@otel-sentry/core', '@otel-sentry/propagator'];

const strict = {
  target: 'ES2022',
  strict: true,
  skipLibCheck: false,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  outDir: 'dist',
  rootDir: 'src',
};
const nodeOtel = ['@opentelemetry/api', '@opentelemetry/core', '@opentelemetry/sdk-trace-base'];
const forNode = ours.filter((name) => name !== '@otel-sentry/browser');
const consumers = [
  {
    name: 'node16-esm',
    type: 'module',
    source: 'node-app.ts',
    dependencies: [...forNode, ...nodeOtel, '@types/node'],
    compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], types: ['node'] },
    run: true,
  },
  {
    name: 'node16-cjs',
    type: 'commonjs',
    source: 'node-app.ts',
    dependencies: [...forNode, ...nodeOtel, '@types/node'],
    compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], types: ['node'] },
    run: true,
  },
  {
    name: 'bundler',
    type: 'module',
    source: 'node-app.ts',
    dependencies: [...forNode, ...nodeOtel, '@types/node'],
    compilerOptions: {
      ...strict,
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['ES2022', 'DOM'],
      types: ['node'],
      noEmit: true,
    },
  },
  {
    name: 'neutral',
    type: 'module',
    source: 'neutral-app.ts',
    extra: ['runtime-globals.d.ts'],
    dependencies: [...neutralPackages, '@opentelemetry/api', '@opentelemetry/core'],
    compilerOptions: {
      ...strict,
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['ES2022'],
      types: [],
      noEmit: true,
    },
  },
  {
    name: 'browser',
    type: 'module',
    source: 'browser-app.ts',
    dependencies: [
      ...ours.filter((name) => name !== '@otel-sentry/node'),
      '@opentelemetry/api',
      '@opentelemetry/core',
      '@opentelemetry/sdk-trace-web',
    ],
    compilerOptions: {
      ...strict,
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['ES2022', 'DOM'],
      types: [],
      noEmit: true,
    },
  },
];

const versionOf = (name) => {
  if (tarballs[name]) return `file:${tarballs[name]}`;
  if (otel[name]) return otel[name];
  if (name === '@types/node') return typesNode;
  throw new Error(`no version for ${name}`);
};

for (const consumer of appOnly ? [] : consumers) {
  const dir = join(work, consumer.name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  copyFileSync(join(root, 'scripts/consumers', consumer.source), join(dir, 'src/index.ts'));
  for (const file of consumer.extra ?? []) copyFileSync(join(root, 'scripts/consumers', file), join(dir, 'src', file));
  const dependencies = Object.fromEntries(consumer.dependencies.map((name) => [name, versionOf(name)]));
  dependencies.typescript = typescript;
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: `consumer-${consumer.name}`,
        private: true,
        type: consumer.type,
        dependencies,
        // Our packages depend on each other by version: point those at the tarballs too.
        pnpm: { overrides: Object.fromEntries(ours.map((name) => [name, `file:${tarballs[name]}`])) },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions: consumer.compilerOptions, include: ['src'] }, null, 2)}\n`,
  );
  // Only the peers listed above are installed: a missing peer must show as a type error.
  execFileSync(
    'npx',
    [...PNPM, 'install', '--prefer-offline', '--config.auto-install-peers=false', '--reporter=silent'],
    { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  try {
    execFileSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
  } catch (error) {
    problems.push(`${consumer.name}: tsc with skipLibCheck false failed:\n${error.stdout}${error.stderr}`);
    continue;
  }
  if (consumer.run) {
    try {
      const out = execFileSync(process.execPath, ['dist/index.js'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      if (!/^sentry-trace [0-9a-f]{32}-[0-9a-f]{16}/m.test(out))
        problems.push(`${consumer.name}: unexpected output ${out}`);
    } catch (error) {
      problems.push(`${consumer.name}: running the compiled consumer failed:\n${error.stdout}${error.stderr}`);
      continue;
    }
  }
  say(`${consumer.name}: ok${consumer.run ? ' (compiled and ran)' : ' (type-checked)'}`);
}

// 3. The app, built from the READMEs alone against the same tarballs.
problems.push(...(await checkApp({ work, tarballs, say })));

if (process.env.KEEP_CONSUMERS_DIR === '1') say(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
say(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
