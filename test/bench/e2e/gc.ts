/**
 * Garbage-collection probe: the e2e service under one scenario at a fixed offered rate, each
 * set-up in a fresh process run with `--trace-gc-nvp`, and what V8's young-generation
 * collector did per request. This is how the 1000 ms batch delay of `SentrySpanProcessor` was
 * found: spans held past one scavenge cycle were promoted to the old generation (1.7 MB per
 * scavenge against OTLP's 5 KB), which cost more than the rest of the pipeline.
 *
 *   cd test && npx -y pnpm@10.34.8 run bench:gc
 *
 * Environment: GC_SETUPS (otel-otlp,otel-sentry), GC_SCENARIO (continue), GC_RATE (3000 req/s;
 * 0 = max load), GC_SECONDS (5), E2E_PACKAGES_DIR (as for `bench:e2e`), GC_RECEIVER_DELAY_MS (the
 * scenario's by default), GC_SAMPLE_RATE (the scenario's by default), GC_WARMUP_SECONDS (2),
 * GC_CPU_PROF_DIR (profile each service with `--cpu-prof` into `<dir>/<set-up>`; the warm-up
 * then runs at the measured rate too), GC_PERF_DIR (run each service with `--perf-basic-prof`
 * and record the measured window with Linux `perf record -g` into `<dir>/<set-up>.data`, printing the request count to divide its samples by; the warm-up
 * runs at the measured rate too). `perf` attributes native, kernel and GC time, which
 * `--cpu-prof` folds into the JS function that was running. GC_NODE_ARGS: extra `node` flags
 * for each service, split on spaces (an `--import` of a heap-sampling probe, a V8 flag).
 *
 * Prints per set-up: req/s, the service's CPU µs per request, scavenges and their pause per
 * request, bytes promoted and surviving per scavenge, bytes allocated per request, and the
 * pause of full collections per request. Read it beside the OTLP row of the same run.
 *
 * A/B of two builds: GC_AB=<dirA>,<dirB> (each a folder like E2E_PACKAGES_DIR's) runs one
 * otel-sentry set-up (the first of GC_SETUPS; `otel-sentry` when it is not set) from A and from
 * B, GC_AB_PAIRS times (4) in the order A B B A, so a drift of the machine's speed falls on both;
 * it then prints the medians of req/s and CPU µs per request of each, and in how many adjacent
 * A-B pairs B used less CPU per request. On a noisy machine one run decides nothing: this is how
 * a change of a few per cent is told from noise.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { installCleanup, pinSelf, startReceiver, startService, stopChild } from './children.js';
import { request } from './ipc.js';
import { runLoad } from './load.js';
import { cpuMicros } from './proc-stats.js';
import { median } from './report.js';
import { parseScenarios, SCENARIO } from './scenarios.js';
import { parseSetups, type SetupName, setupInfo } from './setups.js';
import { LOAD_CPU, SERVICE_CPU } from './trial.js';

const setups = parseSetups(process.env.GC_SETUPS ?? 'otel-otlp,otel-sentry');
const scenario = SCENARIO[parseScenarios(process.env.GC_SCENARIO ?? 'continue')[0]!];
const rate = Number(process.env.GC_RATE ?? 3000);
const seconds = Number(process.env.GC_SECONDS ?? 5);
/** When set, each service also runs under `--cpu-prof` into `<dir>/<set-up>` and warms up at the measured rate. */
const profileDir = process.env.GC_CPU_PROF_DIR;
/** The scenario's receiver delay unless GC_RECEIVER_DELAY_MS says otherwise (what does the round trip cost?). */
const receiverDelayMs = Number(process.env.GC_RECEIVER_DELAY_MS ?? scenario.receiverDelayMs);
/**
 * The scenario's sample rate unless GC_SAMPLE_RATE says otherwise: 0 measures the unsampled path
 * alone, 1 the cost of a sampled request at the scenario's round trip.
 */
const sampleRate = Number(process.env.GC_SAMPLE_RATE ?? scenario.sampleRate);
if (!(sampleRate >= 0 && sampleRate <= 1))
  throw new Error(`GC_SAMPLE_RATE: ${process.env.GC_SAMPLE_RATE} is not a rate from 0 to 1`);
/** Seconds of load before the measured window, at max load (at the measured rate when profiling). */
const warmupSeconds = Number(process.env.GC_WARMUP_SECONDS ?? 2);
if (!(warmupSeconds >= 0))
  throw new Error(`GC_WARMUP_SECONDS: ${process.env.GC_WARMUP_SECONDS} is not a number of seconds`);
/** When set, `perf record` samples each service's measured window into `<dir>/<set-up>.data`. */
const perfDir = process.env.GC_PERF_DIR;
/** GC_AB=<dirA>,<dirB>: the two builds an A/B run compares (see the module comment). */
const ab = parseAb(process.env.GC_AB);
const abPairs = Math.floor(Number(process.env.GC_AB_PAIRS ?? 4));
if (!(abPairs >= 1)) throw new Error(`GC_AB_PAIRS: ${process.env.GC_AB_PAIRS} is not a number of pairs`);

function parseAb(value: string | undefined): { a: string; b: string } | undefined {
  if (value === undefined || value === '') return undefined;
  const dirs = value.split(',').map((dir) => dir.trim());
  if (dirs.length !== 2 || dirs.some((dir) => dir === '')) throw new Error(`GC_AB: ${value} is not <dirA>,<dirB>`);
  for (const dir of dirs) {
    if (!existsSync(`${dir}/node/dist/esm/index.js`))
      throw new Error(`GC_AB: ${dir} holds no built packages (node/dist/esm/index.js)`);
  }
  return { a: dirs[0]!, b: dirs[1]! };
}
/** Extra `node` flags for each service (`--import <probe>`, V8 flags), split on spaces. */
const extraNodeArgs = (process.env.GC_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
/** perf's sampling frequency: odd, so it does not beat against millisecond timers. */
const PERF_HZ = 2999;

/** Starts `perf record` on `pid`; the returned function stops it and waits until its file is written. */
function startPerf(pid: number, file: string): () => Promise<void> {
  const perf = spawn('perf', ['record', '-q', '-g', '-F', String(PERF_HZ), '-p', String(pid), '-o', file], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => {
    perf.once('exit', () => resolve());
    perf.once('error', (error) => {
      console.error(`perf record failed: ${error.message}`);
      resolve();
    });
  });
  return async () => {
    perf.kill('SIGINT');
    await Promise.race([exited, sleep(30_000)]);
  };
}

/** Sums of the `--trace-gc-nvp` lines of one run. */
interface GcTotals {
  scavenges: number;
  scavengePauseMs: number;
  promoted: number;
  survived: number;
  allocated: number;
  fullPauseMs: number;
}

function parseTrace(text: string): GcTotals {
  const t: GcTotals = { scavenges: 0, scavengePauseMs: 0, promoted: 0, survived: 0, allocated: 0, fullPauseMs: 0 };
  for (const line of text.split('\n')) {
    if (!line.includes(' gc=')) continue;
    const field = (name: string): number => Number(new RegExp(`\\b${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    if (line.includes(' gc=s ')) {
      t.scavenges++;
      t.scavengePauseMs += field('pause');
      t.promoted += field('promoted');
      t.survived += field('new_space_survived');
      t.allocated += field('allocated');
    } else {
      t.fullPauseMs += field('pause');
    }
  }
  return t;
}

installCleanup();
pinSelf(LOAD_CPU);
const receiver = await startReceiver(LOAD_CPU);
console.log(
  `bench:gc: ${scenario.name} at ${rate > 0 ? `${rate} req/s` : 'max load'} for ${seconds} s, receiver answering after ${receiverDelayMs} ms, service on CPU ${SERVICE_CPU}`,
);
console.log(
  '| set-up | req/s | CPU µs/req | scavenges | scavenge pause µs/req | promoted KB/scavenge | survived KB/scavenge | allocated B/req | full GC pause µs/req |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
/** What one trial measured. */
interface TrialResult {
  readonly reqPerSec: number;
  readonly cpuPerRequest: number;
}

let run = 1;

/** One set-up in a fresh service process (from `packagesDir` when given); prints its row. */
async function trial(setup: SetupName, label: string, packagesDir: string | undefined): Promise<TrialResult> {
  const info = setupInfo(setup);
  // Children take E2E_PACKAGES_DIR from this process's environment when they start.
  if (packagesDir !== undefined) process.env.E2E_PACKAGES_DIR = packagesDir;
  await request(receiver.child, 'config', { run, delayMs: receiverDelayMs }, 5_000);
  const service = await startService({
    cpu: SERVICE_CPU,
    setupFile: info.file,
    nodeArgs: [
      '--trace-gc-nvp',
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${label}`] : []),
      ...(perfDir ? ['--perf-basic-prof'] : []),
      ...extraNodeArgs,
    ],
    receiverPort: receiver.port,
    run: run++,
    sampleRate,
    flushMs: 10_000,
    label,
  });
  try {
    let trace = '';
    service.child.stdout?.on('data', (text: string) => {
      trace += text;
    });
    const makeHeaders = scenario.headers;
    const load = {
      url: `http://127.0.0.1:${service.port}/checkout`,
      connections: 16,
      headers: makeHeaders ? () => makeHeaders(info.wire === 'otlp') : undefined,
    };
    const offered = rate > 0 ? { overallRate: rate } : {};
    await runLoad({ ...load, ...(profileDir || perfDir ? offered : {}), seconds: warmupSeconds });
    await sleep(300);
    trace = '';
    let stopPerf: (() => Promise<void>) | undefined;
    if (perfDir) {
      mkdirSync(perfDir, { recursive: true });
      stopPerf = startPerf(service.pid, `${perfDir}/${label}.data`);
      await sleep(500);
    }
    const cpu0 = cpuMicros(service.pid);
    const result = await runLoad({ ...load, ...offered, seconds });
    const cpu = cpuMicros(service.pid) - cpu0;
    if (stopPerf) {
      await stopPerf();
      console.log(`perf: ${perfDir}/${label}.data, ${result.ok} requests at ${PERF_HZ} Hz`);
    }
    await sleep(300);
    const t = parseTrace(trace);
    const requests = Math.max(1, result.ok);
    const perRequest = (value: number) => (value / requests).toFixed(1);
    const perScavenge = (bytes: number) => (bytes / Math.max(1, t.scavenges) / 1024).toFixed(0);
    console.log(
      `| ${label} | ${result.reqPerSec.toFixed(0)} | ${perRequest(cpu)} | ${t.scavenges} | ${perRequest(t.scavengePauseMs * 1000)} | ` +
        `${perScavenge(t.promoted)} | ${perScavenge(t.survived)} | ${(t.allocated / requests).toFixed(0)} | ${perRequest(t.fullPauseMs * 1000)} |`,
    );
    return { reqPerSec: result.reqPerSec, cpuPerRequest: cpu / requests };
  } finally {
    await stopChild(service.child);
  }
}

if (ab === undefined) {
  for (const setup of setups) await trial(setup, setup, undefined);
} else {
  // Only the otel-sentry set-ups load the packages from a folder.
  const setup = process.env.GC_SETUPS === undefined ? 'otel-sentry' : setups[0]!;
  if (!setup.startsWith('otel-sentry')) throw new Error(`GC_AB: ${setup} does not load the otel-sentry packages`);
  const results: Record<'A' | 'B', TrialResult[]> = { A: [], B: [] };
  let bCheaper = 0;
  for (let pair = 0; pair < abPairs; pair++) {
    // A B B A: the second pair of each round starts with B, so neither side always goes first.
    const order: Array<'A' | 'B'> = pair % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    const got: Partial<Record<'A' | 'B', TrialResult>> = {};
    for (const side of order) {
      got[side] = await trial(setup, `${setup}-${side}`, side === 'A' ? ab.a : ab.b);
      results[side].push(got[side]!);
    }
    if (got.B!.cpuPerRequest < got.A!.cpuPerRequest) bCheaper++;
  }
  for (const side of ['A', 'B'] as const) {
    const r = results[side];
    console.log(
      `${side} (${side === 'A' ? ab.a : ab.b}): median ${median(r.map((x) => x.reqPerSec)).toFixed(0)} req/s, ` +
        `${median(r.map((x) => x.cpuPerRequest)).toFixed(1)} CPU µs/req`,
    );
  }
  console.log(`B used less CPU per request than A in ${bCheaper} of ${abPairs} pairs`);
}
await stopChild(receiver.child);
process.exit(0);
