/**
 * `#platform-otlp` in browsers and edge runtimes: the same name as
 * `platform/otlp/json-trace-serializer.ts`, so the exporter compiles against one shape, and a
 * loader that says plainly why it cannot work. Their bundles never meet
 * `@opentelemetry/otlp-transformer`; `spans: 'stream'` is the way to stream spans there.
 */
import type { OtlpTraceSerializer } from '../otlp-span-sender.js';

/** Not available here. */
export function loadOtlpSerializer(): Promise<OtlpTraceSerializer> {
  return Promise.reject(
    new Error("spans: 'otlp' is not available on this platform (browsers, edge runtimes): use spans: 'stream'"),
  );
}
