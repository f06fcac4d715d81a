/**
 * The envelope `trace` header: the trace's frozen DSC plus the current replay id
 * (design decision 2). A trace that reaches the exporter without a frozen DSC (this
 * process is its head, or no span processor runs) gets one built from the client's
 * options and frozen on its local root, so every later envelope of the trace sends the same.
 */
import {
  type Client,
  createHeadDsc,
  type DynamicSamplingContext,
  type FrozenDsc,
  freezeTraceDsc,
  getSpanData,
  type ReadableSpanLike,
} from '@otel-sentry/core';
import type { TransactionSource } from './op-inference.js';

/** What the head-of-trace DSC is built from. */
export interface DscInputs {
  readonly client: Client;
  /** The public key of the DSN envelopes go to. */
  readonly publicKey: string | undefined;
  readonly release: string | undefined;
  readonly environment: string;
  readonly transaction: string;
  readonly source: TransactionSource;
}

function buildDsc(root: ReadableSpanLike, inputs: DscInputs): FrozenDsc {
  const { client } = inputs;
  const data = getSpanData(root);
  const ctx = root.spanContext();
  return createHeadDsc(client, {
    traceId: ctx.traceId,
    sampled: (ctx.traceFlags & 1) === 1,
    sampleRate: data?.sampleRate ?? client.options.tracesSampleRate,
    sampleRand: data?.sampleRand?.toFixed(6),
    publicKey: inputs.publicKey,
    release: inputs.release,
    environment: inputs.environment,
    // A raw URL is unbounded and may hold personal data: only good-quality names go in.
    transaction: inputs.source !== 'url' ? inputs.transaction : undefined,
    orgId: client.options.orgId,
  });
}

/** The frozen DSC of the trace `root` belongs to, freezing a new one at the head of a trace. */
export function traceDscOf(root: ReadableSpanLike, inputs: () => DscInputs): FrozenDsc {
  const existing = getSpanData(root)?.frozenDsc;
  if (existing !== undefined) return existing;
  return freezeTraceDsc(root, () => buildDsc(root, inputs()));
}

interface CachedHeader {
  readonly frozen: FrozenDsc;
  readonly replayId: string | undefined;
  readonly header: DynamicSamplingContext;
}

// The envelopes of a trace (its transaction, its errors, its span batches) send the same
// header and mostly leave one after the other: the last few headers built are kept. A plain
// object, too: a DSC object does not inherit from Object.prototype, which sends
// JSON.stringify down its slow path. Not a WeakMap keyed by DSC: an entry per trace costs the
// garbage collector more than building the header again does.
const RECENT_HEADERS = 4;
const recent: Array<CachedHeader | undefined> = new Array(RECENT_HEADERS).fill(undefined);
let nextSlot = 0;

/** The envelope `trace` header: the frozen DSC with the current replay id beside it. */
export function traceHeader(frozen: FrozenDsc, replayId: string | undefined): DynamicSamplingContext {
  for (const cached of recent) {
    if (cached?.frozen === frozen && cached.replayId === replayId) return cached.header;
  }
  const dsc = frozen.dsc;
  const copy: Record<string, string> = {};
  // A replay id frozen into the DSC is stale when none is current (decision 2); a current one wins.
  for (const key in dsc) if (key !== 'replay_id' && dsc[key] !== undefined) copy[key] = dsc[key]!;
  if (replayId !== undefined) copy.replay_id = replayId;
  const header = Object.freeze(copy);
  recent[nextSlot] = { frozen, replayId, header };
  nextSlot = (nextSlot + 1) % RECENT_HEADERS;
  return header;
}
