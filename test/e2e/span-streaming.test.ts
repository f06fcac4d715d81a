/**
 * `spans: 'stream'` against the real thing: a `@sentry/node` 11 express service (its default
 * trace lifecycle streams span v2 envelopes) and ours — express 5 traced by OpenTelemetry with
 * the three plugins, `spans: 'stream'` — answer the same request, and their span v2
 * envelopes must agree: envelope and item header keys, payload keys, top-level span keys and
 * types, the `sentry.*` attributes that carry a span's meaning (op, segment name, id and name
 * source, release, environment) with the same type and value, status, `is_segment` and parent
 * ids. Both are parsed by `@sentry/core` 11's `parseEnvelope` (the receiver's parser). Then a
 * Sentry 11 → ours → Sentry 11 chain must keep one trace and one DSC.
 *
 * What may differ (the issue says so): SDK name and version, origin, runtime and
 * instrumentation attributes, span names of children. Ours adds `length` to item headers
 * (protocol §4: always written here, always safe).
 */
import type * as Http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTrace, send } from './support/browser.js';
import { type Downstream, startDownstream } from './support/downstream.js';
import { httpGet } from './support/http-get.js';
import { type SentryExpressService, startSentryExpress } from './support/sentry-node-express-service.js';
import type { ReceivedEnvelope } from './support/sentry-receiver.js';
import { type ServiceTelemetry, startServiceTelemetry } from './support/service-telemetry.js';

const OURS = '42';
const SENTRY_A = '11';
const SENTRY_B = '12';
const RELEASE = 'ours@1.0.0';
/** The attributes that say what a span is, which must agree. */
const MEANING = [
  'sentry.op',
  'sentry.segment.name',
  'sentry.segment.name.source',
  'sentry.release',
  'sentry.environment',
] as const;

type SpanItem = {
  name: string;
  span_id: string;
  trace_id: string;
  parent_span_id?: string;
  is_segment: boolean;
  status: string;
  attributes: Record<string, { type: string; value: unknown }>;
  [key: string]: unknown;
};

let t: ServiceTelemetry;
let downstream: Downstream;
let server: Http.Server;
let port = 0;
let sentryA: SentryExpressService;
let sentryB: SentryExpressService;

beforeAll(async () => {
  t = await startServiceTelemetry({
    serviceName: 'ours',
    instrumentations: [new ExpressInstrumentation()],
    exporter: { spans: 'stream' },
  });
  downstream = await startDownstream(t.http, t.untracedPorts);
  const express = (await import('node:module')).createRequire(import.meta.url)('express') as typeof import('express');
  const app = express();
  app.get('/users/:id', async (req, res) => {
    const calls: unknown[] = [];
    const wanted = req.query.call;
    for (const url of Array.isArray(wanted) ? wanted : wanted === undefined ? [] : [wanted]) {
      const target = new URL(String(url));
      calls.push(JSON.parse(await httpGet(t.http, Number(target.port), `${target.pathname}${target.search}`, 8_000)));
    }
    res.json({ calls });
  });
  server = t.http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const dsn = (project: string) => `http://key${project}@127.0.0.1:${t.receiver.port}/${project}`;
  [sentryA, sentryB] = await Promise.all([
    startSentryExpress(dsn(SENTRY_A), RELEASE),
    startSentryExpress(dsn(SENTRY_B), RELEASE),
  ]);
}, 90_000);

afterAll(async () => {
  sentryA?.stop();
  sentryB?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await downstream?.close();
  await t?.shutdown();
});

function spanEnvelopes(project: string, traceId: string): ReceivedEnvelope[] {
  return t.receiver.envelopes.filter(
    (e) =>
      e.path === `/api/${project}/envelope/` &&
      e.items.some((i) => i.type === 'span') &&
      (e.headers.trace as { trace_id?: string } | undefined)?.trace_id === traceId,
  );
}

function spansOf(envelopes: readonly ReceivedEnvelope[]): SpanItem[] {
  return envelopes.flatMap((e) => e.items.flatMap((i) => (i.type === 'span' ? (i.payload.items as SpanItem[]) : [])));
}

/** The item header as it was on the wire. */
function itemHeader(envelope: ReceivedEnvelope): Record<string, unknown> {
  return JSON.parse(envelope.raw.split('\n')[1]!) as Record<string, unknown>;
}

/** Flushes every service until `probe` holds; fails after `timeoutMs`. */
async function flushUntil(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await flushAll();
    if (probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function flushAll(): Promise<void> {
  await Promise.all([sentryA.flush(), sentryB.flush(), t.provider.forceFlush()]);
}

function typesOf(span: SpanItem): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(span).sort()) out[key] = Array.isArray(span[key]) ? 'array' : typeof span[key];
  return out;
}

describe("spans: 'stream' compared with @sentry/node 11", () => {
  it('the same request gives span v2 envelopes that agree', async () => {
    const theirs = browserTrace();
    const ours = browserTrace();
    const path = `/users/7?call=${encodeURIComponent(`http://127.0.0.1:${downstream.port}/inventory/7`)}`;
    expect((await send(sentryA.port, path, { headers: theirs.headers })).status).toBe(200);
    expect((await send(port, path, { headers: ours.headers })).status).toBe(200);
    await flushUntil('both segments at the receiver', () => {
      const segment = (project: string, traceId: string) =>
        spansOf(spanEnvelopes(project, traceId)).some((s) => s.is_segment);
      return segment(SENTRY_A, theirs.traceId) && segment(OURS, ours.traceId);
    });
    expect(t.receiver.errors).toEqual([]);

    const theirEnvelope = spanEnvelopes(SENTRY_A, theirs.traceId)[0]!;
    const ourEnvelope = spanEnvelopes(OURS, ours.traceId)[0]!;
    // Envelope header, item header and payload keys.
    expect(Object.keys(ourEnvelope.headers).sort()).toEqual(Object.keys(theirEnvelope.headers).sort());
    const theirItem = itemHeader(theirEnvelope);
    const ourItem = itemHeader(ourEnvelope);
    expect(
      Object.keys(ourItem)
        .filter((k) => k !== 'length')
        .sort(),
    ).toEqual(Object.keys(theirItem).sort());
    expect(ourItem).toMatchObject({ type: 'span', content_type: theirItem.content_type });
    expect(ourItem.item_count).toBe((ourEnvelope.items[0]!.payload.items as unknown[]).length);
    expect(Object.keys(ourEnvelope.items[0]!.payload).sort()).toEqual(
      Object.keys(theirEnvelope.items[0]!.payload).sort(),
    );
    // The DSC of the incoming trace rides in both headers.
    expect(ourEnvelope.headers.trace).toMatchObject({ trace_id: ours.traceId, public_key: 'frontendkey' });
    expect(theirEnvelope.headers.trace).toMatchObject({ trace_id: theirs.traceId, public_key: 'frontendkey' });

    const theirSpans = spansOf(spanEnvelopes(SENTRY_A, theirs.traceId));
    const ourSpans = spansOf(spanEnvelopes(OURS, ours.traceId));
    const theirSegment = theirSpans.find((s) => s.is_segment)!;
    const ourSegment = ourSpans.find((s) => s.is_segment)!;
    expect(typesOf(ourSegment)).toEqual(typesOf(theirSegment));
    expect(ourSegment.parent_span_id).toBe(ours.spanId);
    expect(theirSegment.parent_span_id).toBe(theirs.spanId);
    expect(ourSegment.status).toBe(theirSegment.status);
    for (const key of MEANING) expect([key, ourSegment.attributes[key]]).toEqual([key, theirSegment.attributes[key]]);
    expect(ourSegment.attributes['sentry.segment.id']).toEqual({ type: 'string', value: ourSegment.span_id });
    expect(theirSegment.attributes['sentry.segment.id']).toEqual({ type: 'string', value: theirSegment.span_id });
    expect(ourSegment.attributes['sentry.source']).toBeUndefined();

    // The outgoing call: a child of the segment.
    const client = (spans: SpanItem[]) => spans.find((s) => s.attributes['sentry.op']?.value === 'http.client')!;
    const theirClient = client(theirSpans);
    const ourClient = client(ourSpans);
    expect(typesOf(ourClient)).toEqual(typesOf(theirClient));
    expect(ourClient.is_segment).toBe(false);
    expect(ourClient.status).toBe(theirClient.status);
    for (const key of MEANING) expect([key, ourClient.attributes[key]]).toEqual([key, theirClient.attributes[key]]);
    expect(ourClient.attributes['sentry.segment.id']).toEqual({ type: 'string', value: ourSegment.span_id });
    // Parent ids point into the same trace's spans, down from the segment.
    const ids = new Set(ourSpans.map((s) => s.span_id));
    for (const span of ourSpans) if (!span.is_segment) expect(ids.has(span.parent_span_id!)).toBe(true);
  });

  it('Sentry 11 → ours (stream) → Sentry 11 keeps one trace and one DSC', async () => {
    const browser = browserTrace();
    const toB = `http://127.0.0.1:${sentryB.port}/users/3`;
    const toOurs = `http://127.0.0.1:${port}/users/2?call=${encodeURIComponent(toB)}`;
    const answer = await send(sentryA.port, `/users/1?call=${encodeURIComponent(toOurs)}`, {
      headers: browser.headers,
    });
    expect(answer.status).toBe(200);
    await flushUntil('the three hops at the receiver', () => {
      return [SENTRY_A, OURS, SENTRY_B].every((p) =>
        spansOf(spanEnvelopes(p, browser.traceId)).some((s) => s.is_segment),
      );
    });
    const headers = [SENTRY_A, OURS, SENTRY_B].flatMap((p) =>
      spanEnvelopes(p, browser.traceId).map((e) => e.headers.trace),
    );
    expect(headers.length).toBeGreaterThanOrEqual(3);
    for (const header of headers) expect(header).toEqual(headers[0]);
    expect(headers[0]).toMatchObject({ trace_id: browser.traceId, public_key: 'frontendkey', sample_rand: '0.5' });
    const all = [SENTRY_A, OURS, SENTRY_B].flatMap((p) => spansOf(spanEnvelopes(p, browser.traceId)));
    expect(new Set(all.map((s) => s.trace_id))).toEqual(new Set([browser.traceId]));
    // Each hop's segment hangs under the previous hop's outgoing call.
    const segments = [SENTRY_A, OURS, SENTRY_B].map(
      (p) => spansOf(spanEnvelopes(p, browser.traceId)).find((s) => s.is_segment)!,
    );
    const byId = new Set(all.map((s) => s.span_id));
    expect(segments[0]!.parent_span_id).toBe(browser.spanId);
    expect(byId.has(segments[1]!.parent_span_id!)).toBe(true);
    expect(byId.has(segments[2]!.parent_span_id!)).toBe(true);
    expect(t.receiver.errors).toEqual([]);
  });
});
