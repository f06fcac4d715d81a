/**
 * `@otel-sentry/core` against `@sentry/core` 10 (and 11) on the protocol hot paths, in one run:
 * `sentry-trace` parse/format, baggage → DSC, DSC → baggage, envelope serialize/parse.
 *
 * Run: `pnpm run bench:core` in `test/` (build core first: `@otel-sentry/core` resolves to its `dist`).
 * Options: `--rounds N` (default 5), `--ms N` minimum CPU time per measurement (default 100),
 * `--filter text` (ops whose name contains it), `--clock wall` (wall time instead of CPU time),
 * `--json` (every round's figures).
 *
 * Every benchmark rotates through pre-built distinct inputs and hands its result to
 * `do_not_optimize`, so neither a cache of the last input nor dead-code elimination can
 * make an implementation look faster than it is. Each pair is checked to compute the same
 * thing before it is timed.
 */
import { deepStrictEqual, ok } from 'node:assert';
import { cpus } from 'node:os';
import {
  createEnvelope,
  dscFromBaggage,
  dscToBaggage,
  type Envelope,
  formatSentryTrace,
  parseEnvelope,
  parseSentryTrace,
  serializeEnvelope,
} from '@otel-sentry/core';
import * as sentry11 from '@sentry/core';
import * as sentry10 from '@sentry/core-v10';
import { do_not_optimize, measure } from 'mitata';

type SentryEnvelope = [Record<string, unknown>, [Record<string, unknown>, unknown][]];

interface SentryUnderTest {
  readonly extractTraceparentData: (header: string) => unknown;
  readonly generateSentryTraceHeader: (traceId: string, spanId: string, sampled?: boolean) => string;
  readonly baggageHeaderToDynamicSamplingContext: (header: string) => Record<string, string | undefined> | undefined;
  readonly dynamicSamplingContextToSentryBaggageHeader: (dsc: Record<string, string>) => string | undefined;
  readonly serializeEnvelope: (envelope: SentryEnvelope) => string | Uint8Array;
  readonly parseEnvelope: (input: string | Uint8Array) => SentryEnvelope;
}

function sdk(m: typeof sentry10 | typeof sentry11): SentryUnderTest {
  return {
    extractTraceparentData: m.extractTraceparentData,
    generateSentryTraceHeader: m.generateSentryTraceHeader,
    baggageHeaderToDynamicSamplingContext: m.baggageHeaderToDynamicSamplingContext,
    dynamicSamplingContextToSentryBaggageHeader: m.dynamicSamplingContextToSentryBaggageHeader as (
      dsc: Record<string, string>,
    ) => string | undefined,
    // Their envelope types are unions of precise item tuples; the tuple shape is what runs.
    serializeEnvelope: m.serializeEnvelope as (envelope: SentryEnvelope) => string | Uint8Array,
    parseEnvelope: m.parseEnvelope as unknown as (input: string | Uint8Array) => SentryEnvelope,
  };
}

const S10 = sdk(sentry10);
const S11 = sdk(sentry11);

// ------------------------------------------------------------------------------------------
// Inputs: N distinct values per operation, rotated through (N a power of two for the mask).

const N = 256;
const MASK = N - 1;

let seed = 0x9e3779b9;
function random(): number {
  // xorshift32: the same inputs on every run
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}
function hex(length: number): string {
  let out = '';
  while (out.length < length)
    out += Math.floor(random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
}

/**
 * A copy of `text` as a string read off the network is: flat, not the rope of pieces that
 * template literals build (which every parser would first have to flatten).
 */
function wire(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

const traces = Array.from({ length: N }, (_, i) => ({
  traceId: hex(32),
  spanId: hex(16),
  sampled: i % 3 === 0 ? undefined : i % 3 === 1,
}));
const traceHeaders = traces.map((t) => wire(formatSentryTrace(t)));

const ROUTES = ['GET /api/users/:id', 'POST /api/orders', 'GET /healthz', 'PUT /api/carts/:cartId/items/:itemId'];

/** A realistic DSC as a Sentry SDK freezes it: 8 keys, values that need escaping in places. */
function realisticDsc(i: number): Record<string, string> {
  return {
    trace_id: traces[i]!.traceId,
    public_key: '49d0f7386ad645858ae85020e393bef3',
    sample_rate: '0.25',
    sample_rand: random().toFixed(6),
    sampled: i % 2 === 0 ? 'true' : 'false',
    release: `my-app@1.${i % 10}.3`,
    environment: i % 4 === 0 ? 'staging' : 'production',
    transaction: ROUTES[i % ROUTES.length]!,
  };
}

const dscs = Array.from({ length: N }, (_, i) => realisticDsc(i));
/** 9 members: the 8 `sentry-` ones and one foreign, as an incoming request carries them. */
const baggages = dscs.map((dsc, i) => wire(`${dscToBaggage(dsc)},othervendor=session%3D${hex(8)};ttl=${i}`));

const E = 64; // envelopes are large: fewer of them, still far more than any cache would hold
const EMASK = E - 1;

/** A realistic transaction event: an HTTP server root with 20 child spans (db, http.client, middleware). */
function transactionEvent(i: number): Record<string, unknown> {
  const traceId = traces[i]!.traceId;
  const rootSpanId = hex(16);
  const start = 1_763_740_800 + i + random();
  const spans = Array.from({ length: 20 }, (_, s) => {
    const kind = s % 4;
    const spanStart = start + s * 0.0021;
    return {
      span_id: hex(16),
      parent_span_id: rootSpanId,
      trace_id: traceId,
      op: kind === 0 ? 'db' : kind === 1 ? 'http.client' : kind === 2 ? 'middleware.express' : 'function',
      description:
        kind === 0
          ? `SELECT "users"."id", "users"."email", "users"."name" FROM "users" WHERE "users"."id" = $1 LIMIT ${s}`
          : kind === 1
            ? `GET https://payments.internal.example.com/v2/charges/ch_${hex(12)}?expand=customer`
            : kind === 2
              ? `jsonParser ${s}`
              : `computeTotals(${s})`,
      start_timestamp: spanStart,
      timestamp: spanStart + 0.0015 + random() * 0.001,
      status: s === 13 ? 'internal_error' : 'ok',
      origin: 'auto.otel.http',
      data:
        kind === 0
          ? {
              'db.system.name': 'postgresql',
              'db.namespace': 'shop',
              'db.operation.name': 'SELECT',
              'server.address': 'db.internal',
              'server.port': 5432,
              'sentry.op': 'db',
              'sentry.origin': 'auto.otel.http',
            }
          : kind === 1
            ? {
                'http.request.method': 'GET',
                'url.full': 'https://payments.internal.example.com/v2/charges',
                'http.response.status_code': 200,
                'server.address': 'payments.internal.example.com',
                'network.protocol.version': '1.1',
                'sentry.op': 'http.client',
              }
            : { 'code.function.name': `handler${s}`, 'sentry.op': 'function' },
    };
  });
  return {
    type: 'transaction',
    event_id: hex(32),
    platform: 'node',
    transaction: ROUTES[i % ROUTES.length],
    transaction_info: { source: 'route' },
    start_timestamp: start,
    timestamp: start + 0.05,
    release: `my-app@1.${i % 10}.3`,
    environment: 'production',
    contexts: {
      trace: {
        trace_id: traceId,
        span_id: rootSpanId,
        op: 'http.server',
        status: 'ok',
        origin: 'auto.http.otel.http',
        data: { 'http.request.method': 'GET', 'http.route': '/api/users/:id', 'http.response.status_code': 200 },
      },
      otel: { resource: { 'service.name': 'checkout', 'service.version': '1.4.2', 'host.name': `web-${i % 8}` } },
      runtime: { name: 'node', version: 'v20.20.2' },
    },
    measurements: {},
    sdk: { name: 'otel-sentry.javascript', version: '0.1.0' },
    spans,
  };
}

const events = Array.from({ length: E }, (_, i) => transactionEvent(i));
function envelopeHeaders(i: number): Record<string, unknown> {
  return {
    event_id: (events[i] as { event_id: string }).event_id,
    sent_at: new Date(1_763_740_800_000 + i * 1000).toISOString(),
    sdk: { name: 'otel-sentry.javascript', version: '0.1.0' },
    trace: dscs[i],
  };
}
const ourEnvelopes: Envelope[] = events.map((event, i) =>
  createEnvelope(envelopeHeaders(i), [{ headers: { type: 'transaction' }, payload: event }]),
);
const theirEnvelopes: SentryEnvelope[] = events.map((event, i) => [
  envelopeHeaders(i),
  [[{ type: 'transaction' }, event]],
]);
const ourWire = ourEnvelopes.map((e) => wire(serializeEnvelope(e) as string));
const theirWire = theirEnvelopes.map((e) => wire(S10.serializeEnvelope(e) as string));

// ------------------------------------------------------------------------------------------
// Same answers before timing anything.

for (let i = 0; i < N; i++) {
  const t = traces[i]!;
  const ours = parseSentryTrace(traceHeaders[i]);
  ok(ours?.traceId === t.traceId && ours.spanId === t.spanId && ours.sampled === t.sampled);
  for (const s of [S10, S11]) {
    deepStrictEqual(s.extractTraceparentData(traceHeaders[i]!), {
      traceId: t.traceId,
      parentSpanId: t.spanId,
      parentSampled: t.sampled,
    });
    ok(s.generateSentryTraceHeader(t.traceId, t.spanId, t.sampled) === traceHeaders[i]);
    deepStrictEqual({ ...dscFromBaggage(baggages[i]) }, s.baggageHeaderToDynamicSamplingContext(baggages[i]!));
    deepStrictEqual({ ...dscFromBaggage(s.dynamicSamplingContextToSentryBaggageHeader(dscs[i]!)) }, dscs[i]);
  }
}
for (let i = 0; i < E; i++) {
  const ours = parseEnvelope(ourWire[i]!);
  const fromTheirs = parseEnvelope(theirWire[i]!);
  for (const s of [S10, S11]) {
    const [headers, items] = s.parseEnvelope(theirWire[i]!);
    deepStrictEqual(ours?.headers, headers);
    deepStrictEqual(fromTheirs?.headers, headers);
    deepStrictEqual(ours?.items[0]?.payload, items[0]?.[1]);
    deepStrictEqual(fromTheirs?.items[0]?.payload, items[0]?.[1]);
  }
  ok(ourWire[i]!.length > 10_000, 'a realistic 20-span transaction envelope is over 10 kB');
}

// ------------------------------------------------------------------------------------------
// Benchmarks. The machine this runs on is shared and noisy, so the implementations are measured
// in rounds, interleaved (ours, sentry 10, sentry 11, next op, ...): each round gives a ratio
// from measurements taken side by side, and the table shows medians over the rounds.

interface Op {
  readonly name: string;
  /** Ratio sentry 10 / ours the project aims for, if any. */
  readonly goal?: number;
  readonly ours: () => void;
  readonly sentry: (s: SentryUnderTest) => () => void;
}

function rotating<T>(inputs: readonly T[], mask: number, fn: (input: T) => unknown): () => void {
  let i = 0;
  return () => {
    i = (i + 1) & mask;
    do_not_optimize(fn(inputs[i]!));
  };
}

const ops: Op[] = [
  {
    name: 'sentry-trace parse',
    goal: 2,
    ours: rotating(traceHeaders, MASK, parseSentryTrace),
    sentry: (s) => rotating(traceHeaders, MASK, s.extractTraceparentData),
  },
  {
    name: 'sentry-trace format',
    ours: rotating(traces, MASK, formatSentryTrace),
    sentry: (s) => rotating(traces, MASK, (t) => s.generateSentryTraceHeader(t.traceId, t.spanId, t.sampled)),
  },
  {
    name: 'baggage -> DSC (9 members)',
    goal: 4,
    ours: rotating(baggages, MASK, dscFromBaggage),
    sentry: (s) => rotating(baggages, MASK, s.baggageHeaderToDynamicSamplingContext),
  },
  {
    name: 'DSC -> baggage (8 keys)',
    goal: 2,
    ours: rotating(dscs, MASK, dscToBaggage),
    sentry: (s) => rotating(dscs, MASK, s.dynamicSamplingContextToSentryBaggageHeader),
  },
  {
    name: 'envelope serialize (20 spans)',
    goal: 1,
    ours: rotating(ourEnvelopes, EMASK, serializeEnvelope),
    sentry: (s) => rotating(theirEnvelopes, EMASK, s.serializeEnvelope),
  },
  {
    // Both read the same text: what Sentry SDKs send (JSON items without `length`), JSON payloads out.
    name: 'envelope parse (20 spans)',
    goal: 1.5,
    ours: rotating(theirWire, EMASK, parseEnvelope),
    sentry: (s) => rotating(theirWire, EMASK, s.parseEnvelope),
  },
  {
    // Ours on its own output (every item with `length`). Their parser would hand such items back
    // as unparsed bytes, so their column is the no-`length` parse again: not a like-for-like ratio.
    name: 'envelope parse, own wire (info)',
    ours: rotating(ourWire, EMASK, parseEnvelope),
    sentry: (s) => rotating(theirWire, EMASK, s.parseEnvelope),
  },
];

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const ROUNDS = Number(arg('--rounds') ?? 5);
const MIN_CPU_TIME_NS = Number(arg('--ms') ?? 100) * 1e6;
const filter = arg('--filter');
/**
 * By default times are the process's CPU time (getrusage, 1 µs resolution; mitata batches
 * fast operations into long samples): on a shared machine, time spent descheduled is not billed.
 */
const CPU_CLOCK = arg('--clock') !== 'wall';
const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1e3;
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Result {
  ours: number[];
  s10: number[];
  s11: number[];
  ratio: number[];
}

const selected = ops.filter((op) => filter === undefined || op.name.includes(filter));
const results = new Map<Op, Result>(selected.map((op) => [op, { ours: [], s10: [], s11: [], ratio: [] }]));
const runners = new Map(selected.map((op) => [op, { ours: op.ours, s10: op.sentry(S10), s11: op.sentry(S11) }]));

// `node --expose-gc` gives a collector to run between measurements.
const gc = (globalThis as { gc?: () => void }).gc;

for (let round = 0; round < ROUNDS; round++) {
  for (const op of selected) {
    const r = results.get(op)!;
    const fns = runners.get(op)!;
    // mitata's p50 per operation; a collection before each, so one side's garbage is not billed to the next
    const opts = CPU_CLOCK ? { min_cpu_time: MIN_CPU_TIME_NS, now: cpuNow } : { min_cpu_time: MIN_CPU_TIME_NS };
    gc?.();
    const ours = (await measure(fns.ours, opts)).p50;
    gc?.();
    const s10 = (await measure(fns.s10, opts)).p50;
    gc?.();
    const s11 = (await measure(fns.s11, opts)).p50;
    r.ours.push(ours);
    r.s10.push(s10);
    r.s11.push(s11);
    r.ratio.push(s10 / ours);
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}

// ------------------------------------------------------------------------------------------
// The summary table.

function time(ns: number): string {
  if (ns < 1_000) return `${ns.toFixed(1)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(2)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}

const rows = selected.map((op) => {
  const r = results.get(op)!;
  const ratio = median(r.ratio);
  const goal = op.goal === undefined ? '-' : `>= ${op.goal}x ${ratio >= op.goal ? 'met' : 'MISSED'}`;
  return [
    op.name,
    time(median(r.ours)),
    time(median(r.s10)),
    time(median(r.s11)),
    `${ratio.toFixed(2)}x`,
    `${Math.min(...r.ratio).toFixed(2)}-${Math.max(...r.ratio).toFixed(2)}`,
    goal,
  ];
});
const header = [
  'op',
  'otel-sentry time/op',
  `sentry ${sentry10.SDK_VERSION} time/op`,
  `sentry ${sentry11.SDK_VERSION} time/op`,
  'ratio (sentry 10/ours)',
  'ratio range',
  'goal',
];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
const line = (cells: readonly string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;

console.log(
  `\nNode ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}; ` +
    `${ROUNDS} interleaved rounds, medians of mitata's p50 ${CPU_CLOCK ? 'CPU' : 'wall'} time per operation\n`,
);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(selected.map((op) => ({ op: op.name, ...results.get(op) }))));
}
