/**
 * What the browser tests share: bundling a page entry with esbuild for the browser (the
 * otel-sentry packages from their TypeScript sources), and loading a page in headless
 * Chromium, which runs it and dumps the DOM the page wrote its result into
 * (`<pre id="result">` with JSON, then `document.title = 'done'`).
 *
 * Needs /usr/bin/chromium: `apt-get update && apt-get install -y chromium` (.ci/run does it).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCES: Record<string, string> = {
  '@otel-sentry/core': join(ROOT, 'packages/core/src/index.ts'),
  '@otel-sentry/propagator': join(ROOT, 'packages/propagator/src/index.ts'),
  '@otel-sentry/span-processor': join(ROOT, 'packages/span-processor/src/index.ts'),
  '@otel-sentry/exporter': join(ROOT, 'packages/exporter/src/index.ts'),
  '@otel-sentry/browser': join(ROOT, 'packages/browser/src/index.ts'),
  // The exporter's platform imports, as its `browser` export condition picks them.
  '#platform-transport': join(ROOT, 'packages/exporter/src/platform/fetch/fetch-transport.ts'),
  '#platform-files': join(ROOT, 'packages/exporter/src/platform/no-files.ts'),
  '#platform-otlp': join(ROOT, 'packages/exporter/src/platform/no-otlp.ts'),
};

// On a machine without Chromium the README's test command must still pass: the browser runs
// are skipped there, loudly. In CI (.ci/run installs Chromium) a missing browser fails them.
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
/** `it` when Chromium can run, else `it.skip` (with a warning). */
export const browserIt: typeof it = (existsSync(CHROMIUM) || IN_CI ? it : it.skip) as typeof it;
if (browserIt !== it) {
  console.warn(
    `[browser test] ${CHROMIUM} not found: skipping the headless-Chromium runs. ` +
      'Install it with `apt-get update && apt-get install -y chromium`.',
  );
}

// ---------------------------------------------------------------------------------------
// esbuild, from the copy tsx (a dependency of the test package) already brings.

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number } | null;
}
interface EsbuildResult {
  outputFiles?: { text: string }[];
  metafile?: { inputs: Record<string, { imports: { path: string; external?: boolean }[] }> };
}
interface EsbuildPluginBuild {
  onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => { path: string } | undefined): void;
}
interface Esbuild {
  version: string;
  build(options: Record<string, unknown>): Promise<EsbuildResult>;
}

function loadEsbuild(): Esbuild {
  const fromTestPackage = createRequire(import.meta.url);
  return createRequire(fromTestPackage.resolve('tsx/package.json'))('esbuild') as Esbuild;
}

const NODE_BUILTINS = new Set(builtinModules);
const isNodeModule = (path: string) => path.startsWith('node:') || NODE_BUILTINS.has(path.split('/')[0] ?? path);

/** A page bundle, with what went into it. */
export interface Bundle {
  code: string;
  /** Input files, relative to the repository root. */
  inputs: string[];
  /** Node modules it imports (must be none). */
  nodeImports: string[];
  /** Imports left out of the bundle (must be none). */
  externalImports: string[];
}

/** Bundles `entry` for the browser, as one ES module. */
export async function bundlePage(entry: string): Promise<Bundle> {
  const esbuild = loadEsbuild();
  let result: EsbuildResult;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: ROOT,
      plugins: [
        {
          name: 'otel-sentry-sources',
          setup(build: EsbuildPluginBuild) {
            build.onResolve({ filter: /^(@otel-sentry\/[a-z-]+|#platform-[a-z]+)$/ }, (args) => {
              const path = SOURCES[args.path];
              return path === undefined ? undefined : { path };
            });
          },
        },
      ],
    });
  } catch (error) {
    const errors = (error as { errors?: EsbuildMessage[] }).errors ?? [];
    const text = errors
      .map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text))
      .join('\n');
    throw new Error(`esbuild ${esbuild.version} could not bundle ${entry}:\n${text}`);
  }
  const code = result.outputFiles?.[0]?.text;
  if (code === undefined || result.metafile === undefined) throw new Error('esbuild produced no bundle');
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
  return {
    code,
    inputs: Object.keys(result.metafile.inputs),
    nodeImports: imports.filter((i) => isNodeModule(i.path)).map((i) => i.path),
    externalImports: imports.filter((i) => i.external === true).map((i) => i.path),
  };
}

// ---------------------------------------------------------------------------------------
// Chromium.

function run(file: string, args: string[], timeout: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${file} failed: ${error.message}\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&nbsp;', '\u00a0')
    .replaceAll('&amp;', '&');
}

/** What a page run gave. */
export interface PageRun<T> {
  title: string | undefined;
  result: T;
  /** `Chromium <version>`. */
  version: string;
}

export interface RunOptions {
  /** A fresh profile folder for this run. */
  profileDir: string;
  /** Virtual time the page may use (timers run on it). Default 5000 ms. */
  virtualTimeBudgetMillis?: number;
  /** Wall-clock bound on the whole run. Default 30 s. */
  timeoutMillis?: number;
}

/** Loads `url` in headless Chromium and reads the JSON result the page wrote. */
export async function runPage<T>(url: string, options: RunOptions): Promise<PageRun<T>> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser test needs Chromium. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (.ci/run does this before the tests).',
    );
  }
  const { stdout: versionOut } = await run(CHROMIUM, ['--version'], 10_000);
  const { stdout, stderr } = await run(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      `--user-data-dir=${options.profileDir}`,
      `--virtual-time-budget=${options.virtualTimeBudgetMillis ?? 5000}`,
      '--dump-dom',
      url,
    ],
    options.timeoutMillis ?? 30_000,
  );
  const pre = /<pre id="result">([\s\S]*?)<\/pre>/.exec(stdout);
  if (pre?.[1] === undefined) {
    throw new Error(`the page wrote no result.\n--- dumped DOM ---\n${stdout}\n--- stderr ---\n${stderr}`);
  }
  return {
    title: /<title>([\s\S]*?)<\/title>/.exec(stdout)?.[1],
    result: JSON.parse(unescapeHtml(pre[1])) as T,
    version: versionOut.trim(),
  };
}
