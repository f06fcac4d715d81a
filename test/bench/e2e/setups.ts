/** The set-ups: which file is `--import`ed before the service, and how it receives traces. */
import { fileURLToPath } from 'node:url';

export type SetupName =
  | 'none'
  | 'otel-otlp'
  | 'otel-sentry'
  | 'otel-sentry-stream'
  | 'otel-sentry-otlp'
  | 'sentry-node-10'
  | 'sentry-node-11';
export const SETUPS: readonly SetupName[] = [
  'none',
  'otel-otlp',
  'otel-sentry',
  'otel-sentry-stream',
  'otel-sentry-otlp',
  'sentry-node-10',
  'sentry-node-11',
];

export interface SetupInfo {
  readonly name: SetupName;
  /** Absolute path of the set-up file. */
  readonly file: string;
  /** How traces reach the receiver: Sentry envelopes, OTLP JSON, or nothing. */
  readonly wire: 'envelope' | 'otlp' | 'none';
}

const WIRE: Record<SetupName, SetupInfo['wire']> = {
  none: 'none',
  'otel-otlp': 'otlp',
  'otel-sentry': 'envelope',
  'otel-sentry-stream': 'envelope',
  // Spans over OTLP (to the DSN's OTLP endpoint), errors and client reports as envelopes.
  'otel-sentry-otlp': 'otlp',
  'sentry-node-10': 'envelope',
  'sentry-node-11': 'envelope',
};

export function setupInfo(name: SetupName): SetupInfo {
  return { name, file: fileURLToPath(new URL(`./setups/${name}.ts`, import.meta.url)), wire: WIRE[name] };
}

export function parseSetups(value: string | undefined): SetupName[] {
  if (!value) return [...SETUPS];
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!SETUPS.includes(name as SetupName)) throw new Error(`unknown set-up ${name}; one of ${SETUPS}`);
  }
  return names as SetupName[];
}
