#!/usr/bin/env node
// Rewrites every README code block that follows a `<!-- snippet: path -->` (or
// `<!-- snippet (browser): path -->`) marker with the current text of that file.
// test/readme-snippets.test.ts fails while a README and its snippet files differ; this fixes it.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const readmes = ['README.md'];
for (const folder of ['packages', 'examples']) {
  for (const name of readdirSync(join(root, folder))) {
    if (existsSync(join(root, folder, name, 'README.md'))) readmes.push(`${folder}/${name}/README.md`);
  }
}
const block = /(<!-- snippet(?: \(browser\))?: (\S+) -->\n```ts\n)[\s\S]*?```\n/g;
for (const readme of readmes) {
  const path = join(root, readme);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(block, (_all, head, file) => `${head}${readFileSync(join(root, file), 'utf8')}\`\`\`\n`);
  if (next !== text) {
    writeFileSync(path, next);
    console.log(`updated ${readme}`);
  }
}
