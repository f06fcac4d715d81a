/**
 * What the receiver counts per run: envelope items (transactions and their spans, streamed v2
 * `span` items and their segments, errors, sessions, client-report discards by reason and
 * category) and OTLP spans (server spans are the per-request roots). Pure functions over
 * request bodies, used by `receiver.ts`.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export interface RunCounts {
  envelopes: number;
  transactions: number;
  /** Spans in received transactions, the root included. */
  transactionSpans: number;
  /** Streamed spans (`span` items, Sentry SDK 11's default lifecycle). */
  streamedSpans: number;
  /** Streamed spans with `is_segment: true`: one per traced request. */
  segments: number;
  errors: number;
  sessions: number;
  clientReports: number;
  /** `discarded[reason][category] = quantity`, summed over every client report. */
  discarded: Record<string, Record<string, number>>;
  otlpRequests: number;
  otlpSpans: number;
  /** OTLP spans of kind SERVER: one per traced request. */
  otlpServerSpans: number;
  bodyBytes: number;
  badBodies: number;
}

export function emptyCounts(): RunCounts {
  return {
    envelopes: 0,
    transactions: 0,
    transactionSpans: 0,
    streamedSpans: 0,
    segments: 0,
    errors: 0,
    sessions: 0,
    clientReports: 0,
    discarded: {},
    otlpRequests: 0,
    otlpSpans: 0,
    otlpServerSpans: 0,
    bodyBytes: 0,
    badBodies: 0,
  };
}

/** Traced requests that arrived: transactions, streamed segments and OTLP server spans. */
export function rootsReceived(counts: RunCounts): number {
  return counts.transactions + counts.segments + counts.otlpServerSpans;
}

/** Spans that arrived, root spans included, whatever the wire format. */
export function spansReceived(counts: RunCounts): number {
  return counts.transactionSpans + counts.streamedSpans + counts.otlpSpans;
}

export function decodeBody(body: Buffer, contentEncoding: string | undefined): Buffer {
  switch ((contentEncoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body);
    case 'deflate':
      return inflateSync(body);
    case 'br':
      return brotliDecompressSync(body);
    default:
      throw new Error(`unsupported content-encoding ${contentEncoding}`);
  }
}

const NEWLINE = 10;

/** Splits an envelope into its items (header + payload bytes), honouring `length` headers. */
export function* envelopeItems(envelope: Buffer): Generator<{ type: string; payload: Buffer }> {
  let pos = envelope.indexOf(NEWLINE);
  if (pos === -1) return; // header only
  pos++;
  while (pos < envelope.length) {
    let end = envelope.indexOf(NEWLINE, pos);
    if (end === -1) end = envelope.length;
    if (end === pos) {
      pos++;
      continue;
    }
    const header = JSON.parse(envelope.subarray(pos, end).toString('utf8')) as { type?: string; length?: number };
    pos = end + 1;
    let payload: Buffer;
    if (typeof header.length === 'number') {
      payload = envelope.subarray(pos, pos + header.length);
      pos += header.length;
      if (envelope[pos] === NEWLINE) pos++;
    } else {
      let payloadEnd = envelope.indexOf(NEWLINE, pos);
      if (payloadEnd === -1) payloadEnd = envelope.length;
      payload = envelope.subarray(pos, payloadEnd);
      pos = payloadEnd + 1;
    }
    yield { type: header.type ?? '', payload };
  }
}

export function countEnvelope(counts: RunCounts, envelope: Buffer): void {
  counts.envelopes++;
  for (const { type, payload } of envelopeItems(envelope)) {
    switch (type) {
      case 'transaction': {
        const event = JSON.parse(payload.toString('utf8')) as { spans?: unknown[] };
        counts.transactions++;
        counts.transactionSpans += 1 + (event.spans?.length ?? 0);
        break;
      }
      case 'span': {
        // v2 container: { version: 2, items: [span, …] }; v1: one span per item.
        const parsed = JSON.parse(payload.toString('utf8')) as { items?: Array<{ is_segment?: boolean }> };
        for (const span of parsed.items ?? [parsed as { is_segment?: boolean }]) {
          counts.streamedSpans++;
          if (span.is_segment === true) counts.segments++;
        }
        break;
      }
      case 'event':
        counts.errors++;
        break;
      case 'session':
      case 'sessions':
        counts.sessions++;
        break;
      case 'client_report': {
        const report = JSON.parse(payload.toString('utf8')) as {
          discarded_events?: Array<{ reason: string; category: string; quantity: number }>;
        };
        counts.clientReports++;
        for (const { reason, category, quantity } of report.discarded_events ?? []) {
          const byCategory = counts.discarded[reason] ?? {};
          byCategory[category] = (byCategory[category] ?? 0) + quantity;
          counts.discarded[reason] = byCategory;
        }
        break;
      }
      default:
        break;
    }
  }
}

const SPAN_KIND_SERVER = 2;

/** Counts an OTLP/HTTP JSON `ExportTraceServiceRequest`. */
export function countOtlpJson(counts: RunCounts, body: Buffer): void {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ kind?: number | string }> }> }>;
  };
  counts.otlpRequests++;
  for (const resourceSpans of request.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        counts.otlpSpans++;
        if (span.kind === SPAN_KIND_SERVER || span.kind === 'SPAN_KIND_SERVER') counts.otlpServerSpans++;
      }
    }
  }
}
