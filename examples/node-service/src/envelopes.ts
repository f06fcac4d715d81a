/**
 * What the main job reads back: envelopes as Spotlight streamed them, or as files in the
 * outbox folder, in one shape, each with who sent it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseEnvelope } from '@otel-sentry/core';
import type { StreamedEnvelope } from './spotlight.js';

/** A payload's members the report reads (events, transactions, sessions, replays). */
export type Payload = Record<string, unknown> & {
  transaction?: string;
  platform?: string;
  start_timestamp?: number;
  contexts?: { trace?: SpanFields & { data?: Record<string, unknown> }; replay?: { replay_id?: string } };
  spans?: SpanFields[];
  exception?: { values?: Array<{ type?: string; value?: string; mechanism?: { handled?: boolean } }> };
};

/** The fields of a span (a transaction's root in `contexts.trace`, or one of its `spans`). */
export interface SpanFields {
  trace_id?: string | undefined;
  span_id?: string | undefined;
  parent_span_id?: string | undefined;
  op?: string | undefined;
  description?: string | undefined;
  status?: string | undefined;
  start_timestamp?: number | undefined;
}

export interface ReceivedItem {
  readonly type: string;
  /** The parsed JSON payload; `undefined` for binary items (a replay recording). */
  readonly payload: Payload | undefined;
}

export interface ReceivedEnvelope {
  readonly headers: Record<string, unknown> & { trace?: { trace_id?: string; replay_id?: string } };
  readonly items: ReceivedItem[];
  /** `browser`: the page's SDKs; `backend`: this process (checkout-api and inventory). */
  readonly from: 'browser' | 'backend';
}

const isObject = (value: unknown): value is Payload =>
  typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !Array.isArray(value);

/** The page's envelopes: those of `@sentry/browser`, and events made in a browser (`platform: javascript`). */
function sender(headers: Record<string, unknown>, items: ReceivedItem[]): 'browser' | 'backend' {
  const sdk = (headers.sdk as { name?: string } | undefined)?.name ?? '';
  if (sdk.startsWith('sentry.javascript.browser')) return 'browser';
  return items.some((item) => item.payload?.platform === 'javascript') ? 'browser' : 'backend';
}

function received(headers: Record<string, unknown>, rawItems: Array<[{ type?: string }, unknown]>): ReceivedEnvelope {
  const items = rawItems.map(([itemHeaders, payload]) => ({
    type: String(itemHeaders.type ?? 'unknown'),
    payload: isObject(payload) ? payload : undefined,
  }));
  return { headers, items, from: sender(headers, items) };
}

/** Envelopes as Spotlight's stream handed them out. */
export function fromSpotlight(envelopes: StreamedEnvelope[]): ReceivedEnvelope[] {
  return envelopes.map(([headers, items]) => received(headers, items));
}

/** The `.envelope` files of the outbox folder, oldest first. */
export function fromOutbox(dir: string): ReceivedEnvelope[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.envelope'));
  } catch {
    return [];
  }
  const out: ReceivedEnvelope[] = [];
  for (const name of names.sort()) {
    let bytes = readFileSync(join(dir, name));
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    const envelope = parseEnvelope(new Uint8Array(bytes));
    if (envelope === undefined) continue;
    out.push(
      received(
        envelope.headers as Record<string, unknown>,
        envelope.items.map((item) => [item.headers, item.payload] as [{ type?: string }, unknown]),
      ),
    );
  }
  return out;
}
