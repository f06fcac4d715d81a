// A consumer with neither the DOM lib nor @types/node (an edge or worker runtime's view):
// the runtime-neutral packages must type-check there with `skipLibCheck: false`.
import { context, INVALID_SPAN_CONTEXT, trace } from '@opentelemetry/api';
import { createClient, dscToBaggage, parseBaggage, parseSentryTrace } from '@otel-sentry/core';
import { SentryPropagator } from '@otel-sentry/propagator';

const client = createClient({ release: 'worker@1.0.0' });
const propagator = new SentryPropagator({ client, tracePropagationTargets: [/^https:\/\/api\./] });
const carrier: Record<string, string> = {};
propagator.inject(trace.setSpan(context.active(), trace.wrapSpanContext(INVALID_SPAN_CONTEXT)), carrier, {
  set: (c, k, v) => {
    c[k] = v;
  },
});
export const fields: readonly string[] = propagator.fields();
export const parsed = parseSentryTrace('771a43a4192642f0b136d5159a501700-b40ab5e5bb5d1f13-1');
export const members = parseBaggage('sentry-release=a');
export const baggage: string = dscToBaggage({ release: 'worker@1.0.0' });
