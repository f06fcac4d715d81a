/**
 * The page: checks out a cart against the backend API on another origin, then navigates
 * (`history.pushState`, as a single-page app does) and loads the order page's data. It shows
 * what each request carried, as the API echoed it, in `<pre id="result">`.
 *
 * Nothing here wraps a call in a context: the first request continues the trace the server
 * rendered into the page, after an `await`, because the set-up made that trace the root
 * context (until the navigation).
 */
import * as Sentry from '@sentry/browser';
import { config } from './config.js';
import { sentry } from './telemetry.js';

interface Call {
  status: number | string;
  /** The trace headers the API received. */
  headers: Record<string, string | undefined>;
}

const result: { replayId?: string | undefined; checkout?: Call; afterNavigation?: Call; errors: string[] } = {
  errors: [],
};

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

async function call(path: string): Promise<Call> {
  try {
    const response = await fetch(`${config.apiOrigin}${path}`, { method: 'POST' });
    const echoed = (await response.json()) as Record<string, string | undefined>;
    return {
      status: response.status,
      headers: { 'sentry-trace': echoed['sentry-trace'], baggage: echoed.baggage, traceparent: echoed.traceparent },
    };
  } catch (error) {
    return { status: String(error), headers: {} };
  }
}

async function main(): Promise<void> {
  // The replay integration starts recording right after init; the demo waits for it so its
  // first request already carries the replay id.
  for (let i = 0; i < 100 && Sentry.getReplay()?.getRecordingMode() !== 'session'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  result.replayId = Sentry.getReplay()?.getReplayId();
  result.checkout = await call('/api/checkout');
  history.pushState({}, '', '/orders/42');
  result.afterNavigation = await call('/api/orders/42');
  // The replay integration sends no replay shorter than 5 s (its `minReplayDuration`): the page
  // stays that long (headless Chromium runs timers on virtual time: no real wait), then sends
  // its transactions and what the replay recorded, so the demo's receiver has them at once.
  await sleep(5_000);
  await Promise.all([sentry.forceFlush(), Promise.race([Sentry.getReplay()?.flush(), sleep(2_000)])]);
}

main()
  .catch((error: unknown) => result.errors.push(String(error)))
  .finally(() => {
    const pre = document.createElement('pre');
    pre.id = 'result';
    pre.textContent = JSON.stringify(result);
    document.body.appendChild(pre);
    document.title = 'done';
  });
