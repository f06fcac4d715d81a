/**
 * The two scenarios: what each request carries and how the pipeline samples.
 *
 * - `continue`: every request continues a browser's sampled trace, each with its own trace id
 *   (`sentry-trace` + Sentry `baggage` with a replay id; the OTLP set-up gets the equivalent
 *   `traceparent`). Sample rate 1, the receiver answers at once.
 * - `head-10`: no incoming trace; 10 % head sampling everywhere; the receiver answers after 100 ms.
 * - `continue-100` (opt-in): `continue` with the receiver answering after 100 ms — every request
 *   sampled against a real round trip, where one batch at a time caps plain OTel + OTLP.
 */
import { randomUUID } from 'node:crypto';

export type ScenarioName = 'continue' | 'head-10' | 'continue-100';
export const SCENARIOS: readonly ScenarioName[] = ['continue', 'head-10', 'continue-100'];
/** What runs when `E2E_SCENARIOS` is not set. */
export const DEFAULT_SCENARIOS: readonly ScenarioName[] = ['continue', 'head-10'];

export interface Scenario {
  readonly name: ScenarioName;
  readonly sampleRate: number;
  readonly receiverDelayMs: number;
  /** Headers for one request, or `undefined` for none. `otlp` selects `traceparent` over Sentry's headers. */
  readonly headers: ((otlp: boolean) => Record<string, string>) | undefined;
  /** The max req/s ratio to `otel-otlp` that issue 8 asks of otel-sentry here, if it asks one. */
  readonly goal?: number;
}

function hex32(): string {
  return randomUUID().replace(/-/g, '');
}

function continueHeaders(otlp: boolean): Record<string, string> {
  const traceId = hex32();
  const spanId = hex32().slice(0, 16);
  if (otlp) return { traceparent: `00-${traceId}-${spanId}-01` };
  return {
    'sentry-trace': `${traceId}-${spanId}-1`,
    baggage:
      `sentry-trace_id=${traceId},sentry-public_key=public,sentry-sample_rate=1,sentry-sampled=true,` +
      `sentry-replay_id=${hex32()},sentry-environment=production`,
  };
}

export const SCENARIO: Readonly<Record<ScenarioName, Scenario>> = {
  continue: { name: 'continue', sampleRate: 1, receiverDelayMs: 0, headers: continueHeaders, goal: 0.7 },
  'head-10': { name: 'head-10', sampleRate: 0.1, receiverDelayMs: 100, headers: undefined, goal: 0.95 },
  'continue-100': { name: 'continue-100', sampleRate: 1, receiverDelayMs: 100, headers: continueHeaders },
};

export function parseScenarios(value: string | undefined): ScenarioName[] {
  if (!value) return [...DEFAULT_SCENARIOS];
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!SCENARIOS.includes(name as ScenarioName)) throw new Error(`unknown scenario ${name}; one of ${SCENARIOS}`);
  }
  return names as ScenarioName[];
}
