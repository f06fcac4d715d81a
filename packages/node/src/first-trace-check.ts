/**
 * Internal (not exported from the package entry point).
 * The set-up's own validation, run once when the first local root starts: by then `NodeSDK`
 * (or the app) has registered the provider and the global propagator. It checks what the app
 * did with the parts — the parts themselves share one client by construction:
 * - the root was sampled by this set-up's `SentrySampler` (it leaves its decision for the span
 *   processor, which records `sampleRand` on the root; a provider given another sampler
 *   leaves none);
 * - the global propagator holds a `SentryPropagator`, listed last, on this client.
 */
import { trace } from '@opentelemetry/api';
import { type Client, getSpanData } from '@otel-sentry/core';
import { nodeDiag } from './diag.js';
import { validateSentrySetup } from './validate-setup.js';

/** Subscribes the check to `client`'s `spanStart`; it unsubscribes after the first local root. */
export function checkFirstTrace(client: Client, sampler: unknown): void {
  const off = client.on('spanStart', (span: unknown, parentContext: unknown) => {
    const parent = trace.getSpanContext(parentContext as Parameters<typeof trace.getSpanContext>[0]);
    if (parent !== undefined && parent.isRemote !== true) return;
    off();
    if (getSpanData(span as object)?.sampleRand === undefined) {
      nodeDiag.warn(
        "set-up: a trace started without the set-up's SentrySampler: tracesSampleRate, the DSC's sample_rate and " +
          'backpressure are ignored. Give the provider `sampler: setup.sampler` (NodeSDK and BasicTracerProvider both take it).',
      );
    }
    // The sampler passes by construction: only the registered propagator is in question.
    validateSentrySetup({ sampler });
  });
}
