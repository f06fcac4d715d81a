// SentrySpanProcessor and SentrySampler on the OpenTelemetry JS 3.x line
// (@opentelemetry/sdk-trace 3.x, @opentelemetry/api 1.10, Node >= 22.15), from their built dist.
// Run by scripts/test-compat.sh in an isolated folder; plain node:test, so it needs no
// workspace tooling. (JavaScript, not TypeScript: the 3.x packages are not in the workspace
// and the root typecheck must not look for them.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { createClient, freezeDsc, getLocalRoot, getSpanData, setFrozenDsc } from '@otel-sentry/core';
import { getDetachReason, ownershipRouting, SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';

// The 3.x packages do not export their package.json; this file sits beside their node_modules.
const versionOf = (name) =>
  JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;

/** A processor in front of an InMemorySpanExporter that records each export call. */
function setup(options = {}) {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new InMemorySpanExporter();
  const calls = [];
  const recording = {
    export(spans, done) {
      calls.push(spans.map((s) => s.name));
      exporter.export(spans, done);
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush(),
  };
  const client = createClient({ env: false });
  const { sampler, ...processorOptions } = options;
  const processor = new SentrySpanProcessor({ exporter: recording, client, ...processorOptions });
  const provider = new TracerProvider({ spanProcessors: [processor], ...(sampler ? { sampler } : {}) });
  const tracer = provider.getTracer('compat', '1.0.0');
  return {
    client,
    processor,
    provider,
    tracer,
    exporter,
    calls,
    close: async () => {
      await provider.shutdown();
      contextManager.disable();
      context.disable();
    },
  };
}

let current;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('on @opentelemetry/sdk-trace 3.x', () => {
  it('runs on the 3.x line under Node >= 22.15', () => {
    assert.match(versionOf('@opentelemetry/sdk-trace'), /^3\./);
    assert.match(versionOf('@opentelemetry/api'), /^1\.10\./);
    const [major, minor] = process.versions.node.split('.').map(Number);
    assert.ok(major > 22 || (major === 22 && minor >= 15), `Node ${process.versions.node}`);
  });

  it('assembles nested async spans into one transaction, in one export call, with hooks in order', async () => {
    current = setup();
    const { tracer, processor } = current;
    const hooks = [];
    processor.on('spanStart', (span) => hooks.push(`spanStart:${span.name}`));
    processor.on('transactionStart', (span) => hooks.push(`transactionStart:${span.name}`));
    processor.on('spanEnd', (span) => hooks.push(`spanEnd:${span.name}`));
    processor.on('transactionEnd', (root, spans) => hooks.push(`transactionEnd:${root.name}:${spans.length}`));

    await tracer.startActiveSpan('GET /orders', async (root) => {
      await tracer.startActiveSpan('load', async (load) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        const query = tracer.startSpan('query');
        assert.equal(getLocalRoot(query), root);
        query.end();
        load.end();
      });
      root.end();
    });
    await processor.forceFlush();

    assert.deepEqual(current.calls, [['query', 'load', 'GET /orders']]);
    assert.deepEqual(hooks, [
      'spanStart:GET /orders',
      'transactionStart:GET /orders',
      'spanStart:load',
      'spanStart:query',
      'spanEnd:query',
      'spanEnd:load',
      'spanEnd:GET /orders',
      'transactionEnd:GET /orders:3',
    ]);
  });

  it('records the frozen DSC of a continued trace on its local root', () => {
    current = setup();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const frozen = freezeDsc({ trace_id: traceId, sample_rand: '0.5' });
    const ctx = setFrozenDsc(
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      }),
      frozen,
    );
    const server = current.tracer.startSpan('server', {}, ctx);
    assert.equal(getLocalRoot(server), server);
    assert.equal(getSpanData(server)?.frozenDsc, frozen);
    server.end();
  });

  it('sends a late child as its own transaction, marked late', async () => {
    current = setup();
    const { tracer, processor } = current;
    let background;
    tracer.startActiveSpan('request', (root) => {
      background = tracer.startSpan('background');
      root.end();
    });
    await processor.forceFlush();
    background.end();
    await processor.forceFlush();
    assert.deepEqual(current.calls, [['request'], ['background']]);
    assert.equal(getDetachReason(background), 'late');
  });

  it('is driven by SentrySampler as the provider sampler', () => {
    const client = createClient({ env: false, tracesSampleRate: 0 });
    const sampler = new SentrySampler({ client });
    current = setup({ sampler, client });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const sampledUpstream = setFrozenDsc(
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.NONE,
        isRemote: true,
      }),
      freezeDsc({ trace_id: traceId, sampled: 'true', sample_rate: '0.5', sample_rand: '0.2' }),
    );
    assert.equal(current.tracer.startSpan('new trace').isRecording(), false);
    const continued = current.tracer.startSpan('continued', {}, sampledUpstream);
    assert.equal(continued.isRecording(), true);
    assert.equal(getSpanData(continued)?.sampleRand, 0.2);
    continued.end();
    assert.deepEqual(sampler.takeDiscards(), [
      { reason: 'sample_rate', category: 'transaction', quantity: 1 },
      { reason: 'sample_rate', category: 'span', quantity: 1 },
    ]);
  });

  it('runs ownership routing on the hooks', async () => {
    current = setup();
    ownershipRouting({ rules: [{ route: '/billing/*', team: 'payments' }] }).setup(current.processor);
    current.tracer.startSpan('GET', { attributes: { 'http.route': '/billing/1' } }).end();
    await current.processor.forceFlush();
    assert.equal(current.exporter.getFinishedSpans()[0]?.attributes.team, 'payments');
  });

  it('shuts down once and counts spans that end afterwards', async () => {
    current = setup();
    const open = current.tracer.startSpan('open');
    await Promise.all([current.processor.shutdown(), current.processor.shutdown()]);
    open.end();
    assert.deepEqual(current.processor.takeDiscards(), [
      { reason: 'internal_sdk_error', category: 'span', quantity: 1 },
      { reason: 'internal_sdk_error', category: 'transaction', quantity: 1 },
    ]);
  });
});
