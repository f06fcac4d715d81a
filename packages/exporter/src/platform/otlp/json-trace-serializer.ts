/**
 * `#platform-otlp` where OTLP can be sent (Node, Bun, Deno): OpenTelemetry's own OTLP JSON
 * serializer, `JsonTraceSerializer` of the optional peer `@opentelemetry/otlp-transformer`,
 * loaded with a dynamic import the first time `spans: 'otlp'` starts. Browser and edge
 * bundles get `platform/no-otlp.ts` instead (package.json `imports`), so they neither carry
 * the package nor fail to build without it.
 */
import type { OtlpTraceSerializer } from '../../otlp-span-sender.js';

/** Loads `JsonTraceSerializer`; rejects when the package is not installed. */
export async function loadOtlpSerializer(): Promise<OtlpTraceSerializer> {
  const m = (await import('@opentelemetry/otlp-transformer')) as {
    JsonTraceSerializer?: OtlpTraceSerializer;
    default?: { JsonTraceSerializer?: OtlpTraceSerializer };
  };
  const serializer = m.JsonTraceSerializer ?? m.default?.JsonTraceSerializer;
  if (serializer === undefined) throw new Error('@opentelemetry/otlp-transformer has no JsonTraceSerializer');
  return serializer;
}
