import type { Envelope, ReadableSpanLike } from '@otel-sentry/core';
import { serializeEnvelope } from '@otel-sentry/core';
import { parseEnvelope } from '@sentry/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MAX_SPANS_PER_ENVELOPE,
  SEGMENT_END_FLUSH_MILLIS,
  SPAN_FLUSH_INTERVAL_MILLIS,
  SpanStreamBuffer,
} from '../src/span-stream-buffer.js';
import type { SpanV2 } from '../src/span-v2.js';

const TRACE_A = 'a'.repeat(32);
const TRACE_B = 'b'.repeat(32);

function v2(traceId: string, id: number, extra: Partial<SpanV2> = {}): SpanV2 {
  return {
    name: `span ${id}`,
    span_id: id.toString(16).padStart(16, '0'),
    trace_id: traceId,
    start_timestamp: 1,
    end_timestamp: 2,
    is_segment: false,
    status: 'ok',
    attributes: { 'sentry.segment.name': { type: 'string', value: 'GET' } },
    ...extra,
  };
}

/** Stands for the live root span: only its name is read, when a bucket leaves. */
function segment(name: string): ReadableSpanLike {
  return { name } as ReadableSpanLike;
}

let sent: Envelope[];
let buffer: SpanStreamBuffer;

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  buffer = new SpanStreamBuffer({
    maxBufferedSpans: 2500,
    sdk: { name: 'sdk', version: '1' },
    traceHeader: (traceId) => ({ trace_id: traceId, public_key: 'public' }),
    segmentName: (s) => s.name,
    submit: (envelope) => sent.push(envelope),
    onError: (error) => {
      throw error;
    },
  });
});
afterEach(() => {
  vi.useRealTimers();
});

function items(envelope: Envelope): SpanV2[] {
  return (envelope.items[0]!.payload as { items: SpanV2[] }).items;
}

describe('SpanStreamBuffer', () => {
  it('sends one envelope per trace with its DSC, one span item with item_count, parsable by @sentry/core', () => {
    const root = segment('GET');
    buffer.add(root, v2(TRACE_A, 1), root);
    buffer.add(root, v2(TRACE_B, 2), root);
    buffer.add(root, v2(TRACE_A, 3), root);
    buffer.flushAll();
    expect(sent).toHaveLength(2);
    const [a] = sent;
    expect(a!.headers.trace).toEqual({ trace_id: TRACE_A, public_key: 'public' });
    expect(a!.items).toHaveLength(1);
    expect(a!.items[0]!.headers).toEqual({
      type: 'span',
      item_count: 2,
      content_type: 'application/vnd.sentry.items.span.v2+json',
    });
    expect(items(a!).map((s) => s.trace_id)).toEqual([TRACE_A, TRACE_A]);
    const [headers, parsedItems] = parseEnvelope(serializeEnvelope(a!));
    expect(headers.trace).toMatchObject({ trace_id: TRACE_A });
    // A span v2 payload is not `application/json` to it: it hands the bytes over.
    const payload = parsedItems[0]![1];
    const parsed = JSON.parse(payload instanceof Uint8Array ? new TextDecoder().decode(payload) : String(payload));
    expect(parsed.version).toBe(2);
    expect(parsed.items).toHaveLength(2);
  });

  it('flushes a trace on its timer, and shortly after its segment arrives', () => {
    const root = segment('GET');
    buffer.add(root, v2(TRACE_A, 1), root);
    vi.advanceTimersByTime(SPAN_FLUSH_INTERVAL_MILLIS - 1);
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    buffer.add(root, v2(TRACE_B, 2), root);
    buffer.add(root, v2(TRACE_B, 3, { is_segment: true }), root);
    vi.advanceTimersByTime(SEGMENT_END_FLUSH_MILLIS);
    expect(sent).toHaveLength(2);
    expect(buffer.size).toBe(0);
  });

  it('sends at 1000 spans, and past maxBufferedSpans the oldest trace leaves early', () => {
    const root = segment('GET');
    for (let i = 0; i < MAX_SPANS_PER_ENVELOPE + 1; i++) buffer.add(root, v2(TRACE_A, i + 1), root);
    expect(sent.map((e) => e.items[0]!.headers.item_count)).toEqual([1000]);
    expect(buffer.size).toBe(1);
    const small = new SpanStreamBuffer({
      maxBufferedSpans: 3,
      sdk: { name: 'sdk', version: '1' },
      traceHeader: (traceId) => ({ trace_id: traceId }),
      segmentName: (s) => s.name,
      submit: (envelope) => sent.push(envelope),
      onError: () => undefined,
    });
    sent = [];
    small.add(root, v2(TRACE_A, 1), root);
    small.add(root, v2(TRACE_A, 2), root);
    small.add(root, v2(TRACE_B, 3), root);
    small.add(root, v2(TRACE_B, 4), root);
    expect(sent.map((e) => (e.headers.trace as { trace_id: string }).trace_id)).toEqual([TRACE_A]);
    expect(small.size).toBe(2);
  });

  it('splits an envelope whose serialized size goes past 5 MB', () => {
    const root = segment('GET');
    const big = 'x'.repeat(400_000);
    for (let i = 0; i < 14; i++) {
      buffer.add(root, v2(TRACE_A, i + 1, { attributes: { blob: { type: 'string', value: big } } }), root);
    }
    buffer.flushAll();
    expect(sent.length).toBeGreaterThan(1);
    for (const envelope of sent) expect(serializeEnvelope(envelope).length).toBeLessThanOrEqual(5_000_000);
    expect(sent.reduce((n, e) => n + Number(e.items[0]!.headers.item_count), 0)).toBe(14);
  });

  it("writes the segment's name as it is when the trace leaves (a route matched after the child ended)", () => {
    const root = { name: 'GET' };
    buffer.add(root as ReadableSpanLike, v2(TRACE_A, 1), root as ReadableSpanLike);
    root.name = 'GET /users/:id';
    buffer.flushAll();
    expect(items(sent[0]!)[0]!.attributes['sentry.segment.name']).toEqual({ type: 'string', value: 'GET /users/:id' });
  });
});
