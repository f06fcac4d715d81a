import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources, so `pnpm test` needs no build first.
export default defineConfig({
  resolve: {
    alias: {
      '@otel-sentry/core': pkg('core'),
      '@otel-sentry/propagator': pkg('propagator'),
      '@otel-sentry/span-processor': pkg('span-processor'),
      '@otel-sentry/exporter': pkg('exporter'),
      '@otel-sentry/node': pkg('node'),
      '@otel-sentry/browser': pkg('browser'),
      // The exporter's platform transport, chosen by export condition in package.json
      // `imports`; tests run in Node, so the Node variant, from source.
      '#platform-transport': fileURLToPath(
        new URL('./packages/exporter/src/platform/node/http-transport.ts', import.meta.url),
      ),
      '#platform-files': fileURLToPath(new URL('./packages/exporter/src/node/files.ts', import.meta.url)),
      '#platform-otlp': fileURLToPath(
        new URL('./packages/exporter/src/platform/otlp/json-trace-serializer.ts', import.meta.url),
      ),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/compat/**'],
    testTimeout: 20_000,
    pool: 'threads',
    // The JSON report gives .ci/run its closing 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
