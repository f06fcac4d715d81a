/**
 * The main job: a page in headless Chromium (examples/browser-app: sdk-trace-web,
 * `@otel-sentry/browser`, the `@sentry/browser` session replay) calls checkout-api, a service
 * instrumented with OpenTelemetry and wired to Sentry by `@otel-sentry/node`, which calls the
 * inventory service and then declines the card on purpose. The envelopes go to a Spotlight
 * sidecar (Sentry's local receiver); the job reads back what Spotlight received and prints the
 * trace across the services, the error and the replay it is linked to, and what each line means.
 *
 * Without Chromium, a scripted client sends the page's requests with the same trace headers.
 * Without Spotlight (`SENTRY_SPOTLIGHT=0`, or it cannot start), envelopes go to the outbox
 * folder. With `SENTRY_DSN` set, they go to that Sentry project too.
 */
import {
  bundlePage,
  findChromium,
  type PageResult,
  type PageServer,
  runChromium,
  runScriptedBrowser,
  startPageServer,
  writeToOutbox,
} from './browser.js';
import { fromOutbox, fromSpotlight } from './envelopes.js';
import { printReport } from './report.js';
import { connectSpotlight, SPOTLIGHT_DEFAULT_ORIGIN } from './spotlight.js';

const started = Date.now();
// Whatever happens, the job ends: nothing here should take more than a few seconds.
setTimeout(() => {
  console.error('\nThe main job did not finish within 60 s: stopped.');
  process.exit(1);
}, 60_000).unref();

const chromium = findChromium();
const bundle = chromium === undefined ? undefined : bundlePage();
bundle?.catch(() => undefined); // awaited (and a failure reported) before Chromium starts

// Spotlight first: the exporter reads SENTRY_SPOTLIGHT when telemetry.ts builds it.
const spotlight = await connectSpotlight();
const toSpotlight = 'url' in spotlight ? spotlight : undefined;
process.env.SENTRY_SPOTLIGHT = toSpotlight?.url ?? 'false';

// The service's own set-up, then the services (after it, so `http` is patched).
const { hookCalls, OUTBOX, sentry, untracedPorts } = await import('./telemetry.js');
const { startCheckoutApi, startInventory } = await import('./services.js');
const inventory = await startInventory();
const checkout = await startCheckoutApi(inventory.url);

// The server that hands the page its HTML and script, and passes the page's envelopes on
// (to Spotlight, else into the outbox folder), as a Sentry `tunnel` would.
let pageServer: PageServer | undefined;
if (chromium !== undefined && bundle !== undefined) {
  let sequence = 0;
  pageServer = await startPageServer(bundle, checkout.url, async (body) => {
    if (toSpotlight === undefined) {
      writeToOutbox(OUTBOX, body, sequence++);
      return;
    }
    const response = await fetch(toSpotlight.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-sentry-envelope' },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
  });
  untracedPorts.add(pageServer.port);
}
/** The page server, while the real page is the browser side. */
let page = pageServer;

// The browser side: the real page in Chromium, else the scripted client.
let result: PageResult;
let browser: string;
try {
  if (page === undefined || bundle === undefined) throw new Error('no Chromium');
  await bundle.catch((error: unknown) => {
    const first = (error as { errors?: Array<{ text?: string }> }).errors?.[0]?.text ?? (error as Error).message;
    throw new Error(`examples/browser-app could not be bundled (${first})`);
  });
  result = await runChromium(chromium!, `${page.origin}/`);
  const version = /HeadlessChrome\/(\d+)/.exec(page.userAgent ?? '')?.[1] ?? '';
  browser = `headless Chromium ${version} runs examples/browser-app (sdk-trace-web, @otel-sentry/browser, @sentry/browser replay)`;
} catch (error) {
  const why =
    chromium === undefined
      ? 'no Chromium found: install it (apt-get install chromium) or set CHROMIUM=<path> for the real page'
      : `Chromium could not run the page: ${String((error as Error).message).split('\n')[0]}`;
  page = undefined;
  result = await runScriptedBrowser(checkout.url);
  browser = `a scripted client sends the page's requests with its trace headers (${why})`;
}
const real = page !== undefined;
// In CI (.ci/run), a Chromium that is there but cannot run the page is a failure, not a fallback.
if (!real && chromium !== undefined && (process.env.CI === 'true' || process.env.CI === '1')) process.exitCode = 1;

// Everything this process holds is sent now (flushOnExit would do it at exit).
await sentry.shutdown();
const serviceEnvelopes = hookCalls.filter((name) => name === 'beforeEnvelope').length;
await toSpotlight?.waitFor(serviceEnvelopes + (page?.envelopes ?? 0), 3_000);
await Promise.all([pageServer?.close(), checkout.close(), inventory.close(), toSpotlight?.stop()]);

const dsn = Boolean(process.env.SENTRY_DSN);
let where: string;
if (toSpotlight === undefined) {
  where = `the outbox folder ${OUTBOX} (no Spotlight: ${'reason' in spotlight ? spotlight.reason : ''})`;
} else if (toSpotlight.startedHere) {
  where = `a Spotlight sidecar started for this run on ${toSpotlight.origin} (stopped again at the end)`;
} else {
  where = `your Spotlight on ${toSpotlight.origin}: open it to browse this run`;
}

console.log(
  `otel-sentry main job: one checkout in a browser, traced across two services and linked to a session replay.\n` +
    `   browser       ${browser}\n` +
    `   checkout-api  ${checkout.url}: OpenTelemetry's HTTP instrumentation, wired to Sentry by @otel-sentry/node\n` +
    `   inventory     ${inventory.url}: the downstream service checkout-api calls, traced the same way\n` +
    `   envelopes     ${dsn ? "to your Sentry project (SENTRY_DSN; the page's stay local), and a copy to " : 'to '}${where}\n` +
    "The page's checkout call gets 502 on purpose: checkout-api declines the card, so there is an error to link to the replay.",
);

printReport({
  realBrowser: real,
  fromSpotlight: toSpotlight !== undefined,
  envelopes: toSpotlight ? fromSpotlight(toSpotlight.received) : fromOutbox(OUTBOX),
  replayId: result.replayId,
  hops: { checkout: checkout.received.get('/api/checkout'), inventory: inventory.received.get('/stock/42') },
  services: new Map([
    [Number(new URL(checkout.url).port), 'checkout-api'],
    [Number(new URL(inventory.url).port), 'inventory'],
  ]),
  hookCalls,
});

const spotlightStep =
  toSpotlight?.startedHere === false
    ? `  - Browse this run in Spotlight's UI: ${toSpotlight.origin}`
    : `  - Browse it in Spotlight's UI: run npx @spotlightjs/spotlight in another terminal (UI on ${SPOTLIGHT_DEFAULT_ORIGIN}),\n` +
      '    then npx -y pnpm@10.34.8 start again: the job sends to the Spotlight it finds there';
console.log(`
What to do next:
${spotlightStep}${real ? '' : '\n  - Run the real page: install Chromium (apt-get install chromium), or set CHROMIUM=<path to it>'}
  - Send it to your Sentry project: SENTRY_DSN=https://<key>@<org>.ingest.sentry.io/<project> npx -y pnpm@10.34.8 start
  - Wire your own service in one call: packages/node/README.md; a page: packages/browser/README.md
  - The same from express: npx -y pnpm@10.34.8 --filter @otel-sentry/example-express-backend start
(the job took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
