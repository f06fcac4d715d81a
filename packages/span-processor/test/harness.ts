/**
 * Test set-up shared by this package's tests: a real BasicTracerProvider with a
 * SentrySpanProcessor in front of an InMemorySpanExporter, and the async-hooks context
 * manager, so spans nest the way they do in an application.
 */

import { context, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { type Client, createClient } from '@otel-sentry/core';
import { vi } from 'vitest';
import { SentrySpanProcessor, type SentrySpanProcessorOptions } from '../src/index.js';

export interface Harness {
  readonly provider: BasicTracerProvider;
  readonly tracer: Tracer;
  readonly processor: SentrySpanProcessor;
  readonly exporter: InMemorySpanExporter;
  /** The exporter the processor writes to: records each call, then hands it to `exporter`. */
  readonly recording: RecordingExporter;
  readonly client: Client;
  /** Every `export` call the exporter received, as span names, in order. */
  readonly exportCalls: string[][];
  close(): Promise<void>;
}

/** Wraps an exporter to see each `export` call (what the processor batched together). */
export class RecordingExporter implements SpanExporter {
  readonly calls: ReadableSpan[][] = [];
  constructor(readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.calls.push(spans);
    this.inner.export(spans, done);
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Builds a provider; `close()` shuts it down and restores the global context manager. */
export function createHarness(options: Partial<SentrySpanProcessorOptions> & { sampler?: Sampler } = {}): Harness {
  contextManager?.disable();
  context.disable();
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);

  const exporter = new InMemorySpanExporter();
  const recording = new RecordingExporter(exporter);
  const client = options.client ?? createClient({ env: false });
  const { sampler, ...processorOptions } = options;
  const processor = new SentrySpanProcessor({ exporter: recording, client, ...processorOptions });
  const provider = new BasicTracerProvider({
    spanProcessors: [processor],
    ...(sampler === undefined ? {} : { sampler }),
  });
  const tracer = provider.getTracer('test-scope', '1.0.0');
  const exportCalls: string[][] = [];
  return {
    provider,
    tracer,
    processor,
    exporter,
    recording,
    client,
    get exportCalls() {
      exportCalls.length = 0;
      for (const call of recording.calls) exportCalls.push(call.map((s) => s.name));
      return exportCalls;
    },
    async close() {
      await settle(provider.shutdown());
      contextManager?.disable();
      context.disable();
      trace.disable();
    },
  };
}

/**
 * Awaits `promise`, running fake timers meanwhile when they are on: the InMemorySpanExporter
 * answers through `setTimeout(0)`, so a flush under fake timers needs the clock to move.
 */
export async function settle<T>(promise: Promise<T>): Promise<T> {
  if (!vi.isFakeTimers()) return promise;
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  for (let i = 0; i < 1000 && !done; i++) await vi.advanceTimersByTimeAsync(100);
  return watched;
}
