/**
 * The DSC the head of a trace creates: filled from what this service knows, offered to
 * `createDsc` hooks (the one moment it may still be edited), then frozen for the rest of
 * the trace. The propagator does this at a trace's first outgoing request, the exporter
 * at its first envelope, whichever comes first (through `freezeTraceDsc`).
 */
import type { Span } from '@opentelemetry/api';
import { type FrozenDsc, freezeDsc } from './dsc.js';
import type { HookEmitter } from './hooks.js';

/** What a head of trace puts in its DSC. Fields left `undefined` are not written. */
export interface HeadDscFields {
  readonly traceId: string;
  readonly sampled: boolean;
  readonly sampleRate: number;
  /** Six decimals, in [0, 1). */
  readonly sampleRand?: string | undefined;
  readonly publicKey?: string | undefined;
  readonly release?: string | undefined;
  readonly environment?: string | undefined;
  /** Only a good-quality name (a route, a name chosen in code): never a raw URL. */
  readonly transaction?: string | undefined;
  readonly orgId?: string | undefined;
}

/**
 * Builds the head DSC from `fields`, lets `client`'s `createDsc` hooks edit it (with the
 * trace's root span when the caller has it), and freezes it.
 */
export function createHeadDsc(client: HookEmitter, fields: HeadDscFields, rootSpan?: Span): FrozenDsc {
  const dsc: Record<string, string | undefined> = {
    trace_id: fields.traceId,
    public_key: fields.publicKey,
    sample_rate: String(fields.sampleRate),
    sample_rand: fields.sampleRand,
    sampled: fields.sampled ? 'true' : 'false',
    release: fields.release,
    environment: fields.environment,
    transaction: fields.transaction,
    org_id: fields.orgId,
  };
  if (client.hasHooks('createDsc')) client.emit('createDsc', dsc, rootSpan);
  return freezeDsc(dsc);
}
