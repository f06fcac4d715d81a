// A consumer of the packed packages, compiled with `skipLibCheck: false` by
// scripts/check-consumers.mjs as ESM (node16), CommonJS (node16) and with bundler
// resolution, then run. It touches every package's main types the way an app does.
import { context, propagation, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createClient, formatSentryTrace, parseSentryTrace } from '@otel-sentry/core';
import { SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { createSentrySetup, validateSentrySetup } from '@otel-sentry/node';
import { SentryPropagator } from '@otel-sentry/propagator';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';

async function main(): Promise<void> {
  // A closed loopback port: nothing is sent, and nothing needs the network.
  const client = createClient({ dsn: 'http://public@127.0.0.1:9/1', release: 'consumer@1.0.0' });
  const exporter = new SentryEnvelopeExporter({ client });
  const provider = new BasicTracerProvider({
    sampler: new SentrySampler({ client }),
    spanProcessors: [new SentrySpanProcessor({ client, exporter })],
  });
  const propagator = new SentryPropagator({ client });
  const carrier: Record<string, string> = {};
  const span = provider.getTracer('consumer').startSpan('GET /');
  propagator.inject(trace.setSpan(context.active(), span), carrier, {
    set: (c, k, v) => {
      c[k] = v;
    },
  });
  span.end();
  propagation.disable();
  const parsed = parseSentryTrace(carrier['sentry-trace'] ?? '');
  if (!parsed) throw new Error(`no sentry-trace injected: ${JSON.stringify(carrier)}`);
  console.log(`sentry-trace ${formatSentryTrace(parsed)}`);
  await provider.shutdown();

  // The one-call set-up, on a provider of the app's own.
  const sentry = createSentrySetup({ dsn: 'http://public@127.0.0.1:9/1', env: false, validate: false });
  const setUp = new BasicTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
  const page = setUp.getTracer('consumer').startSpan('GET /page');
  const tags: string = sentry.getTraceMetaTags(trace.setSpan(context.active(), page));
  page.end();
  const problems = validateSentrySetup({ ...sentry, propagator: sentry.textMapPropagator });
  if (!tags.startsWith('<meta name="sentry-trace"') || problems.length > 0)
    throw new Error(`set-up: ${tags} ${problems}`);
  await sentry.shutdown();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
