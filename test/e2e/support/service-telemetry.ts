/**
 * The OpenTelemetry set-up of a service under test, wired as a user would wire it: a
 * `BasicTracerProvider` with `SentrySampler` and `SentrySpanProcessor` +
 * `SentryEnvelopeExporter` on one client, `AsyncLocalStorageContextManager`,
 * `SentryPropagator` beside `W3CTraceContextPropagator`, `HttpInstrumentation` plus the
 * framework's instrumentation, and a diag logger that records errors. Envelopes go to a
 * loopback receiver.
 *
 * The resource has an attribute from an async detector (`host.id`), as a NodeSDK resource
 * detection gives it: the pipeline must wait for it before reading resource attributes.
 *
 * The patched `http` module is loaded here, after the instrumentations are registered, and
 * handed to the test: a framework loaded through `require` afterwards is patched too.
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { type Client, createClient } from '@otel-sentry/core';
import { SentryEnvelopeExporter, type SentryEnvelopeExporterOptions } from '@otel-sentry/exporter';
import { SentryPropagator } from '@otel-sentry/propagator';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';
import { DiagRecorder } from './diag-recorder.js';
import { type SentryReceiver, startSentryReceiver } from './sentry-receiver.js';

/** What an async resource detector found, and when. */
export const HOST_ID = 'host-7f3a';
const DETECTOR_DELAY_MS = 30;

/** See the module comment. */
export interface ServiceTelemetry {
  /** The `http` module, patched by the HTTP instrumentation. */
  readonly http: typeof Http;
  readonly receiver: SentryReceiver;
  readonly diag: DiagRecorder;
  readonly client: Client;
  readonly exporter: SentryEnvelopeExporter;
  readonly processor: SentrySpanProcessor;
  readonly sampler: SentrySampler;
  readonly provider: BasicTracerProvider;
  readonly propagator: SentryPropagator;
  /** Ports whose incoming requests are not traced (the receiver, services standing for other processes). */
  readonly untracedPorts: Set<number>;
  /** Trace ids of every `transactionEnd` of a SERVER root, one entry per call. */
  readonly serverTransactionEnds: string[];
  /** Shuts the pipeline down, then disables the instrumentations and OpenTelemetry's globals. */
  shutdown(): Promise<void>;
}

/** Sets up the service's telemetry; `instrumentations` are the framework's, besides HTTP. */
export async function startServiceTelemetry(options: {
  readonly serviceName: string;
  readonly instrumentations: readonly Instrumentation[];
  /** More exporter options (`spans`, ...). Default: none. */
  readonly exporter?: Partial<SentryEnvelopeExporterOptions>;
}): Promise<ServiceTelemetry> {
  const diag = new DiagRecorder().install();
  const untracedPorts = new Set<number>();
  const httpInstrumentation = new HttpInstrumentation({
    ignoreIncomingRequestHook: (req) => untracedPorts.has(req.socket.localPort ?? -1),
  });
  const instrumentations = [httpInstrumentation, ...options.instrumentations];
  registerInstrumentations({ instrumentations });
  const http = createRequire(import.meta.url)('http') as typeof Http;

  const receiver = await startSentryReceiver(http);
  untracedPorts.add(receiver.port);

  const client = createClient({
    dsn: receiver.dsn,
    release: `${options.serviceName}@1.0.0`,
    environment: 'e2e',
    env: false,
  });
  const serverTransactionEnds: string[] = [];
  client.on('transactionEnd', (root) => {
    if ((root as { kind?: SpanKind }).kind === SpanKind.SERVER) serverTransactionEnds.push(root.spanContext().traceId);
  });
  const exporter = new SentryEnvelopeExporter({ client, env: false, ...options.exporter });
  const processor = new SentrySpanProcessor({ client, exporter });
  const sampler = new SentrySampler({ client });
  const hostId = new Promise<string>((resolve) => setTimeout(() => resolve(HOST_ID), DETECTOR_DELAY_MS));
  const provider = new BasicTracerProvider({
    sampler,
    spanProcessors: [processor],
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'host.id': hostId }),
  });
  const propagator = new SentryPropagator({ client });

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), propagator] }),
  );
  for (const instrumentation of instrumentations) instrumentation.setTracerProvider(provider);

  return {
    http,
    receiver,
    diag,
    client,
    exporter,
    processor,
    sampler,
    provider,
    propagator,
    untracedPorts,
    serverTransactionEnds,
    async shutdown() {
      // The pipeline first: its last session and client report still reach the receiver.
      await provider.shutdown();
      for (const instrumentation of instrumentations) instrumentation.disable();
      await receiver.close();
      propagation.disable();
      trace.disable();
      context.disable();
    },
  };
}
