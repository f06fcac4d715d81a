/**
 * `spans: 'stream'` and `spans: 'otlp'` end to end over a loopback sink: what leaves, where
 * it goes, and that whatever does not arrive is counted.
 */
import { context, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import { InvalidOptionError } from '@otel-sentry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SentryEnvelopeExporter } from '../src/index.js';
import { OTLP_MAX_BATCH_SPANS, OtlpSpanSender } from '../src/otlp-span-sender.js';
import { provider, serverTransaction } from './helpers/otel.js';
import { droppedOf, envelopeOf, hasItem, itemsOf, type RecordedRequest, type Sink, startSink } from './helpers/sink.js';

let sink: Sink;
beforeAll(async () => {
  sink = await startSink();
});
afterAll(async () => {
  await sink.close();
});
afterEach(() => {
  sink.reset();
});

function make(extra: ConstructorParameters<typeof SentryEnvelopeExporter>[0] = {}) {
  return new SentryEnvelopeExporter({ dsn: sink.dsn, env: false, sessionMode: false, release: 'app@1.0.0', ...extra });
}

const isOtlp = (r: RecordedRequest) => r.url.includes('/otlp/');
const envelopes = () => sink.requests.filter((r) => !isOtlp(r));

interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  attributes: Array<{ key: string; value: { stringValue?: string } }>;
  events: unknown[];
}

function otlpSpans(requests: readonly RecordedRequest[]): OtlpSpan[] {
  return requests.flatMap((r) => {
    const body = JSON.parse(r.body.toString('utf8')) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
    };
    return body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  });
}

function attr(span: OtlpSpan, key: string): string | undefined {
  return span.attributes.find((a) => a.key === key)?.value.stringValue;
}

/** `traces` server transactions of `children` children each; returns their trace ids. */
function traffic(tracer: Tracer, traces: number, children = 1): string[] {
  const ids: string[] = [];
  for (let i = 0; i < traces; i++)
    ids.push(serverTransaction(tracer, children, { route: '/users/:id' }).spanContext().traceId);
  return ids;
}

describe("spans: 'stream'", () => {
  it('sends span v2 envelopes per trace with the DSC, and errors as events with the same trace header', async () => {
    const exporter = make({ spans: 'stream' });
    expect(exporter.spans).toBe('stream');
    const { provider: p, tracer } = provider(exporter, { batch: {} });
    const withError = serverTransaction(tracer, 2, { route: '/users/:id', childError: new Error('boom') });
    serverTransaction(tracer, 1, { route: '/orders/:id' });
    await p.forceFlush();
    await exporter.forceFlush();
    const spanEnvelopes = envelopes().filter((r) => hasItem(r, 'span'));
    expect(spanEnvelopes).toHaveLength(2);
    for (const request of spanEnvelopes) {
      const [headers, items] = envelopeOf(request);
      expect(items).toHaveLength(1);
      const [itemHeaders, payload] = items[0]!;
      const spans = (payload as { items: Array<{ trace_id: string }> }).items;
      expect(itemHeaders).toMatchObject({ type: 'span', item_count: spans.length });
      expect(new Set(spans.map((s) => s.trace_id))).toEqual(
        new Set([(headers.trace as { trace_id: string }).trace_id]),
      );
    }
    const traceId = withError.spanContext().traceId;
    const errorRequest = envelopes().find((r) => hasItem(r, 'event'))!;
    const spanRequest = spanEnvelopes.find(
      (r) => (envelopeOf(r)[0].trace as { trace_id: string }).trace_id === traceId,
    )!;
    expect(envelopeOf(errorRequest)[0].trace).toEqual(envelopeOf(spanRequest)[0].trace);
    expect(itemsOf([errorRequest], 'event')[0]).toMatchObject({ transaction: 'GET /users/:id' });
    expect(exporter.stats.streamedSpans).toBe(5);
    await exporter.shutdown();
  });

  it('drops span envelopes under a span rate limit and reports each span', async () => {
    sink.respond = (_req, n) =>
      n === 0 ? { status: 200, headers: { 'X-Sentry-Rate-Limits': '60:span:organization' } } : { status: 200 };
    const exporter = make({ spans: 'stream' });
    const { provider: p, tracer } = provider(exporter, { batch: {} });
    traffic(tracer, 1, 0);
    await p.forceFlush();
    await exporter.forceFlush();
    traffic(tracer, 2, 2);
    await p.forceFlush();
    await exporter.forceFlush();
    const reports = itemsOf(envelopes(), 'client_report') as Array<{
      discarded_events: Array<{ reason: string; category: string; quantity: number }>;
    }>;
    expect(reports.flatMap((r) => r.discarded_events)).toContainEqual({
      reason: 'ratelimit_backoff',
      category: 'span',
      quantity: 6,
    });
    await exporter.shutdown();
  });
});

describe("spans: 'otlp'", () => {
  it('posts spans of many traces in few requests, to the DSN-derived path with the Sentry key', async () => {
    const exporter = make({ spans: 'otlp' });
    expect(exporter.spans).toBe('otlp');
    const { provider: p, tracer } = provider(exporter, { batch: { maxExportBatchSize: 2048 } });
    const ids = traffic(tracer, 25, 2);
    await p.forceFlush();
    await exporter.forceFlush();
    const posts = sink.requests.filter(isOtlp);
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.length).toBeLessThan(25);
    for (const post of posts) {
      expect(post.url).toBe('/api/42/integration/otlp/v1/traces');
      expect(post.headers['x-sentry-auth']).toBe('sentry sentry_key=public');
      expect(post.headers['content-type']).toBe('application/json');
    }
    const spans = otlpSpans(posts);
    expect(spans).toHaveLength(75);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(ids));
    const child = spans.find((s) => s.name === 'child 0')!;
    const root = spans.find((s) => s.spanId === attr(child, 'sentry.segment.id'))!;
    expect(attr(child, 'sentry.segment.name')).toBe('GET /users/:id');
    expect(attr(root, 'sentry.segment.name.source')).toBe('route');
    expect(attr(child, 'sentry.release')).toBe('app@1.0.0');
    expect(attr(child, 'sentry.environment')).toBe('production');
    // Scrubbed as transactions are.
    expect(attr(root, 'url.path')).toBe('/users/42?token=%5BFiltered%5D');
    await exporter.shutdown();
  });

  it('cuts batches at the bound, and goes to otlpUrl with otlpHeaders only (a Collector)', async () => {
    const exporter = make({
      spans: 'otlp',
      otlpUrl: `http://127.0.0.1:${sink.port}/otlp/v1/traces`,
      otlpHeaders: { authorization: 'Bearer collector' },
    });
    const { provider: p, tracer } = provider(exporter, { batch: { maxExportBatchSize: 4096 } });
    traffic(tracer, OTLP_MAX_BATCH_SPANS, 1);
    await p.forceFlush();
    await exporter.forceFlush();
    const posts = sink.requests.filter(isOtlp);
    expect(posts).toHaveLength(2);
    expect(posts.map((r) => otlpSpans([r]).length)).toEqual([OTLP_MAX_BATCH_SPANS, OTLP_MAX_BATCH_SPANS]);
    expect(posts[0]!.url).toBe('/otlp/v1/traces');
    expect(posts[0]!.headers.authorization).toBe('Bearer collector');
    expect(posts[0]!.headers['x-sentry-auth']).toBeUndefined();
    await exporter.shutdown();
  });

  it('sends errors as envelopes linked to the replay, and counts every span the OTLP leg loses', async () => {
    let failing = true;
    sink.respond = (req) => (isOtlp(req) && failing ? { status: 503 } : { status: 200 });
    const exporter = make({ spans: 'otlp', maxRetries: 0 });
    const { provider: p, tracer } = provider(exporter, { batch: {} });
    const root = tracer.startSpan('GET', {
      kind: SpanKind.SERVER,
      attributes: { 'http.route': '/pay', 'http.request.method': 'POST' },
    });
    const { ensureSpanData } = await import('@otel-sentry/core');
    ensureSpanData(root).replayId = 'f'.repeat(32);
    const child = tracer.startSpan('charge', {}, trace.setSpan(context.active(), root));
    child.recordException(new Error('declined'));
    child.end();
    root.end();
    traffic(tracer, 10, 2);
    await p.forceFlush();
    await exporter.forceFlush();
    failing = false;
    traffic(tracer, 5, 2);
    await p.forceFlush();
    await exporter.forceFlush();
    await exporter.forceFlush();
    const produced = 2 + 15 * 3;
    const delivered = otlpSpans(sink.accepted.filter(isOtlp)).length;
    const reported = droppedOf(
      Object.fromEntries(
        (
          itemsOf(envelopes(), 'client_report') as Array<{
            discarded_events: Array<{ reason: string; category: string; quantity: number }>;
          }>
        )
          .flatMap((r) => r.discarded_events)
          .map((d) => [`${d.reason}:${d.category}`, d.quantity]),
      ),
      'span',
    );
    expect(delivered).toBe(15);
    expect(delivered + reported).toBe(produced);
    const [error] = itemsOf(envelopes(), 'event') as Array<{ contexts: { replay?: { replay_id: string } } }>;
    expect(error!.contexts.replay).toEqual({ replay_id: 'f'.repeat(32) });
    const errorRequest = envelopes().find((r) => hasItem(r, 'event'))!;
    expect(envelopeOf(errorRequest)[0].trace).toMatchObject({ replay_id: 'f'.repeat(32) });
    await exporter.shutdown();
  });

  it("honours a span rate limit of Sentry's OTLP endpoint and reports the spans", async () => {
    sink.respond = (req) =>
      isOtlp(req) ? { status: 429, headers: { 'X-Sentry-Rate-Limits': '60:span:organization' } } : { status: 200 };
    const exporter = make({ spans: 'otlp' });
    const { provider: p, tracer } = provider(exporter, { batch: {} });
    traffic(tracer, 3, 1);
    await p.forceFlush();
    await exporter.forceFlush();
    traffic(tracer, 2, 1);
    await p.forceFlush();
    await exporter.forceFlush();
    expect(sink.requests.filter(isOtlp)).toHaveLength(1);
    expect(exporter.pendingDiscards()).toEqual([]);
    const reports = itemsOf(envelopes(), 'client_report') as Array<{
      discarded_events: Array<{ reason: string; category: string; quantity: number }>;
    }>;
    const quantity = reports
      .flatMap((r) => r.discarded_events)
      .filter((d) => d.reason === 'ratelimit_backoff' && d.category === 'span')
      .reduce((n, d) => n + d.quantity, 0);
    expect(quantity).toBe(10);
    await exporter.shutdown();
  });

  it('without a DSN or otlpUrl sends span v2 envelopes where envelopes go, and says so', async () => {
    const exporter = new SentryEnvelopeExporter({
      env: false,
      spans: 'otlp',
      spotlight: `http://127.0.0.1:${sink.port}/stream`,
    });
    expect(exporter.spans).toBe('stream');
    await exporter.shutdown();
  });

  it('counts spans as internal_sdk_error when the serializer cannot be loaded', async () => {
    const { ClientReportRecorder } = await import('../src/client-reports.js');
    const reports = new ClientReportRecorder();
    const { provider: p, tracer } = provider({
      export: (spans, done) => {
        sender.add(spans);
        done({ code: 0 });
      },
      shutdown: async () => undefined,
    });
    const sender = new OtlpSpanSender({
      pipeline: { exportStreamed: () => undefined, releaseOf: () => 'app@1', environmentOf: () => 'e2e' } as never,
      scrubber: { scrubAttributes: (a: unknown) => a, scrubText: (t: string) => t } as never,
      sdk: { name: 'sdk', version: '1' },
      sender: { enqueue: () => true } as never,
      rateLimits: { isRateLimited: () => false } as never,
      reports,
      toSentry: true,
      maxBufferedSpans: 100,
      loadSerializer: () => Promise.reject(new Error('Cannot find package')),
    });
    traffic(tracer, 2, 1);
    await p.forceFlush();
    // Held while the serializer loads, then counted when it cannot.
    expect(sender.buffered).toBe(4);
    sender.flush();
    await sender.ready();
    traffic(tracer, 1, 1);
    await p.forceFlush();
    expect(reports.snapshot()).toEqual([{ reason: 'internal_sdk_error', category: 'span', quantity: 6 }]);
    await p.shutdown();
  });
});

describe('options', () => {
  it('are checked at construction', () => {
    expect(() => make({ spans: 'spans' as never })).toThrow(/option "spans" must be one of/);
    expect(() => make({ spans: 'otlp', otlpUrl: 'ftp://collector' })).toThrow(InvalidOptionError);
    expect(() => make({ spans: 'otlp', otlpUrl: 42 as never })).toThrow(/option "otlpUrl"/);
    expect(() => make({ spans: 'otlp', otlpHeaders: { 'bad header': 'x' } })).toThrow(/option "otlpHeaders"/);
    expect(() => make({ spans: 'otlp', otlpHeaders: { x: 'a\r\nb' } })).toThrow(/option "otlpHeaders.x"/);
    expect(make().spans).toBe('transactions');
  });
});
