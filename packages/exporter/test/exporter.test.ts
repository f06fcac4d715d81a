import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { createClient, ensureSpanData, freezeDsc, InvalidOptionError, type SentryEvent } from '@otel-sentry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SentryEnvelopeExporter } from '../src/index.js';
import { provider, serverTransaction } from './helpers/otel.js';
import { envelopeOf, itemsOf, type Sink, startSink } from './helpers/sink.js';

const REPLAY = '0123456789abcdef0123456789abcdef';
let sink: Sink;

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

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

describe('SentryEnvelopeExporter over HTTP', () => {
  it("refuses a client option beside the shared client that is not the client's: one rule in every package", () => {
    const other = createClient({ dsn: 'https://other@o1.ingest.example.com/7', env: false });
    const error = errorOf(() => new SentryEnvelopeExporter({ dsn: sink.dsn, client: other }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain('option "dsn"');
    expect(error.message).toContain('the client given as "client" has "https://other@o1.ingest.example.com/7"');
    expect(() => new SentryEnvelopeExporter({ dsn: 'not a dsn', client: other })).toThrow(/option "dsn"/);
    // A DSN beside a client that has none: the propagator would fill the DSC without its key.
    expect(() => new SentryEnvelopeExporter({ dsn: sink.dsn, client: createClient({ env: false }) })).toThrow(
      /option "dsn" is .* but the client given as "client" has none/,
    );
    const client = createClient({ dsn: sink.dsn, release: 'app@1.0.0', env: false });
    for (const [name, value] of [
      ['release', 'app@2.0.0'],
      ['environment', 'staging'],
      ['sendDefaultPii', true],
      ['shutdownTimeoutMillis', 10],
    ] as const) {
      expect(() => new SentryEnvelopeExporter({ client, [name]: value })).toThrow(
        new RegExp(`option "${name}" is .* but the client given as "client" has`),
      );
    }
  });

  it("accepts client options beside the shared client that are the client's own", async () => {
    const client = createClient({ dsn: sink.dsn, release: 'app@1.0.0', env: false });
    const exporter = new SentryEnvelopeExporter({
      client,
      dsn: ` ${sink.dsn} `,
      release: 'app@1.0.0',
      environment: 'production',
      shutdownTimeoutMillis: 2000,
      sessionMode: false,
      env: false,
    });
    const { provider: p, tracer } = provider(exporter);
    serverTransaction(tracer, 1, { route: '/users/:id' });
    await p.forceFlush();
    await exporter.forceFlush();
    const transaction = sink.requests.find((r) => itemsOf([r], 'transaction').length > 0);
    expect(transaction?.url).toBe('/api/42/envelope/');
    expect(envelopeOf(transaction!)[0].trace).toMatchObject({ public_key: 'public' });
    await exporter.shutdown();
  });

  it('sends one transaction per local root with its children, parsable by @sentry/core', async () => {
    const exporter = make();
    const { provider: p, tracer } = provider(exporter);
    serverTransaction(tracer, 3, { route: '/users/:id' });
    await p.forceFlush();
    await exporter.forceFlush();
    expect(sink.requests).toHaveLength(1);
    const req = sink.requests[0]!;
    expect(req.url).toBe('/api/42/envelope/');
    expect(req.headers['content-type']).toBe('application/x-sentry-envelope');
    expect(req.headers['x-sentry-auth']).toMatch(
      /^Sentry sentry_version=7, sentry_client=otel-sentry\.javascript\/[\d.]+, sentry_key=public$/,
    );
    const [headers, items] = envelopeOf(req);
    expect(items).toHaveLength(1);
    const event = items[0]![1] as SentryEvent;
    expect(headers.event_id).toBe(event.event_id);
    expect(headers.sdk?.name).toBe('otel-sentry.javascript');
    expect(typeof headers.sent_at).toBe('string');
    expect(event.type).toBe('transaction');
    expect(event.transaction).toBe('GET /users/:id');
    expect(event.transaction_info).toEqual({ source: 'route' });
    expect(event.release).toBe('app@1.0.0');
    expect(event.environment).toBe('production');
    expect(event.platform).toBe('node');
    expect(event.spans).toHaveLength(3);
    const tc = event.contexts!.trace!;
    expect(tc.op).toBe('http.server');
    expect(tc.status).toBe('ok');
    expect((tc.data as Record<string, unknown>)['url.path']).toBe('/users/42?token=%5BFiltered%5D');
    const span = event.spans![0]!;
    expect(span).toMatchObject({
      op: 'db',
      description: 'SELECT 0',
      parent_span_id: tc.span_id,
      trace_id: tc.trace_id,
    });
    expect((span.timestamp as number) >= (span.start_timestamp as number)).toBe(true);
    expect(event.contexts!.otel).toEqual({ resource: expect.objectContaining({ 'service.name': 'test-service' }) });
    // The head of the trace built and froze a DSC.
    expect(headers.trace).toMatchObject({
      trace_id: tc.trace_id,
      public_key: 'public',
      release: 'app@1.0.0',
      environment: 'production',
      sample_rate: '1',
      sampled: 'true',
      transaction: 'GET /users/:id',
    });
    await exporter.shutdown();
    await p.shutdown();
  });

  it('keeps a url-source name out of the DSC', async () => {
    const exporter = make();
    const { provider: p, tracer } = provider(exporter);
    serverTransaction(tracer, 0);
    await p.forceFlush();
    await exporter.forceFlush();
    const [headers, items] = envelopeOf(sink.requests[0]!);
    expect((items[0]![1] as SentryEvent).transaction).toBe('GET /users/42');
    expect((headers.trace as Record<string, unknown> | undefined)?.transaction).toBeUndefined();
    await exporter.shutdown();
  });

  it('uses the frozen DSC and current replay id recorded by the span processor', async () => {
    const exporter = make();
    const { provider: p, tracer } = provider(exporter);
    const frozen = freezeDsc({
      trace_id: 'a'.repeat(32),
      public_key: 'upstream',
      release: 'web@2',
      replay_id: 'f'.repeat(32),
    });
    const root = tracer.startSpan('GET', { kind: SpanKind.SERVER });
    const data = ensureSpanData(root);
    data.frozenDsc = frozen;
    data.replayId = REPLAY;
    const child = tracer.startSpan('boom', {}, trace.setSpan(context.active(), root));
    child.recordException(new TypeError('bad input'));
    child.end();
    root.end();
    await p.forceFlush();
    await exporter.forceFlush();
    expect(sink.requests).toHaveLength(2);
    const envelopes = sink.requests.map(envelopeOf);
    for (const [headers] of envelopes) {
      expect(headers.trace).toEqual({
        trace_id: 'a'.repeat(32),
        public_key: 'upstream',
        release: 'web@2',
        replay_id: REPLAY,
      });
    }
    const errors = itemsOf(sink.requests, 'event') as SentryEvent[];
    expect(errors).toHaveLength(1);
    const error = errors[0]!;
    expect(error.exception!.values[0]).toMatchObject({
      type: 'TypeError',
      value: 'bad input',
      mechanism: { type: 'otel', handled: true },
    });
    const frames = (error.exception!.values[0]!.stacktrace as { frames: Array<{ filename?: string }> }).frames;
    expect(frames.length).toBeGreaterThan(0);
    expect(frames[frames.length - 1]!.filename).toContain('exporter.test.ts');
    expect(error.contexts!.trace).toMatchObject({
      span_id: child.spanContext().spanId,
      trace_id: child.spanContext().traceId,
    });
    expect(error.contexts!.replay).toEqual({ replay_id: REPLAY });
    const tx = itemsOf(sink.requests, 'transaction')[0] as SentryEvent;
    expect(tx.contexts!.replay).toEqual({ replay_id: REPLAY });
    await exporter.shutdown();
  });

  it('drops a stale frozen replay id when none is current', async () => {
    const exporter = make();
    const { provider: p, tracer } = provider(exporter);
    const root = tracer.startSpan('job');
    ensureSpanData(root).frozenDsc = freezeDsc({ trace_id: 'b'.repeat(32), replay_id: 'f'.repeat(32) });
    root.end();
    await p.forceFlush();
    await exporter.forceFlush();
    const [headers] = envelopeOf(sink.requests[0]!);
    expect(headers.trace).toEqual({ trace_id: 'b'.repeat(32) });
    await exporter.shutdown();
  });

  it('reads release and environment from the resource when options do not set them', async () => {
    const exporter = new SentryEnvelopeExporter({ dsn: sink.dsn, env: false, sessionMode: false });
    const { provider: p, tracer } = provider(exporter, {
      resource: { 'service.version': '9.9.9', 'deployment.environment.name': 'staging' },
    });
    serverTransaction(tracer, 0);
    await p.forceFlush();
    await exporter.forceFlush();
    const [headers, items] = envelopeOf(sink.requests[0]!);
    expect(items[0]![1]).toMatchObject({ release: '9.9.9', environment: 'staging' });
    expect(headers.trace).toMatchObject({ release: '9.9.9', environment: 'staging' });
    await exporter.shutdown();
  });

  it('reads SENTRY_ENVIRONMENT and SENTRY_DSN through the client', async () => {
    const exporter = new SentryEnvelopeExporter({
      env: { SENTRY_DSN: sink.dsn, SENTRY_ENVIRONMENT: 'qa', SENTRY_RELEASE: 'r1' },
      sessionMode: false,
    });
    const { provider: p, tracer } = provider(exporter, { resource: { 'deployment.environment.name': 'staging' } });
    serverTransaction(tracer, 0);
    await p.forceFlush();
    await exporter.forceFlush();
    expect(itemsOf(sink.requests, 'transaction')[0] as SentryEvent).toMatchObject({ environment: 'qa', release: 'r1' });
    await exporter.shutdown();
  });

  it('maps measurements, error status and scrubs by default', async () => {
    const exporter = make();
    const { provider: p, tracer } = provider(exporter);
    const root = tracer.startSpan('checkout', {
      attributes: {
        'http.request.header.authorization': ['Bearer abc'],
        'client.address': '10.0.0.1',
        'app.card': '4242 4242 4242 4242',
      },
    });
    root.addEvent('lcp', { 'sentry.measurement_value': 1234, 'sentry.measurement_unit': 'millisecond' });
    root.setStatus({ code: SpanStatusCode.ERROR, message: 'deadline_exceeded' });
    root.end();
    await p.forceFlush();
    await exporter.forceFlush();
    const tx = itemsOf(sink.requests, 'transaction')[0] as SentryEvent;
    expect(tx.measurements).toEqual({ lcp: { value: 1234, unit: 'millisecond' } });
    const tc = tx.contexts!.trace!;
    expect(tc.status).toBe('deadline_exceeded');
    expect(tc.data).toMatchObject({
      'http.request.header.authorization': '[Filtered]',
      'client.address': '[Filtered]',
      'app.card': '[Filtered]',
    });
    expect(sink.requests[0]!.body.toString()).not.toContain('Bearer abc');
    await exporter.shutdown();
  });

  it('emits the hooks, and beforeSend can drop (counted)', async () => {
    const client = createClient({ dsn: sink.dsn, release: 'r', env: false });
    const seen: string[] = [];
    client.on('beforeSendEvent', (e) => {
      seen.push(`beforeSendEvent:${e.type ?? 'event'}`);
      e.tags = { hooked: true };
    });
    client.on('beforeEnvelope', (env) => seen.push(`beforeEnvelope:${env.items[0]!.headers.type}`));
    client.on('afterSendEnvelope', (env, result) =>
      seen.push(`afterSendEnvelope:${env.items[0]!.headers.type}:${result.statusCode}`),
    );
    client.on('clientReport', () => seen.push('clientReport'));
    client.on('sessionStart', (s) => seen.push(`sessionStart:${s.init}`));
    client.on('sessionEnd', (s) => seen.push(`sessionEnd:${s.status}`));
    let n = 0;
    const exporter = new SentryEnvelopeExporter({
      client,
      sessionMode: 'application',
      beforeSend: (e) => (n++ === 0 ? e : null),
    });
    const { provider: p, tracer } = provider(exporter);
    serverTransaction(tracer, 2);
    serverTransaction(tracer, 4);
    await p.forceFlush();
    await exporter.forceFlush();
    await exporter.shutdown();
    expect(seen).toEqual([
      'sessionStart:true',
      'beforeEnvelope:session',
      'beforeSendEvent:transaction',
      'beforeEnvelope:transaction',
      'beforeSendEvent:transaction',
      'afterSendEnvelope:session:200',
      'afterSendEnvelope:transaction:200',
      'clientReport',
      'beforeEnvelope:client_report',
      'afterSendEnvelope:client_report:200',
      'sessionEnd:exited',
      'beforeEnvelope:session',
      'afterSendEnvelope:session:200',
    ]);
    const tx = itemsOf(sink.requests, 'transaction') as SentryEvent[];
    expect(tx).toHaveLength(1);
    expect(tx[0]!.tags).toEqual({ hooked: true });
    const reports = itemsOf(sink.requests, 'client_report');
    expect(reports[0]!.discarded_events).toEqual(
      expect.arrayContaining([
        { reason: 'before_send', category: 'transaction', quantity: 1 },
        { reason: 'before_send', category: 'span', quantity: 5 },
      ]),
    );
    const sessions = itemsOf(sink.requests, 'session');
    expect(sessions.map((s) => [s.init, s.status])).toEqual([
      [true, 'ok'],
      [false, 'exited'],
    ]);
  });

  it('fails export after shutdown, and shutdown is idempotent', async () => {
    const exporter = make();
    await exporter.shutdown();
    await exporter.shutdown();
    const result = await new Promise<{ code: ExportResultCode }>((resolve) => exporter.export([], resolve));
    expect(result.code).toBe(ExportResultCode.FAILED);
  });

  it('is safe under concurrent exports from BatchSpanProcessor', async () => {
    const exporter = make({ maxQueueSize: 1000 });
    const { provider: p, tracer } = provider(exporter, { batch: { maxExportBatchSize: 7, scheduledDelayMillis: 1 } });
    for (let i = 0; i < 50; i++) serverTransaction(tracer, 5);
    await p.forceFlush();
    await exporter.forceFlush();
    const tx = itemsOf(sink.requests, 'transaction') as SentryEvent[];
    expect(tx).toHaveLength(50);
    expect(tx.reduce((sum, t) => sum + t.spans!.length, 0)).toBe(250);
    expect(exporter.pendingDiscards()).toEqual([]);
    await exporter.shutdown();
  });

  it('gzips large bodies', async () => {
    const exporter = make({ compressionThreshold: 100 });
    const { provider: p, tracer } = provider(exporter);
    serverTransaction(tracer, 20);
    await p.forceFlush();
    await exporter.forceFlush();
    expect(sink.requests[0]!.gzip).toBe(true);
    expect(itemsOf(sink.requests, 'transaction')).toHaveLength(1);
    await exporter.shutdown();
  });

  it('trims events over the size limit and counts what it removed', async () => {
    const exporter = make({ maxEventBytes: 20_000 });
    const { provider: p, tracer } = provider(exporter);
    const root = tracer.startSpan('big');
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < 100; i++) tracer.startSpan(`s${i}`, { attributes: { blob: 'x'.repeat(5000) } }, ctx).end();
    root.end();
    await p.forceFlush();
    await exporter.forceFlush();
    const req = sink.requests.find((r) => envelopeOf(r)[1][0]![0].type === 'transaction')!;
    const tx = envelopeOf(req)[1][0]![1] as SentryEvent;
    expect(JSON.stringify(tx).length).toBeLessThanOrEqual(20_000);
    const kept = tx.spans!.length;
    expect(kept).toBeLessThan(100);
    expect(exporter.stats.truncatedStrings).toBeGreaterThan(0);
    const reports = itemsOf(sink.requests, 'client_report');
    expect(reports[0]!.discarded_events).toEqual([
      { reason: 'buffer_overflow', category: 'span', quantity: 100 - kept },
    ]);
    await exporter.shutdown();
  });

  it('caps spans per transaction, the root included, as SentrySpanProcessor does', async () => {
    const exporter = make({ maxSpansPerTransaction: 10 });
    const { provider: p, tracer } = provider(exporter);
    serverTransaction(tracer, 15);
    await p.forceFlush();
    await exporter.forceFlush();
    expect((itemsOf(sink.requests, 'transaction')[0] as SentryEvent).spans).toHaveLength(9);
    expect(itemsOf(sink.requests, 'client_report')[0]!.discarded_events).toEqual([
      { reason: 'buffer_overflow', category: 'span', quantity: 6 },
    ]);
    await exporter.shutdown();
  });

  it('counts drops recorded by other components, directly or through the discardedEvent hook', async () => {
    const client = createClient({ dsn: sink.dsn, env: false });
    const exporter = new SentryEnvelopeExporter({ client, sessionMode: false });
    exporter.recordDroppedEvent('sample_rate', 'transaction', 3);
    exporter.recordDroppedEvent('sample_rate', 'span', 12);
    client.emit('discardedEvent', 'sample_rate', 'span', 4);
    client.emit('discardedEvent', 'queue_overflow', 'span', 2);
    await exporter.forceFlush();
    expect(itemsOf(sink.requests, 'client_report')[0]!.discarded_events).toEqual([
      { reason: 'sample_rate', category: 'transaction', quantity: 3 },
      { reason: 'sample_rate', category: 'span', quantity: 16 },
      { reason: 'queue_overflow', category: 'span', quantity: 2 },
    ]);
    await exporter.shutdown();
    expect(client.hasHooks('discardedEvent')).toBe(false);
  });
});

describe('direct JSON mapping', () => {
  it('writes the same transaction as the object path', async () => {
    const { spansToTransaction } = await import('../src/span-to-event.js');
    const { Scrubber } = await import('../src/scrubber.js');
    const { InMemorySpanExporter } = await import('@opentelemetry/sdk-trace-base');
    const memory = new InMemorySpanExporter();
    const { tracer } = provider(memory);
    const linked = { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), traceFlags: 1 };
    const root = tracer.startSpan('GET', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/a/"b"',
        'app.note': 'ü\n\u0001 \ud800',
        'http.response.status_code': 201,
      },
      links: [{ context: linked, attributes: { 'sentry.link.type': 'previous_trace', token: 'x' } }],
    });
    root.addEvent('ttfb', { 'sentry.measurement_value': 12.5, 'sentry.measurement_unit': 'millisecond' });
    const ctx = trace.setSpan(context.active(), root);
    tracer
      .startSpan(
        'db "q"',
        { attributes: { 'db.system': 'pg', n: 1, list: ['a', 'b'] }, links: [{ context: linked }] },
        ctx,
      )
      .end();
    tracer.startSpan('plain', {}, ctx).end();
    root.end();
    const spans = memory.getFinishedSpans();
    const rootSpan = spans.find((s) => s.name === 'GET')!;
    const children = spans.filter((s) => s !== rootSpan);
    const mctx = {
      scrubber: new Scrubber({ sendDefaultPii: false }),
      release: 'r"1',
      environment: 'prod',
      sdk: { name: 'n', version: '1' },
      platform: 'node',
      maxSpans: 1000,
    };
    const traceInfo = { replayId: REPLAY };
    const direct = spansToTransaction(rootSpan, children, mctx, traceInfo, 'json');
    const objects = spansToTransaction(rootSpan, children, mctx, traceInfo, 'objects');
    const a = JSON.parse(direct.json!);
    const b = JSON.parse(JSON.stringify(objects.event));
    delete a.event_id;
    delete b.event_id;
    expect(a).toEqual(b);
    expect(a.contexts.response).toEqual({ status_code: 201 });
    expect(a.contexts.trace.links).toEqual([
      {
        span_id: 'f'.repeat(16),
        trace_id: 'e'.repeat(32),
        sampled: true,
        attributes: { 'sentry.link.type': 'previous_trace', token: '[Filtered]' },
      },
    ]);
    const db = a.spans.find((x: { op: string }) => x.op === 'db');
    expect(db.links).toEqual([{ span_id: 'f'.repeat(16), trace_id: 'e'.repeat(32), sampled: true }]);
    expect(a.spans.find((x: { op: string }) => x.op === 'default').links).toBeUndefined();
  });
});
