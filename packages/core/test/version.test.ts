import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SDK_NAME, SDK_VERSION } from '../src/version.js';

describe('version', () => {
  it("SDK_VERSION equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });

  it('SDK_NAME names this SDK', () => {
    expect(SDK_NAME).toBe('otel-sentry.javascript');
  });
});
