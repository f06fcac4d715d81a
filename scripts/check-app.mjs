// A brand-new app built from the packed tarballs and the READMEs alone (issue 13's done-when),
// called by scripts/check-consumers.mjs with the tarballs it packed. Twice, as ESM and as
// CommonJS, each compiled with `skipLibCheck: false`:
//
//   backend   an express 5 app (scripts/consumers/app/server) traced by the HTTP and express
//             instrumentations, wired with `createSentrySetup` + `flushOnExit` from
//             @otel-sentry/node, pointed at a loopback receiver DSN; it renders a page with
//             `getTraceMetaTags()`, serves the page script, calls a downstream service and throws
//   page      scripts/consumers/app/page, bundled with esbuild: sdk-trace-web, the fetch
//             instrumentation and @otel-sentry/browser beside the real @sentry/browser replay;
//             its fetch to the backend continues the server-rendered trace
//   receiver  a loopback Sentry ingest that parses every envelope with the packed core's
//             `parseEnvelope` (project 1: the backend, project 2: the page)
//   downstream a loopback service that records the headers it received
//
// The page runs in headless Chromium. What must hold:
//   - one trace id across the server-rendered page, the page's fetch span, the backend's
//     transaction and the downstream call, each span the parent of the next;
//   - the backend's error event carries `contexts.replay.replay_id` equal to the page's replay
//     id (and the page's replay was sent with that id);
//   - SIGTERM right after a request: the transaction still pending then arrives (flushed), and the
//     process ends by SIGTERM on its own within the deadline.
// Without Chromium the browser part is replaced by a stand-in request built from the rendered
// <meta> tags, with a printed notice; with CI=true a missing Chromium fails the check.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { PNPM, ROOT as root, workspaceVersion } from './workspace.mjs';

const execFileP = promisify(execFile);
const appSources = join(root, 'scripts/consumers/app');
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
/** createSentrySetup's default `shutdownTimeoutMillis`, plus flushOnExit's slack and a margin for a loaded machine. */
const EXIT_DEADLINE_MILLIS = 2000 + 250 + 2750;

function esbuildVersion() {
  const fromTest = createRequire(join(root, 'test/package.json'));
  const tsx = fromTest.resolve('tsx/package.json');
  return JSON.parse(readFileSync(createRequire(tsx).resolve('esbuild/package.json'), 'utf8')).version;
}

/** `$CHROMIUM` (a path that does not exist: run as if there were none), else `chromium` on PATH. */
function findChromium() {
  if (process.env.CHROMIUM) return existsSync(process.env.CHROMIUM) ? process.env.CHROMIUM : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

const strict = {
  target: 'ES2022',
  strict: true,
  skipLibCheck: false,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  esModuleInterop: true,
};

const VARIANTS = [
  {
    name: 'app-esm',
    type: 'module',
    serverFiles: ['telemetry.ts', 'instrumentation.ts', 'server.ts'],
    start: ['--import', './dist/instrumentation.js', 'dist/server.js'],
  },
  {
    name: 'app-cjs',
    type: 'commonjs',
    serverFiles: ['telemetry.ts', 'server.ts'],
    start: ['--require', './dist/telemetry.js', 'dist/server.js'],
  },
];

/**
 * Builds and runs the app in both variants; returns the problems found (empty: all held).
 * `work` is a temporary folder, `tarballs` maps each package name to its packed tarball.
 */
export async function checkApp({ work, tarballs, say }) {
  const problems = [];
  const started = Date.now();
  const chromium = findChromium();
  if (chromium === undefined) {
    const notice =
      'Chromium not found (PATH, /usr/bin/chromium or $CHROMIUM): the page is not run in a browser; a stand-in ' +
      'request built from the rendered <meta> tags replaces it, and the browser-side checks (page spans, replay) ' +
      'are skipped. Install it with `apt-get install -y chromium`.';
    if (IN_CI) problems.push(`app: ${notice} In CI (CI=true) the browser run is required.`);
    else say(`NOTICE: ${notice}`);
  }
  const versions = {
    '@opentelemetry/api': workspaceVersion('@opentelemetry/api', 'test'),
    '@opentelemetry/core': workspaceVersion('@opentelemetry/core', 'test'),
    '@opentelemetry/context-async-hooks': workspaceVersion('@opentelemetry/context-async-hooks', 'test'),
    '@opentelemetry/sdk-trace-base': workspaceVersion('@opentelemetry/sdk-trace-base', 'test'),
    '@opentelemetry/instrumentation': workspaceVersion('@opentelemetry/instrumentation', 'test'),
    '@opentelemetry/instrumentation-http': workspaceVersion('@opentelemetry/instrumentation-http', 'test'),
    '@opentelemetry/instrumentation-express': workspaceVersion('@opentelemetry/instrumentation-express', 'test'),
    '@opentelemetry/sdk-trace-web': workspaceVersion('@opentelemetry/sdk-trace-web', 'packages/browser'),
    '@opentelemetry/instrumentation-fetch': workspaceVersion(
      '@opentelemetry/instrumentation-fetch',
      'examples/browser-app',
    ),
    // Types only, for the page's type-check: @opentelemetry/web-common (under instrumentation-fetch)
    // declares `import type { LogRecordProcessor } from '@opentelemetry/sdk-logs'` without depending
    // on it, so with `skipLibCheck: false` an app must install it. The same 0.x release line.
    '@opentelemetry/sdk-logs': workspaceVersion('@opentelemetry/instrumentation-fetch', 'examples/browser-app'),
    '@sentry/browser': workspaceVersion('@sentry/browser', 'test'),
    express: workspaceVersion('express', 'test'),
    '@types/express': workspaceVersion('@types/express', 'test'),
    '@types/node': workspaceVersion('@types/node', '.'),
    typescript: workspaceVersion('typescript', '.'),
    esbuild: esbuildVersion(),
    '@otel-sentry/node': `file:${tarballs['@otel-sentry/node']}`,
    '@otel-sentry/browser': `file:${tarballs['@otel-sentry/browser']}`,
  };

  // 1. Write, install, compile and bundle both variants (in parallel: most of it is waiting).
  const built = await Promise.all(
    VARIANTS.map((variant) =>
      buildVariant(variant, join(work, variant.name), versions, tarballs).then(
        () => true,
        (error) => {
          problems.push(`${variant.name}: ${error.message}`);
          return false;
        },
      ),
    ),
  );
  say(`app: installed, compiled (skipLibCheck false) and bundled in ${seconds(started)}`);

  // 2. Run each variant: one at a time, each with its own receiver and downstream service.
  for (const [i, variant] of VARIANTS.entries()) {
    if (!built[i]) continue;
    const runStarted = Date.now();
    const found = await runVariant(variant, join(work, variant.name), chromium, say);
    for (const problem of found) problems.push(`${variant.name}: ${problem}`);
    say(`${variant.name}: ${found.length === 0 ? 'ok' : 'FAILED'} (ran in ${seconds(runStarted)})`);
  }
  return problems;
}

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function run(file, args, options) {
  try {
    return await execFileP(file, args, { maxBuffer: 16 * 1024 * 1024, ...options });
  } catch (error) {
    throw new Error(`${[file, ...args].join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
  }
}

async function buildVariant(variant, dir, versions, tarballs) {
  mkdirSync(join(dir, 'src/server'), { recursive: true });
  mkdirSync(join(dir, 'src/page'), { recursive: true });
  for (const file of variant.serverFiles) cpSync(join(appSources, 'server', file), join(dir, 'src/server', file));
  cpSync(join(appSources, 'page/page.ts'), join(dir, 'src/page/page.ts'));
  const dependencies = Object.fromEntries(Object.entries(versions).filter(([name]) => !isDev(name)));
  const devDependencies = Object.fromEntries(Object.entries(versions).filter(([name]) => isDev(name)));
  const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
  writeFileSync(
    join(dir, 'package.json'),
    json({
      name: `check-${variant.name}`,
      private: true,
      type: variant.type,
      dependencies,
      devDependencies,
      // Our packages depend on each other by version: point those at the tarballs too.
      pnpm: {
        overrides: Object.fromEntries(Object.entries(tarballs).map(([name, path]) => [name, `file:${path}`])),
        onlyBuiltDependencies: ['esbuild'],
      },
    }),
  );
  // The backend: node16 resolution, @types/node, no DOM lib.
  writeFileSync(
    join(dir, 'tsconfig.json'),
    json({
      compilerOptions: {
        ...strict,
        module: 'node16',
        moduleResolution: 'node16',
        lib: ['ES2022'],
        types: ['node'],
        outDir: 'dist',
        rootDir: 'src/server',
      },
      include: ['src/server'],
    }),
  );
  // The page: bundler resolution, the DOM lib; esbuild emits it. @types/node too, only because
  // @opentelemetry/instrumentation's declarations are its Node platform's (`import … from 'path'`)
  // whatever the resolution; @otel-sentry/browser alone needs no @types/node (consumer `browser`).
  writeFileSync(
    join(dir, 'tsconfig.page.json'),
    json({
      compilerOptions: {
        ...strict,
        module: 'esnext',
        moduleResolution: 'bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: ['node'],
        noEmit: true,
      },
      include: ['src/page'],
    }),
  );
  // Only the peers listed: a missing peer must show as an error.
  await run('npx', [...PNPM, 'install', '--prefer-offline', '--config.auto-install-peers=false', '--reporter=silent'], {
    cwd: dir,
  });
  const tsc = join(dir, 'node_modules/typescript/bin/tsc');
  const compile = async (project) => {
    try {
      await execFileP(process.execPath, [tsc, '-p', project], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      throw new Error(`tsc -p ${project} with skipLibCheck false failed:\n${error.stdout}${error.stderr}`);
    }
  };
  await Promise.all([compile('tsconfig.json'), compile('tsconfig.page.json')]);
  await run(
    join(dir, 'node_modules/.bin/esbuild'),
    [
      'src/page/page.ts',
      '--bundle',
      '--format=esm',
      '--platform=browser',
      '--target=es2022',
      '--log-level=warning',
      '--outfile=public/page.js',
    ],
    { cwd: dir },
  );
  const bundle = readFileSync(join(dir, 'public/page.js'), 'utf8');
  const nodeImport = /\bfrom\s*["']node:|require\(["'](node:)?(http|https|fs|zlib|net)["']\)/.exec(bundle);
  if (nodeImport) throw new Error(`the page bundle imports a Node module: ${nodeImport[0]}`);
}

function isDev(name) {
  return ['typescript', 'esbuild', '@types/express', '@types/node', '@opentelemetry/sdk-logs'].includes(name);
}

// ---------------------------------------------------------------------------------------
// Loopback services.

function listen(handler) {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decode(body, encoding) {
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  return body;
}

/** A Sentry ingest on loopback: every envelope, parsed, with its project and arrival time. */
async function startReceiver(parseEnvelope) {
  const received = [];
  const unreadable = [];
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-headers': '*',
    'access-control-allow-methods': 'POST, OPTIONS',
  };
  const { server, origin } = await listen(async (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    const project = /^\/api\/(\d+)\/envelope\/?(\?|$)/.exec(req.url ?? '')?.[1];
    const body = await readBody(req);
    if (project !== undefined) {
      let envelope;
      try {
        envelope = parseEnvelope(new Uint8Array(decode(body, req.headers['content-encoding'])));
      } catch {
        envelope = undefined;
      }
      if (envelope === undefined) unreadable.push(`${req.url} (${body.length} bytes)`);
      else received.push({ project, envelope, at: Date.now() });
    }
    res.writeHead(project === undefined ? 404 : 200, { ...cors, 'content-type': 'application/json' });
    res.end('{}');
  });
  return { server, origin, received, unreadable };
}

async function startDownstream() {
  const saw = [];
  const { server, origin } = await listen((req, res) => {
    saw.push({ url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ inStock: 3 }));
  });
  return { server, origin, saw };
}

async function close(server) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(() => resolve()));
}

// ---------------------------------------------------------------------------------------
// One variant's run.

/** The items of the received envelopes, flattened: `{ project, type, payload, envelope, at }`. */
function itemsOf(received) {
  return received.flatMap(({ project, envelope, at }) =>
    envelope.items.map((item) => ({
      project,
      type: item.headers.type,
      payload: typeof item.payload === 'string' ? tryJson(item.payload) : item.payload,
      envelope,
      at,
    })),
  );
}

function tryJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const traceOf = (event) => event?.contexts?.trace ?? {};
/** Span ids of a transaction: its root's and its spans'. */
const spanIdsOf = (transaction) => [traceOf(transaction).span_id, ...(transaction.spans ?? []).map((s) => s.span_id)];
const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

async function waitFor(predicate, millis) {
  const until = Date.now() + millis;
  while (Date.now() < until) {
    if (predicate()) return true;
    await sleep(50);
  }
  return predicate();
}

function unescapeHtml(text) {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

async function runVariant(variant, dir, chromium, say) {
  const problems = [];
  // The packed core's parseEnvelope, as the app installed it (beside @otel-sentry/node).
  const nodePackage = realpathSync(join(dir, 'node_modules/@otel-sentry/node/package.json'));
  const { parseEnvelope } = await import(pathToFileURL(createRequire(nodePackage).resolve('@otel-sentry/core')).href);
  const receiver = await startReceiver(parseEnvelope);
  const downstream = await startDownstream();
  const backendDsn = `${receiver.origin.replace('//', '//backend@')}/1`;
  const browserDsn = `${receiver.origin.replace('//', '//browser@')}/2`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SENTRY_')));
  Object.assign(env, {
    SENTRY_DSN: backendDsn,
    BROWSER_SENTRY_DSN: browserDsn,
    DOWNSTREAM_URL: downstream.origin,
    PORT: '0',
  });
  delete env.NODE_ENV;
  delete env.NODE_OPTIONS;

  let log = '';
  const backend = spawn(process.execPath, variant.start, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) =>
    backend.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  backend.stdout.setEncoding('utf8').on('data', (text) => {
    log += text;
  });
  backend.stderr.setEncoding('utf8').on('data', (text) => {
    log += text;
  });
  const withLog = (message) => `${message}\n--- backend output ---\n${log.trim() || '(none)'}\n---`;
  let profileDir;

  try {
    const listening = () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
    const up = await Promise.race([waitFor(() => listening() !== undefined, 15_000), exited.then(() => false)]);
    const origin = listening();
    if (!up || origin === undefined) {
      problems.push(withLog('the backend did not start listening within 15 s'));
      return problems;
    }

    // The page, in headless Chromium (or the stand-in).
    let page;
    let browserSpanIds;
    if (chromium !== undefined) {
      profileDir = mkdtempSync(join(tmpdir(), 'otel-sentry-app-chromium-'));
      const { stdout, stderr } = await run(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
          '--disable-sync',
          `--user-data-dir=${profileDir}`,
          '--virtual-time-budget=15000',
          '--dump-dom',
          `${origin}/`,
        ],
        { timeout: 60_000, killSignal: 'SIGKILL' },
      );
      const pre = /<pre id="result">([\s\S]*?)<\/pre>/.exec(stdout)?.[1];
      if (pre === undefined) {
        problems.push(withLog(`the page wrote no result\n--- dumped DOM ---\n${stdout}\n--- chromium ---\n${stderr}`));
        return problems;
      }
      page = JSON.parse(unescapeHtml(pre));
    } else {
      page = await standInBrowser(origin);
      browserSpanIds = [page.spanId];
    }

    // The page's own view.
    if (page.errors.length > 0) problems.push(`the page failed: ${page.errors.join('; ')}`);
    const [traceId, serverSpanId] = (page.metaSentryTrace ?? '').split('-');
    if (!/^[0-9a-f]{32}$/.test(traceId ?? '') || !/^[0-9a-f]{16}$/.test(serverSpanId ?? '')) {
      problems.push(withLog(`the page has no server-rendered sentry-trace <meta> tag: ${page.metaSentryTrace}`));
      return problems;
    }
    const replayId = page.replayId;
    if (!/^[0-9a-f]{32}$/.test(replayId ?? '')) problems.push(`the page has no replay id: ${replayId}`);
    if (page.checkout?.status !== 500 || !String(page.checkout?.body?.error).includes('payment provider unavailable'))
      problems.push(`POST /api/checkout answered ${JSON.stringify(page.checkout)}, not the app's 500`);

    // What the receiver must get: the page's transaction and replay, the backend's two
    // transactions of the trace and its error.
    const items = () => itemsOf(receiver.received);
    const ofTrace = (project, type) =>
      items().filter((i) => i.project === project && i.type === type && traceOf(i.payload).trace_id === traceId);
    const named = (path) => (i) => String(i.payload.transaction ?? '').includes(path);
    const expected = () => {
      const backendTransactions = ofTrace('1', 'transaction');
      return (
        backendTransactions.some(named('/api/checkout')) &&
        backendTransactions.some((i) => spanIdsOf(i.payload).includes(serverSpanId)) &&
        ofTrace('1', 'event').length > 0 &&
        (chromium === undefined ||
          (ofTrace('2', 'transaction').length > 0 &&
            items().some((i) => i.type === 'replay_event' && i.payload.replay_id === replayId)))
      );
    };
    await waitFor(expected, 10_000);
    const summary = () =>
      items()
        .map(
          (i) =>
            `  [project ${i.project}] ${i.type} ${i.payload?.transaction ?? ''} trace ${traceOf(i.payload).trace_id}`,
        )
        .join('\n');

    // 1. The server-rendered page: its span is in the backend's transaction for GET /.
    const pageTransaction = ofTrace('1', 'transaction').find((i) => spanIdsOf(i.payload).includes(serverSpanId));
    if (pageTransaction === undefined)
      problems.push(`no backend transaction holds the span ${serverSpanId} the page was rendered in:\n${summary()}`);

    // 2. The page's fetch span continues it (browser envelopes).
    if (chromium !== undefined) {
      const browserTransactions = ofTrace('2', 'transaction').map((i) => i.payload);
      const continued = browserTransactions.filter((t) => traceOf(t).parent_span_id === serverSpanId);
      if (continued.length === 0)
        problems.push(
          `the page sent no transaction of trace ${traceId} whose parent is the server's span ${serverSpanId}:\n${summary()}`,
        );
      browserSpanIds = continued.flatMap(spanIdsOf);
    }

    // 3. The backend's checkout transaction is a child of the page's fetch span.
    const checkout = ofTrace('1', 'transaction').find(named('/api/checkout'));
    let checkoutSpanIds = [];
    if (checkout === undefined) {
      problems.push(withLog(`no backend transaction for POST /api/checkout in trace ${traceId}:\n${summary()}`));
    } else {
      const t = checkout.payload;
      checkoutSpanIds = spanIdsOf(t);
      if (!browserSpanIds.includes(traceOf(t).parent_span_id))
        problems.push(
          `the checkout transaction's parent ${traceOf(t).parent_span_id} is not the page's fetch span (${browserSpanIds.join(', ')})`,
        );
      const ops = (t.spans ?? []).map((s) => s.op);
      if (!ops.some((op) => String(op).includes('express')))
        problems.push(`the checkout transaction has no express span (express not patched?): ops ${ops.join(', ')}`);
      if (!ops.includes('http.client')) problems.push(`the checkout transaction has no http.client span: ${ops}`);
      const dscReplay = checkout.envelope.headers.trace?.replay_id;
      if (dscReplay !== replayId)
        problems.push(`the checkout transaction's DSC has replay_id ${dscReplay}, the page's is ${replayId}`);
    }

    // 4. The downstream call carries the same trace, from a span of the checkout transaction.
    const call = downstream.saw.find((s) => s.url === '/stock/42');
    if (call === undefined) {
      problems.push(withLog('the downstream service got no call'));
    } else {
      const [downTrace, downParent] = String(call.headers['sentry-trace'] ?? '').split('-');
      if (downTrace !== traceId)
        problems.push(`the downstream call carried sentry-trace ${call.headers['sentry-trace']}, not trace ${traceId}`);
      else if (checkout !== undefined && !checkoutSpanIds.includes(downParent))
        problems.push(`the downstream call's parent span ${downParent} is not in the checkout transaction`);
      const baggage = String(call.headers.baggage ?? '');
      if (!baggage.includes(`sentry-trace_id=${traceId}`) || !baggage.includes(`sentry-replay_id=${replayId}`))
        problems.push(`the downstream call's baggage lacks the trace or the replay id: ${baggage}`);
    }

    // 5. The error: same trace, linked to the page's replay.
    const errors = items().filter((i) => i.project === '1' && i.type === 'event');
    const error = errors.find((i) =>
      (i.payload.exception?.values ?? []).some((v) => String(v.value).includes('payment provider unavailable')),
    );
    if (error === undefined) {
      problems.push(withLog(`the backend sent no error event for the thrown error:\n${summary()}`));
    } else {
      if (traceOf(error.payload).trace_id !== traceId)
        problems.push(`the error event is in trace ${traceOf(error.payload).trace_id}, not ${traceId}`);
      const linked = error.payload.contexts?.replay?.replay_id;
      if (linked !== replayId)
        problems.push(`the error event's contexts.replay.replay_id is ${linked}, the page's replay id is ${replayId}`);
    }

    // 6. The replay the error links to was sent, with that id.
    if (chromium !== undefined && !items().some((i) => i.type === 'replay_event' && i.payload.replay_id === replayId))
      problems.push(`the page sent no replay_event with replay_id ${replayId}:\n${summary()}`);
    if (receiver.unreadable.length > 0)
      problems.push(`envelopes parseEnvelope could not read: ${receiver.unreadable.join(', ')}`);

    // 7. SIGTERM with a transaction pending (the span processor holds a finished request's
    //    transaction for `lateChildGraceMillis`, 100 ms): it must arrive, and the process end
    //    by the signal, on its own.
    const ping = await fetch(`${origin}/api/ping`);
    await ping.arrayBuffer();
    const sigtermAt = Date.now();
    backend.kill('SIGTERM');
    const exit = await Promise.race([exited, sleep(EXIT_DEADLINE_MILLIS).then(() => undefined)]);
    if (exit === undefined) {
      problems.push(withLog(`the backend did not exit within ${EXIT_DEADLINE_MILLIS} ms of SIGTERM`));
    } else {
      if (exit.signal !== 'SIGTERM')
        problems.push(withLog(`after SIGTERM the backend ended with code ${exit.code}, signal ${exit.signal}`));
      const pinged = items().filter((i) => i.project === '1' && i.type === 'transaction' && named('/api/ping')(i));
      if (pinged.length === 0)
        problems.push(withLog('the transaction pending at SIGTERM (GET /api/ping) never arrived: not flushed'));
      else if (pinged.every((i) => i.at < sigtermAt))
        problems.push('GET /api/ping arrived before SIGTERM: nothing was pending, the flush was not exercised');
      else
        say(
          `${variant.name}: SIGTERM → pending transaction arrived, exited by ${exit.signal} after ${exit.at - sigtermAt} ms`,
        );
    }
    if (problems.length === 0)
      say(
        `${variant.name}: trace ${traceId}: page → ${chromium === undefined ? 'stand-in request' : 'browser fetch span'} → ` +
          `backend → downstream; error linked to replay ${replayId}`,
      );
    return problems;
  } catch (error) {
    problems.push(withLog(String(error?.stack ?? error)));
    return problems;
  } finally {
    if (backend.exitCode === null && backend.signalCode === null) {
      backend.kill('SIGKILL');
      await exited;
    }
    await Promise.all([close(receiver.server), close(downstream.server)]);
    if (profileDir !== undefined) rmSync(profileDir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Without Chromium: the page's request, built from the <meta> tags the server rendered. */
async function standInBrowser(origin) {
  const html = await (await fetch(`${origin}/`)).text();
  const meta = (name) => unescapeHtml(new RegExp(`<meta name="${name}" content="([^"]*)"`).exec(html)?.[1] ?? '');
  const metaSentryTrace = meta('sentry-trace');
  const replayId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  const result = { metaSentryTrace, replayId, spanId, errors: [] };
  const response = await fetch(`${origin}/api/checkout`, {
    method: 'POST',
    headers: {
      'sentry-trace': `${metaSentryTrace.slice(0, 32)}-${spanId}-1`,
      baggage: `${meta('baggage')},sentry-replay_id=${replayId}`,
    },
  });
  result.checkout = { status: response.status, body: await response.json() };
  return result;
}
