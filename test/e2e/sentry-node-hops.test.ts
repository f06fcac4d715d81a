/**
 * otel-sentry between real Sentry SDK services, over loopback:
 *
 *   @sentry/node 10|11 ──▶ ours ──▶ @sentry/node 10|11
 *                            └──▶ a third party (outside tracePropagationTargets)
 *
 * "ours" is this process: OpenTelemetry's `BasicTracerProvider` with `SentrySampler` and
 * `SentrySpanProcessor`, `@opentelemetry/instrumentation-http`, and `SentryPropagator` listed
 * after `W3CTraceContextPropagator` and `W3CBaggagePropagator`, as the README says. Each Sentry
 * service runs in a child process of its own (support/sentry-node-hop.ts), in one of three
 * modes: errors only (no `tracesSampleRate`), `tracesSampleRate: 0`, `tracesSampleRate: 1`. Every
 * service answers with the headers it received and what its tracing made of them
 * (support/hop-protocol.ts), so one request through the chain shows every hop.
 *
 * Every pair of majors runs on both sides of ours (10→10, 11→11, 10→11, 11→10).
 */

import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { context, propagation, ROOT_CONTEXT, type TextMapPropagator, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  suppressTracing,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { createClient, dscFromBaggage } from '@otel-sentry/core';
import { SentryPropagator } from '@otel-sentry/propagator';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dscMembers, type HopAnswer, hopUrl, replayIdIn, sampledField } from './support/hop-protocol.js';
import { EnvelopeReceiver, type SentryNodeService, startSentryNode } from './support/sentry-node-services.js';

const REQUEST_TIMEOUT_MS = 10_000;
const REPLAY_ID = '6a2b1f0c9d8e4f7a8b3c2d1e0f9a8b7c';
const OLD_REPLAY_ID = '00000000000040008000000000000001';
const TRACE_ID = /^[0-9a-f]{32}$/;

// ---------------------------------------------------------------------------------------
// The Sentry services: three modes of each major, each its own process.

type Major = '10' | '11';
type Mode = 'errors' | '0' | '1';
const MAJORS: readonly Major[] = ['10', '11'];
const MODES: readonly Mode[] = ['errors', '0', '1'];

const receiver = new EnvelopeReceiver();
const services = new Map<string, SentryNodeService>();

function sentry(sdk: Major, mode: Mode): SentryNodeService {
  const service = services.get(`${sdk}/${mode}`);
  if (service === undefined) throw new Error(`@sentry/node ${sdk} (${mode}) did not start`);
  return service;
}

// ---------------------------------------------------------------------------------------
// Ours: the OpenTelemetry service with the otel-sentry plugins, and a third party.

const OURS = { env: false, dsn: 'http://ours@127.0.0.1:1/42', release: 'ours@1.0.0' } as const;
const client = createClient(OURS);
const spans = new InMemorySpanExporter();
// The sampler of ours, set per test: SentrySampler at some rate, or another sampler.
let sampler: Sampler = sentrySampler(0);
const provider = new BasicTracerProvider({
  sampler: { shouldSample: (...args) => sampler.shouldSample(...args), toString: () => `per test: ${sampler}` },
  spanProcessors: [new SentrySpanProcessor({ client, exporter: spans })],
});
// Only requests to a /hop endpoint are ours to trace; the third party is anything else.
const TARGETS = [/\/hop(\?|$)/];
const w3c = [new W3CTraceContextPropagator(), new W3CBaggagePropagator()];
// A backend passes on the replay id that arrived; a browser-like hop asks its recorder.
const backend = new CompositePropagator({
  propagators: [...w3c, new SentryPropagator({ client, tracePropagationTargets: TARGETS })],
});
let recordedReplay: string | undefined;
const withReplaySource = new CompositePropagator({
  propagators: [
    ...w3c,
    new SentryPropagator({ client, tracePropagationTargets: TARGETS, getReplayId: () => recordedReplay }),
  ],
});
let propagator: TextMapPropagator = backend;

const instrumentation = new HttpInstrumentation({
  // The third party and the envelope receiver stand for other processes.
  ignoreIncomingRequestHook: (req) => !(req.url ?? '').startsWith('/hop'),
});
let http: typeof Http;
const servers: Http.Server[] = [];
let oursPort = 0;
let vendorPort = 0;

function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`${url} answered ${res.statusCode}: ${body}`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`${url} timed out`)));
    request.on('error', reject);
  });
}

function pick(headers: Http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['sentry-trace', 'baggage', 'traceparent', 'tracestate']) {
    const value = headers[key];
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/** Ours: the hop protocol; `forward=<sentry-trace>` sets that header by hand on its calls. */
async function oursHandle(req: Http.IncomingMessage): Promise<HopAnswer> {
  const url = new URL(req.url ?? '/', 'http://hop');
  const span = trace.getActiveSpan();
  const answer: HopAnswer = {
    name: 'ours',
    received: pick(req.headers),
    span:
      span === undefined
        ? null
        : {
            traceId: span.spanContext().traceId,
            sampled: (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0,
          },
    calls: [],
  };
  const forward = url.searchParams.get('forward');
  for (const next of url.searchParams.getAll('call')) {
    answer.calls.push(await getJson(next, forward === null ? {} : { 'sentry-trace': forward }));
  }
  return answer;
}

function listen(handler: (req: Http.IncomingMessage) => Promise<unknown>): Promise<number> {
  const server = http.createServer((req, res) => {
    handler(req).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      },
    );
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  await receiver.start();
  // The Sentry services start while ours is set up.
  const starting = MAJORS.flatMap((sdk, i) =>
    MODES.map(async (mode, j) => {
      const project = String(10 * (i + 1) + j);
      services.set(`${sdk}/${mode}`, await startSentryNode(sdk, mode, project, receiver.dsn(project)));
    }),
  );

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator({
    inject: (ctx, carrier, setter) => propagator.inject(ctx, carrier, setter),
    extract: (ctx, carrier, getter) => propagator.extract(ctx, carrier, getter),
    fields: () => propagator.fields(),
  });
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: provider });
  // Required after the instrumentation is registered, so the module it hands out is patched.
  http = createRequire(import.meta.url)('http') as typeof Http;
  oursPort = await listen(oursHandle);
  // The third party answers with the headers it received.
  vendorPort = await listen(async (req) => ({ headers: pick(req.headers) }));

  const started = await Promise.allSettled(starting);
  const failed = started.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed.length > 0) throw failed[0]!.reason;
}, 120_000);

afterAll(async () => {
  for (const service of services.values()) service.stop();
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  await receiver.stop();
  instrumentation.disable();
  await provider.shutdown();
  propagation.disable();
  trace.disable();
  context.disable();
});

// ---------------------------------------------------------------------------------------

/** Sends the test's own request, untraced, with `headers`. */
function start(url: string, headers: Record<string, string> = {}): Promise<HopAnswer> {
  return context.with(suppressTracing(ROOT_CONTEXT), () => getJson(url, headers)) as Promise<HopAnswer>;
}

const ours = (query: Parameters<typeof hopUrl>[1] = {}) => hopUrl(oursPort, query);
const at = (service: SentryNodeService, query: Parameters<typeof hopUrl>[1] = {}) => hopUrl(service.port, query);
const vendorUrl = () => `http://127.0.0.1:${vendorPort}/vendor/api?token=secret`;

function setSampler(next: Sampler): void {
  sampler = next;
}

// A rate given beside a client must be the client's own: each rate gets a client of the same
// project and release (the propagator only reads the rate the sampler hands over).
function sentrySampler(rate: number): SentrySampler {
  return new SentrySampler({ client: createClient({ ...OURS, tracesSampleRate: rate }) });
}

/** The headers the third party received. */
function vendorSaw(answer: unknown): Record<string, string> {
  return (answer as { headers: Record<string, string> }).headers;
}

function expectNothingOfOurs(headers: Record<string, string>): void {
  expect(headers['sentry-trace']).toBeUndefined();
  expect((headers.baggage ?? '').split(',').filter((m) => m.trim().startsWith('sentry-'))).toEqual([]);
  // W3CTraceContextPropagator copies trace state verbatim: none of ours may be in it.
  expect(headers.tracestate ?? '').not.toMatch(/sentry|token|127\.0\.0\.1|vendor/);
}

/** An error event a Sentry service sent for `traceId`, with its envelope's `trace` header. */
async function errorEventOf(
  service: SentryNodeService,
  traceId: string,
): Promise<{ trace: Record<string, unknown>; event: Record<string, unknown> }> {
  await service.flush();
  for (const envelope of receiver.envelopes) {
    if (envelope.project !== service.project) continue;
    for (const item of envelope.items) {
      const event = item.payload as { contexts?: { trace?: { trace_id?: string } } };
      if (item.type === 'event' && event.contexts?.trace?.trace_id === traceId) {
        return { trace: envelope.headers.trace as Record<string, unknown>, event: event as Record<string, unknown> };
      }
    }
  }
  throw new Error(`no error event of trace ${traceId} from @sentry/node ${service.sdk} (${service.mode})`);
}

const PAIRS: ReadonlyArray<readonly [Major, Major]> = [
  ['10', '10'],
  ['11', '11'],
  ['10', '11'],
  ['11', '10'],
];

describe.each(PAIRS)('@sentry/node %s ──▶ ours ──▶ @sentry/node %s', (up, down) => {
  it('errors-only upstream, ours samples out: -0 travels with the DSC as it arrived, and the next Sentry SDK does not sample', async () => {
    setSampler(sentrySampler(0));
    const answer = await start(
      at(sentry(up, 'errors'), { call: [ours({ call: [at(sentry(down, '1')), vendorUrl()] })] }),
    );
    const oursAnswer = answer.calls[0] as HopAnswer;
    const downAnswer = oursAnswer.calls[0] as HopAnswer;

    // An errors-only Sentry SDK defers the decision: no sampled flag, no sentry-sampled.
    expect(sampledField(oursAnswer.received['sentry-trace'])).toBe('');
    expect(dscFromBaggage(oursAnswer.received.baggage)?.sampled).toBeUndefined();
    expect(oursAnswer.span?.sampled).toBe(false);

    const traceId = oursAnswer.received['sentry-trace']!.slice(0, 32);
    expect(downAnswer.received['sentry-trace']).toMatch(new RegExp(`^${traceId}-[0-9a-f]{16}-0$`));
    expect(dscMembers(downAnswer.received.baggage)).toBe(dscMembers(oursAnswer.received.baggage));
    expect(downAnswer.span).toEqual({ traceId, sampled: false });
    expectNothingOfOurs(vendorSaw(oursAnswer.calls[1]));
  });

  it('ours in the place of a Sentry SDK with tracesSampleRate 0 sends what that SDK sends: -0', async () => {
    setSampler(sentrySampler(0));
    const reference = await start(
      at(sentry(up, 'errors'), { call: [at(sentry(down, '0'), { call: [at(sentry(down, '1'))] })] }),
    );
    const ourRun = await start(at(sentry(up, 'errors'), { call: [ours({ call: [at(sentry(down, '1'))] })] }));
    const theirs = ((reference.calls[0] as HopAnswer).calls[0] as HopAnswer).received;
    const mine = ((ourRun.calls[0] as HopAnswer).calls[0] as HopAnswer).received;
    expect(sampledField(theirs['sentry-trace'])).toBe('0');
    expect(sampledField(mine['sentry-trace'])).toBe('0');
  });

  it('errors-only upstream, ours samples: -1 travels, and the next Sentry SDK samples, errors-only or not', async () => {
    setSampler(sentrySampler(1));
    const answer = await start(
      at(sentry(up, 'errors'), { call: [ours({ call: [at(sentry(down, '0')), at(sentry(down, 'errors'))] })] }),
    );
    const oursAnswer = answer.calls[0] as HopAnswer;
    const traceId = oursAnswer.received['sentry-trace']!.slice(0, 32);
    expect(oursAnswer.span).toEqual({ traceId, sampled: true });
    for (const call of oursAnswer.calls as HopAnswer[]) {
      expect(call.received['sentry-trace']).toMatch(new RegExp(`^${traceId}-[0-9a-f]{16}-1$`));
      expect(dscMembers(call.received.baggage)).toBe(dscMembers(oursAnswer.received.baggage));
    }
    // A Sentry SDK with tracesSampleRate 0 still follows the decision made upstream.
    expect((oursAnswer.calls[0] as HopAnswer).span).toEqual({ traceId, sampled: true });
  });

  it("another sampler's not-recording stays deferred: the next Sentry SDK decides for itself", async () => {
    // ParentBased reads the deferred remote parent (flags cleared) as "not sampled"; that is
    // not a decision it made, so the trace is passed on as deferred.
    setSampler(new ParentBasedSampler({ root: new AlwaysOnSampler() }));
    const answer = await start(at(sentry(up, 'errors'), { call: [ours({ call: [at(sentry(down, '1'))] })] }));
    const oursAnswer = answer.calls[0] as HopAnswer;
    expect(oursAnswer.span?.sampled).toBe(false);
    const downAnswer = oursAnswer.calls[0] as HopAnswer;
    expect(sampledField(downAnswer.received['sentry-trace'])).toBe('');
    expect(downAnswer.span?.sampled).toBe(true);
  });

  it('decisions made upstream travel through ours whatever its own rate', async () => {
    setSampler(sentrySampler(1));
    const out = await start(at(sentry(up, '0'), { call: [ours({ call: [at(sentry(down, '1'))] })] }));
    const outOurs = out.calls[0] as HopAnswer;
    expect(sampledField(outOurs.received['sentry-trace'])).toBe('0');
    expect(outOurs.span?.sampled).toBe(false);
    expect(sampledField((outOurs.calls[0] as HopAnswer).received['sentry-trace'])).toBe('0');
    expect((outOurs.calls[0] as HopAnswer).span?.sampled).toBe(false);

    setSampler(sentrySampler(0));
    const kept = await start(at(sentry(up, '1'), { call: [ours({ call: [at(sentry(down, '0'))] })] }));
    const keptOurs = kept.calls[0] as HopAnswer;
    expect(keptOurs.span?.sampled).toBe(true);
    expect(sampledField((keptOurs.calls[0] as HopAnswer).received['sentry-trace'])).toBe('1');
    expect((keptOurs.calls[0] as HopAnswer).span?.sampled).toBe(true);
    // The DSC of the trace, as the Sentry SDK upstream wrote it, reaches the next one unchanged.
    expect(dscMembers((keptOurs.calls[0] as HopAnswer).received.baggage)).toBe(dscMembers(keptOurs.received.baggage));
  });

  it('tracePropagationTargets hold for sampled and unsampled requests; nothing of ours reaches tracestate', async () => {
    for (const [upMode, rate] of [
      ['0', 0],
      ['1', 1],
      ['errors', 0],
    ] as const) {
      setSampler(sentrySampler(rate));
      const answer = await start(
        at(sentry(up, upMode), { call: [ours({ call: [vendorUrl(), at(sentry(down, 'errors'))] })] }),
      );
      const oursAnswer = answer.calls[0] as HopAnswer;
      // The incoming DSC reached ours, and W3C baggage copied it into the third party's
      // request before SentryPropagator ran: it must not leave.
      expect(dscMembers(oursAnswer.received.baggage)).not.toBe('');
      expectNothingOfOurs(vendorSaw(oursAnswer.calls[0]));
      // The Sentry service behind ours still gets the trace.
      const traceId = oursAnswer.received['sentry-trace']!.slice(0, 32);
      expect((oursAnswer.calls[1] as HopAnswer).received['sentry-trace']?.slice(0, 32)).toBe(traceId);
    }
  });

  it('a call whose sentry-trace was set by hand goes out as it was: no DSC of ours beside it', async () => {
    setSampler(sentrySampler(1));
    const forwarded = `${'1'.repeat(32)}-${'2'.repeat(16)}-1`;
    // Ours starts the trace (no upstream), so W3C baggage has nothing to copy: any sentry
    // member the next service receives would be ours.
    const answer = await start(ours({ forward: forwarded, call: [at(sentry(down, '0'))] }));
    const downAnswer = answer.calls[0] as HopAnswer;
    expect(downAnswer.received['sentry-trace']).toBe(forwarded);
    expect(dscMembers(downAnswer.received.baggage)).toBe('');
    // The Sentry SDK continues the trace it was handed, with its decision.
    expect(downAnswer.span).toEqual({ traceId: '1'.repeat(32), sampled: true });
  });

  it('ours at the head of a trace: its decision and its DSC reach the Sentry SDK', async () => {
    for (const rate of [0, 1]) {
      setSampler(sentrySampler(rate));
      const answer = await start(ours({ call: [at(sentry(down, '1'))] }));
      const downAnswer = answer.calls[0] as HopAnswer;
      expect(answer.span?.traceId).toMatch(TRACE_ID);
      expect(downAnswer.received['sentry-trace']).toMatch(new RegExp(`^${answer.span?.traceId}-[0-9a-f]{16}-${rate}$`));
      expect(downAnswer.span).toEqual({ traceId: answer.span?.traceId, sampled: rate === 1 });
      expect(dscFromBaggage(downAnswer.received.baggage)).toMatchObject({
        trace_id: answer.span?.traceId,
        public_key: 'ours',
        release: 'ours@1.0.0',
        sample_rate: String(rate),
        sampled: rate === 1 ? 'true' : 'false',
      });
    }
  });

  it("a replay id reaches the Sentry SDK's error events; a stale one from upstream does not", async () => {
    setSampler(sentrySampler(0));
    const incoming = (traceId: string) => ({
      'sentry-trace': `${traceId}-${'3'.repeat(16)}`,
      baggage: `sentry-trace_id=${traceId},sentry-public_key=upstream,sentry-replay_id=${OLD_REPLAY_ID}`,
    });
    const downErrors = sentry(down, 'errors');
    // A distinct error each time: the SDK's dedupe integration drops a repeat of the last one.
    let errors = 0;
    const chain = () =>
      at(sentry(up, 'errors'), { call: [ours({ call: [at(downErrors, { error: `#${++errors}` })] })] });

    // A backend passes on the replay id that arrived with the trace.
    propagator = backend;
    const passed = 'a'.repeat(32);
    const first = await start(chain(), incoming(passed));
    const passedOn = ((first.calls[0] as HopAnswer).calls[0] as HopAnswer).received;
    expect(replayIdIn(passedOn.baggage)).toBe(OLD_REPLAY_ID);

    try {
      // A hop with a replay recorder sends the replay being recorded...
      propagator = withReplaySource;
      recordedReplay = REPLAY_ID;
      const current = 'b'.repeat(32);
      await start(chain(), incoming(current));
      const withReplay = await errorEventOf(downErrors, current);
      expect(withReplay.trace.replay_id).toBe(REPLAY_ID);
      expect(withReplay.trace.trace_id).toBe(current);

      // ... and none when nothing is recorded: the one that came from upstream is stale.
      recordedReplay = undefined;
      const stale = 'c'.repeat(32);
      const answer = await start(chain(), incoming(stale));
      const received = ((answer.calls[0] as HopAnswer).calls[0] as HopAnswer).received;
      expect(replayIdIn(received.baggage)).toBeUndefined();
      // The DSC goes on as ours received it (the Sentry SDK upstream may have added sample_rand).
      const oursReceived = (answer.calls[0] as HopAnswer).received;
      expect(dscMembers(received.baggage)).toBe(dscMembers(oursReceived.baggage));
      expect(dscFromBaggage(received.baggage)?.trace_id).toBe(stale);
      const withoutReplay = await errorEventOf(downErrors, stale);
      expect(withoutReplay.trace.replay_id).toBeUndefined();
    } finally {
      propagator = backend;
    }
  });
});

describe('what the chains ran', () => {
  it('used both majors of @sentry/node', async () => {
    const names = new Set<string>();
    for (const sdk of MAJORS) {
      const answer = await start(at(sentry(sdk, '1')));
      names.add(answer.name);
    }
    expect([...names].map((n) => /@sentry\/node (\d+)\./.exec(n)?.[1])).toEqual(['10', '11']);
    console.log(`Sentry services: ${[...names].join(', ')}`);
  });
});
