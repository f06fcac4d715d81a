// instrumentation.ts — the ESM variant's entry for `node --import ./dist/instrumentation.js
// dist/server.js`: registers OpenTelemetry's loader hook so that ESM imports (`import express
// from 'express'`) are patched, as the root README and packages/node/README.md say. The
// CommonJS variant does not compile this file (no `import.meta` there): it starts with
// `node --require ./dist/telemetry.js dist/server.js`.
import { register } from 'node:module';
import './telemetry.js';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
