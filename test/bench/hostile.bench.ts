/**
 * Hostile input against every parser of untrusted input (issue 12): the worst inputs we know
 * of, timed beside a normal header of the same size. Goal: no input takes more than about 50×
 * the time of the normal one (before the fix, the 1 MiB baggage of issue 12 took 1.6–3 s of
 * synchronous CPU in `extract`, against ≈ 7 ms for a normal 1 MiB header).
 *
 * The property tests (`hostile-input.property.test.ts` in core and the propagator) prove the
 * parsers linear and capped by counting the characters they visit; this script shows what
 * that means in time.
 *
 * Run: `pnpm run bench:hostile` in `test/` (build the packages first: they resolve to `dist`).
 * Options: `--rounds N` (default 3), `--ms N` minimum CPU time per measurement (default 40),
 * `--filter text` (rows whose operation or input contains it), `--json`.
 */
import { cpus } from 'node:os';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  createClient,
  dscFromBaggage,
  getFrozenDsc,
  parseBaggage,
  parseDsn,
  parseEnvelope,
  parseSentryTrace,
  readIncomingDsc,
} from '@otel-sentry/core';
import { SentryPropagator } from '@otel-sentry/propagator';
import { do_not_optimize, measure } from 'mitata';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const ROUNDS = Number(arg('--rounds') ?? 3);
const MIN_CPU_TIME_NS = Number(arg('--ms') ?? 40) * 1e6;
const filter = arg('--filter');
/** The goal: a hostile input costs at most this many times a normal one of its size. */
const GOAL = 50;

const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1e3;
};
const gc = (globalThis as { gc?: () => void }).gc;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

// ------------------------------------------------------------------------------------------
// Inputs.

const KIB = 1024;
const SIZES = [8 * KIB, 64 * KIB, 1024 * KIB];
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

/** `body` repeated after `prefix` to exactly `size` characters. */
function fill(prefix: string, body: string, size: number): string {
  const rest = Math.max(0, size - prefix.length);
  return (prefix + body.repeat(Math.ceil(rest / body.length) + 1)).slice(0, size);
}

/** A normal baggage header: Sentry's members, then ordinary vendor members, to `size` characters. */
function normalBaggage(size: number): string {
  const sentry = [
    `sentry-trace_id=${TRACE_ID}`,
    'sentry-public_key=49d0f7386ad645858ae85020e393bef3',
    'sentry-release=frontend%401.4.2',
    'sentry-environment=production',
    'sentry-transaction=GET%20%2Fapi%2Fusers',
    'sentry-sample_rate=0.25',
    'sentry-sample_rand=0.123456',
    'sentry-sampled=true',
  ].join(',');
  let out = sentry;
  for (let i = 0; ; i++) {
    const next = `${out},vendor-${i}=value-${i}-abcdefghijklmnop`;
    if (next.length > size) return out;
    out = next;
  }
}

/** The hostile baggage shapes: what made the old scanner quadratic, and its relatives. */
const HOSTILE_BAGGAGE: ReadonlyArray<[string, (size: number) => string]> = [
  ['issue 12: a full member, then b=c,…', (n) => fill(`sentry-a=${'x'.repeat(8183)},`, 'b=c,', n)],
  ['issue 12, one non-ASCII character', (n) => fill(`sentry-a=${'x'.repeat(8181)}é,`, 'b=c,', n)],
  ['sentry- members, no ";" anywhere', (n) => fill('', 'sentry-k=v,', n)],
  ['"sentry-" inside one value', (n) => fill('sentry-a=', 'sentry-', n)],
  ['commas only', (n) => fill('', ',', n)],
  ['whitespace, then a member', (n) => `${' '.repeat(n - 12)}sentry-a=b`],
  ['one key, no "="', (n) => fill('', 'a', n)],
  ['escapes that take the slow decoder', (n) => fill('sentry-a=', '%E0', n)],
  ['properties', (n) => fill('sentry-a=b', ';p', n)],
  ['CR/LF members (dropped at extract)', (n) => fill('', 'sentry-r=a\r\nb,', n)],
];

/** A normal tracestate of `size` characters: ordinary vendor members. */
function normalTraceState(size: number): string {
  let out = 'congo=t61rcWkgMzE';
  for (let i = 0; out.length < size; i++) out += `,vendor${i}=opaque-value-${i}`;
  return out.slice(0, size);
}

const HOSTILE_TRACESTATE: ReadonlyArray<[string, (size: number) => string]> = [
  ['commas only', (n) => fill('', ',', n)],
  ['one member, no commas', (n) => fill('k=', 'v', n)],
  ['invalid members', (n) => fill('', 'K@@=\u0000,', n)],
];

function envelopeOfSize(size: number): string {
  const item = `{"type":"transaction","length":${'{"transaction":"GET /x","spans":[]}'.length}}\n{"transaction":"GET /x","spans":[]}\n`;
  return fill(`{"event_id":"${TRACE_ID}"}\n`, item, size);
}

const HOSTILE_ENVELOPE: ReadonlyArray<[string, (size: number) => string]> = [
  ['blank lines', (n) => fill('{}\n', '\n', n)],
  ['item headers without payloads', (n) => fill('{}\n', '{"type":"x"}\n', n)],
  ['deep JSON nesting', (n) => `{}\n{"type":"event"}\n${fill('', '[', n - 20)}`],
];

// ------------------------------------------------------------------------------------------
// Operations.

const client = createClient({ env: false, dsn: 'https://public@o1.ingest.example.com/1' });
const propagator = new SentryPropagator({ client });
const span = new BasicTracerProvider().getTracer('bench').startSpan('request');
const spanContext = trace.setSpan(ROOT_CONTEXT, span);

interface Row {
  readonly op: string;
  readonly input: string;
  readonly size: number;
  readonly normal: () => unknown;
  readonly hostile: () => unknown;
}

function baggageRows(op: string, run: (header: string) => unknown): Row[] {
  const rows: Row[] = [];
  for (const size of SIZES) {
    const normal = normalBaggage(size);
    for (const [input, make] of HOSTILE_BAGGAGE) {
      const hostile = make(size);
      rows.push({ op, input, size, normal: () => run(normal), hostile: () => run(hostile) });
    }
  }
  return rows;
}

const extractBaggage = (baggage: string) =>
  getFrozenDsc(
    propagator.extract(ROOT_CONTEXT, { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`, baggage }, defaultTextMapGetter),
  )?.dsc;
const extractTraceState = (tracestate: string) =>
  propagator.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate }, defaultTextMapGetter);
const injectOnto = (baggage: string) => {
  const carrier: Record<string, string> = { baggage };
  propagator.inject(spanContext, carrier, defaultTextMapSetter);
  return carrier;
};

const rows: Row[] = [
  ...baggageRows('parseBaggage', (h) => parseBaggage(h)),
  ...baggageRows('dscFromBaggage', (h) => dscFromBaggage(h)),
  ...baggageRows('readIncomingDsc (+ DSC read)', (h) => readIncomingDsc(h)?.frozen.dsc),
  ...baggageRows('SentryPropagator.extract (baggage)', extractBaggage),
  ...baggageRows('SentryPropagator.inject onto outgoing baggage', injectOnto),
];
for (const size of SIZES) {
  const normal = normalTraceState(size);
  for (const [input, make] of HOSTILE_TRACESTATE) {
    const hostile = make(size);
    rows.push({
      op: 'SentryPropagator.extract (tracestate)',
      input,
      size,
      normal: () => extractTraceState(normal),
      hostile: () => extractTraceState(hostile),
    });
  }
  const normalEnvelope = envelopeOfSize(size);
  for (const [input, make] of HOSTILE_ENVELOPE) {
    const hostile = make(size);
    rows.push({
      op: 'parseEnvelope',
      input,
      size,
      normal: () => parseEnvelope(normalEnvelope),
      hostile: () => parseEnvelope(hostile),
    });
  }
  // No normal sentry-trace or DSN is kilobytes long: the normal column is the usual short value.
  const padded = `${' '.repeat(size - 51)}${TRACE_ID}-${SPAN_ID}-1`;
  rows.push({
    op: 'parseSentryTrace',
    input: 'whitespace padding (normal: a 51-character header)',
    size,
    normal: () => parseSentryTrace(`${TRACE_ID}-${SPAN_ID}-1`),
    hostile: () => parseSentryTrace(padded),
  });
  const longDsn = `https://pub:secret@${'a'.repeat(size)}/1`;
  const tryDsn = (text: string) => {
    try {
      return parseDsn(text);
    } catch (error) {
      return error;
    }
  };
  rows.push({
    op: 'parseDsn',
    input: 'a long host (normal: a SaaS DSN)',
    size,
    normal: () => tryDsn('https://49d0f7386ad645858ae85020e393bef3@o1.ingest.sentry.io/4505'),
    hostile: () => tryDsn(longDsn),
  });
}

// ------------------------------------------------------------------------------------------
// Measurement: normal and hostile interleaved within each round; medians across rounds.

const selected = rows.filter((r) => filter === undefined || r.op.includes(filter) || r.input.includes(filter));
const times = new Map<Row, { normal: number[]; hostile: number[] }>(
  selected.map((r) => [r, { normal: [], hostile: [] }]),
);
const opts = { min_cpu_time: MIN_CPU_TIME_NS, now: cpuNow };

for (let round = 0; round < ROUNDS; round++) {
  for (const row of selected) {
    const t = times.get(row)!;
    gc?.();
    t.normal.push((await measure(() => do_not_optimize(row.normal()), opts)).p50);
    gc?.();
    t.hostile.push((await measure(() => do_not_optimize(row.hostile()), opts)).p50);
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}

function time(ns: number): string {
  if (ns < 1_000) return `${ns.toFixed(1)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(2)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}
const size = (n: number) => (n >= 1024 * KIB ? `${n / (1024 * KIB)} MiB` : `${n / KIB} KiB`);

const table = selected.map((row) => {
  const t = times.get(row)!;
  const normal = median(t.normal);
  const hostile = median(t.hostile);
  const ratio = hostile / normal;
  return {
    row,
    normal,
    hostile,
    ratio,
    cells: [
      row.op,
      row.input,
      size(row.size),
      time(normal),
      time(hostile),
      `${ratio.toFixed(1)}x`,
      ratio <= GOAL ? 'ok' : 'OVER',
    ],
  };
});
const header = ['operation', 'input', 'size', 'normal', 'hostile', 'hostile / normal', `<= ${GOAL}x`];
const widths = header.map((h, c) => Math.max(h.length, ...table.map((t) => t.cells[c]!.length)));
const line = (cells: readonly string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;

console.log(
  `\nNode ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}; ` +
    `${ROUNDS} interleaved rounds, medians of mitata's p50 CPU time per call\n`,
);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const t of table) console.log(line(t.cells));
const worst = table.reduce((a, b) => (b.ratio > a.ratio ? b : a));
console.log(
  `\nworst: ${worst.row.op}, ${worst.row.input}, ${size(worst.row.size)}: ${worst.ratio.toFixed(1)}x a normal input ` +
    `(${time(worst.hostile)}) — goal <= ${GOAL}x ${worst.ratio <= GOAL ? 'met' : 'MISSED'}`,
);
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(table.map((t) => ({ ...t.row, normal: t.normal, hostile: t.hostile, ratio: t.ratio }))));
}
