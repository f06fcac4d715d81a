/**
 * README snippets are code that runs. A snippet is kept as a file under
 * examples/snippets/src and shown in a README verbatim, after a marker line:
 *
 *     <!-- snippet: examples/snippets/src/node-sdk.ts -->
 *     ```ts
 *     …the file's text…
 *     ```
 *
 * This test fails when a README's block and its file differ, and runs every snippet file
 * (tsx, against the packages' sources) against a loopback receiver; each must exit with 0.
 * A browser snippet is marked `<!-- snippet (browser): path -->`: it is checked verbatim here
 * and runs in headless Chromium (test/browser/browser-app.browser.test.ts).
 * In READMEs listed in FULLY_CHECKED, every `ts` block must be such a snippet.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentryReceiver, startSentryReceiver } from './e2e/support/sentry-receiver.js';
import { startTsx } from './e2e/support/tsx-child.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const FULLY_CHECKED = ['packages/node/README.md', 'packages/browser/README.md'];

function readmes(): string[] {
  const found = ['README.md'];
  for (const folder of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, folder))) {
      if (existsSync(join(root, folder, name, 'README.md'))) found.push(`${folder}/${name}/README.md`);
    }
  }
  return found;
}

interface Block {
  readonly readme: string;
  readonly snippet: string | undefined;
  /** Runs in a browser, not in Node. */
  readonly browser: boolean;
  readonly text: string;
}

function blocks(readme: string): Block[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i] ?? '')) continue;
    const end = lines.indexOf('```', i + 1);
    const marker = /^<!-- snippet( \(browser\))?: (\S+) -->$/.exec(lines[i - 1] ?? '');
    out.push({
      readme,
      snippet: marker?.[2],
      browser: marker?.[1] !== undefined,
      text: `${lines.slice(i + 1, end).join('\n')}\n`,
    });
    i = end;
  }
  return out;
}

const all = readmes().flatMap(blocks);
const snippets = all.filter((b): b is Block & { snippet: string } => b.snippet !== undefined);

describe('README snippets', () => {
  it('has snippets to check', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3);
  });

  it.each(snippets.map((b) => [`${b.readme} shows ${b.snippet} verbatim`, b] as const))('%s', (_name, block) => {
    expect(block.text).toBe(readFileSync(join(root, block.snippet), 'utf8'));
  });

  it.each(FULLY_CHECKED)('every ts block of %s is a snippet that runs', (readme) => {
    expect(all.filter((b) => b.readme === readme && b.snippet === undefined).map((b) => b.text)).toEqual([]);
  });

  describe('each snippet file runs', () => {
    let receiver: SentryReceiver;
    beforeAll(async () => {
      receiver = await startSentryReceiver(http);
    });
    afterAll(() => receiver.close());

    const files = [...new Set(snippets.filter((b) => !b.browser).map((b) => b.snippet))];
    it.each(files)('%s', async (file) => {
      const child = startTsx(join(root, file), {
        cwd: join(root, 'examples/snippets'),
        env: {
          ...process.env,
          TSX_TSCONFIG_PATH: join(root, 'tsconfig.json'),
          SENTRY_DSN: receiver.dsn,
          NODE_ENV: 'test',
        },
      });
      const { code } = await child.exited;
      expect({ code, output: code === 0 ? '' : child.output() }).toEqual({ code: 0, output: '' });
    });
  });
});
