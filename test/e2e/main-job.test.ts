/**
 * The README's main job (examples/node-service, what `npx -y pnpm@10.34.8 start` runs), as a
 * child process: it must end by itself, in a few seconds, and tell the story the README
 * describes — the trace headers of each hop, the trace from the browser through checkout-api to
 * inventory, the error linked to the replay id the browser sent, and hook counts that add up
 * to the envelopes it lists. Once as it runs by default (the real page when Chromium is here
 * and the packages are built, else the scripted client; a Spotlight sidecar), once with
 * neither Chromium nor Spotlight (the scripted client, the outbox folder).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTsx } from './support/tsx-child.js';

const exampleDir = fileURLToPath(new URL('../../examples/node-service', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));

async function runMainJob(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: tsconfig, ...env };
  delete childEnv.SENTRY_DSN; // never to a real project from a test run
  const child = startTsx('src/main.ts', { cwd: exampleDir, env: childEnv });
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 40_000);
  const { code } = await child.exited;
  clearTimeout(timer);
  return { code, output: child.output() };
}

function expectTheStory(output: string): { real: boolean } {
  const lines = output.split('\n');
  expect(lines[0]).toMatch(/^otel-sentry main job: /);
  expect(lines[0]).not.toMatch(/502|fail|error/i);

  // 1. What the browser sent, and what went on to inventory.
  const sent = /browser → checkout-api\s+sentry-trace: ([0-9a-f]{32})-([0-9a-f]{16})-1\n/.exec(output);
  expect(sent, output).not.toBeNull();
  const [, traceId, browserSpan] = sent!;
  const replayId = /sentry-replay_id=([0-9a-f]{32})/.exec(output)?.[1];
  expect(replayId, output).toBeDefined();
  expect(output).toMatch(new RegExp(`checkout-api → inventory sentry-trace: ${traceId}-[0-9a-f]{16}-1\\n`));
  expect(output).toContain('baggage: (the same as above, byte for byte)');

  // 2. The tree: browser → checkout-api → inventory, with the error's span.
  expect(output).toContain(`trace ${traceId} (the checkout: browser → checkout-api → inventory)`);
  expect(output).toMatch(new RegExp(`\\n   browser .*span ${browserSpan}`));
  expect(output).toMatch(/\n {3}└ checkout-api {2}POST \/api\/checkout {2}\[http\.server\] span [0-9a-f]{16}/);
  expect(output).toMatch(/\n {5}│ └ inventory {5}GET \/stock\/42 {2}\[http\.server\] span [0-9a-f]{16}/);
  expect(output).toMatch(/└ checkout-api {2}charge card {2}\[payment\] span [0-9a-f]{16} {2}internal_error/);
  expect(output).toContain('(after the page navigated to /orders/42: a new trace, the same replay)');

  // 3. The error, linked to the replay id the browser sent.
  expect(output).toContain('error   Error: card declined: insufficient funds');
  expect(output).toContain(`linked to replay ${replayId}: in the event (contexts.replay.replay_id)`);

  // 4 and 5. Hook counts add up to the envelopes listed.
  const section4 = output.slice(output.indexOf('\n4. '), output.indexOf('\n5. '));
  const listed = Number(/\n4\. The (\d+) envelopes/.exec(output)?.[1]);
  const fromService = section4.split('\n').filter((line) => line.startsWith('   service ')).length;
  expect(Number(/beforeEnvelope {3}×(\d+)/.exec(output)?.[1])).toBe(fromService);
  expect(fromService).toBe(7); // 3 transactions, the error, 3 session envelopes
  expect(Number(/transactionStart ×(\d+)/.exec(output)?.[1])).toBe(3);
  const total = /(?:received|holds) (\d+): (?:these|exactly these) (\d+)(?:, and (\d+) from the page)?/.exec(output);
  expect(total, output).not.toBeNull();
  expect(Number(total![1])).toBe(listed);
  expect(Number(total![2]) + Number(total![3] ?? 0)).toBe(listed);

  expect(output).toContain('\nWhat to do next:\n');
  return { real: output.includes('   browser       headless Chromium') };
}

describe('the main job (examples/node-service)', () => {
  it('tells the whole story, by default through Spotlight', { timeout: 45_000 }, async () => {
    const { code, output } = await runMainJob({});
    expect(code, output).toBe(0);
    const { real } = expectTheStory(output);
    if (real) {
      expect(output).toMatch(/its recording arrived too: \d+ segments? \(0/);
      expect(output).toMatch(/\n {3}page {5}replay/);
    }
  });

  it('without Chromium and without Spotlight: the scripted client, and the outbox folder', async () => {
    const { code, output } = await runMainJob({ CHROMIUM: 'off', SENTRY_SPOTLIGHT: '0' });
    expect(code, output).toBe(0);
    expect(output).toContain('a scripted client sends the page');
    expect(output).toContain('to the outbox folder');
    expect(output).toContain('no Spotlight: SENTRY_SPOTLIGHT=0');
    expectTheStory(output);
    expect(output).toContain('only claimed by the scripted client; no recording was sent');
  });
});
