/**
 * What every set-up file gives the service: a way to flush the pipeline and the number of
 * sampled local roots (the transactions the set-up should deliver). A set-up file is loaded
 * with `--import` before the service, so it can patch `http` before the service loads it.
 *
 * The set-up reads its configuration from the environment the orchestrator passes:
 * `E2E_DSN`, `E2E_OTLP_URL`, `E2E_SAMPLE_RATE`, `E2E_FLUSH_MS`.
 */
import type { Context } from '@opentelemetry/api';

export interface SetupHandle {
  /** Sends what is pending; resolves within `timeoutMs`. */
  flush(timeoutMs: number): Promise<void>;
  /** Sampled local roots ended so far (one per sampled request). */
  sampledRoots(): number;
}

export interface SetupConfig {
  readonly dsn: string;
  readonly otlpUrl: string;
  readonly sampleRate: number;
  readonly flushMs: number;
  readonly release: string;
  readonly environment: string;
}

declare global {
  var __e2eSetup: SetupHandle | undefined;
}

export function readSetupConfig(): SetupConfig {
  const env = process.env;
  const sampleRate = Number(env.E2E_SAMPLE_RATE ?? '1');
  return {
    dsn: env.E2E_DSN ?? '',
    otlpUrl: env.E2E_OTLP_URL ?? '',
    sampleRate: Number.isFinite(sampleRate) ? sampleRate : 1,
    flushMs: Number(env.E2E_FLUSH_MS ?? '10000'),
    release: 'e2e-service@1.0.0',
    environment: 'production',
  };
}

export function registerSetup(handle: SetupHandle): void {
  globalThis.__e2eSetup = handle;
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export function within(promise: PromiseLike<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    Promise.resolve(promise).then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/** The shape of the OTel span the root counter looks at (sdk-trace-base 2.x `ReadableSpan`). */
interface EndedSpan {
  spanContext(): { traceFlags: number };
  readonly parentSpanContext?: { isRemote?: boolean } | undefined;
}

/**
 * A span processor that counts sampled local roots as they end: spans with no parent or a
 * remote one. Added after the set-up's own processor in both OpenTelemetry set-ups.
 */
export class RootCounter {
  count = 0;
  onStart(_span: unknown, _context: Context): void {}
  onEnd(span: EndedSpan): void {
    if ((span.spanContext().traceFlags & 1) === 1 && (!span.parentSpanContext || span.parentSpanContext.isRemote)) {
      this.count++;
    }
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
