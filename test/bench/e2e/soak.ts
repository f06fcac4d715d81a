/**
 * Soak: the `otel-sentry` set-up under a constant offered rate (every request continues a
 * sampled trace) against a receiver that answers after 100–300 ms, for E2E_SOAK_SECONDS.
 * Every E2E_SOAK_SAMPLE_SECONDS the service runs `global.gc()` and reports its heap; the
 * script prints the series and checks that the heap at minute 5 is at most the heap at
 * minute 1 + 10 %.
 *
 *   cd test && npx -y pnpm@10.34.8 run bench:soak
 *
 * Environment: E2E_SOAK_SECONDS (300), E2E_SOAK_RATE (300 req/s), E2E_SOAK_SAMPLE_SECONDS (30),
 * E2E_SOAK_DELAY_MS (100), E2E_SOAK_DELAY_MAX_MS (300), E2E_SOAK_SETUP (otel-sentry),
 * E2E_FLUSH_MS (10000), E2E_VERBOSE=1.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { installCleanup, pinSelf, startReceiver, startService, stopChild } from './children.js';
import { type RunCounts, rootsReceived } from './ingest.js';
import { request } from './ipc.js';
import { runLoad } from './load.js';
import { cpuMicros } from './proc-stats.js';
import { fmt } from './report.js';
import { SCENARIO } from './scenarios.js';
import { SETUPS, type SetupName, setupInfo } from './setups.js';
import { LOAD_CPU, SERVICE_CPU } from './trial.js';

function numberEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a number ≥ 0, got ${value}`);
  return parsed;
}

const seconds = numberEnv('E2E_SOAK_SECONDS', 300);
const rate = numberEnv('E2E_SOAK_RATE', 300);
const sampleEvery = Math.max(1, numberEnv('E2E_SOAK_SAMPLE_SECONDS', 30));
const delayMs = numberEnv('E2E_SOAK_DELAY_MS', 100);
const delayMaxMs = numberEnv('E2E_SOAK_DELAY_MAX_MS', 300);
const flushMs = numberEnv('E2E_FLUSH_MS', 10_000);
const setup = (process.env.E2E_SOAK_SETUP ?? 'otel-sentry') as SetupName;
if (!SETUPS.includes(setup) || setup === 'none') throw new Error(`E2E_SOAK_SETUP: not a traced set-up: ${setup}`);

installCleanup();
pinSelf(LOAD_CPU);
console.log(
  `soak: ${setup}, ${rate} req/s for ${seconds} s (every request sampled), receiver answering after ` +
    `${delayMs}–${delayMaxMs} ms, heap after GC every ${sampleEvery} s`,
);

interface Sample {
  readonly t: number;
  readonly heapMB: number;
  readonly rssMB: number;
  readonly cpuPct: number;
}

const run = 1;
const receiver = await startReceiver(LOAD_CPU);
const samples: Sample[] = [];
let exitCode = 0;
try {
  await request(receiver.child, 'config', { run, delayMs, delayMaxMs }, 5_000);
  const info = setupInfo(setup);
  const service = await startService({
    cpu: SERVICE_CPU,
    setupFile: info.file,
    nodeArgs: ['--expose-gc'],
    receiverPort: receiver.port,
    run,
    sampleRate: 1,
    flushMs,
    label: setup,
  });
  try {
    const started = performance.now();
    let lastCpu = cpuMicros(service.pid);
    let lastAt = started;
    let sampling = false;
    const takeSample = async () => {
      if (sampling) return;
      sampling = true;
      try {
        const now = performance.now();
        const cpu = cpuMicros(service.pid);
        const cpuPct = ((cpu - lastCpu) / ((now - lastAt) * 1000)) * 100;
        lastCpu = cpu;
        lastAt = now;
        const heap = await request(service.child, 'heap', {}, 10_000);
        const sample = {
          t: Math.round((now - started) / 1000),
          heapMB: Number(heap.heapUsed) / 2 ** 20,
          rssMB: Number(heap.rss) / 2 ** 20,
          cpuPct,
        };
        samples.push(sample);
        console.log(
          `  t=${sample.t}s heap ${sample.heapMB.toFixed(1)} MB, rss ${sample.rssMB.toFixed(0)} MB, CPU ${cpuPct.toFixed(0)} %`,
        );
      } catch (error) {
        console.error(`  heap sample failed: ${String(error)}`);
      } finally {
        sampling = false;
      }
    };
    const timer = setInterval(takeSample, sampleEvery * 1000);
    const makeHeaders = SCENARIO.continue.headers!;
    let load: Awaited<ReturnType<typeof runLoad>>;
    try {
      load = await runLoad({
        url: `http://127.0.0.1:${service.port}/checkout`,
        connections: 16,
        overallRate: rate,
        // A little past the last sample, so that every sample is taken under the same steady load.
        seconds: seconds + Math.min(5, sampleEvery / 2),
        headers: () => makeHeaders(info.wire === 'otlp'),
      });
    } finally {
      clearInterval(timer);
    }
    if (samples.length === 0) await takeSample();

    const flush = await request(service.child, 'flush', { timeoutMs: flushMs }, flushMs + 5_000);
    const stats = await request(service.child, 'stats', {}, 5_000);
    await sleep(200);
    const { counts } = await request<{ id: number; ok: boolean; counts: RunCounts }>(
      receiver.child,
      'counts',
      { run },
      5_000,
    );

    const sampled = Number(stats.sampledRoots);
    const received = rootsReceived(counts);
    const lost = Object.entries(counts.discarded)
      .filter(([reason]) => reason !== 'sample_rate')
      .map(
        ([reason, byCategory]) => `${reason} ${fmt(((byCategory.transaction ?? 0) / Math.max(1, sampled)) * 100, 1)} %`,
      );
    const lines = [
      '',
      `## Soak: ${setup}, ${rate} req/s for ${seconds} s, receiver ${delayMs}–${delayMaxMs} ms`,
      '',
      `Load: ${load.ok} requests answered (${load.reqPerSec.toFixed(0)}/s), ${load.failed} failed, p99 ${load.p99Ms} ms.`,
      `Delivery: ${sampled} sampled roots, ${received} received (${fmt((received / Math.max(1, sampled)) * 100, 1)} %), ` +
        `reported lost: ${lost.join(', ') || 'none'}; final flush ${Number(flush.flushMs).toFixed(0)} ms.`,
      '',
      `Heap after GC over the run: min ${Math.min(...samples.map((x) => x.heapMB)).toFixed(1)} MB, ` +
        `max ${Math.max(...samples.map((x) => x.heapMB)).toFixed(1)} MB.`,
      '',
      '| t (s) | heap after GC (MB) | RSS (MB) | service CPU % (since previous) |',
      '| ----: | -----------------: | -------: | -----------------------------: |',
      ...samples.map((s) => `| ${s.t} | ${s.heapMB.toFixed(1)} | ${s.rssMB.toFixed(0)} | ${s.cpuPct.toFixed(0)} |`),
    ];
    const at = (t: number) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best));
    if (samples.length >= 2) {
      const lastT = samples[samples.length - 1]!.t;
      const first = at(Math.min(60, lastT * 0.2));
      const last = at(300);
      const ok = last.heapMB <= first.heapMB * 1.1;
      const exact = first.t === 60 && last.t === 300;
      lines.push(
        '',
        `Heap at t=${last.t}s ${last.heapMB.toFixed(1)} MB vs t=${first.t}s ${first.heapMB.toFixed(1)} MB ` +
          `(${fmt((last.heapMB / first.heapMB - 1) * 100, 1)} %): ${ok ? 'PASS' : 'FAIL'} (minute 5 ≤ minute 1 + 10 %)` +
          (exact ? '' : ' — nearest samples; the run was shorter than 5 minutes'),
      );
      if (!ok) exitCode = 1;
    }
    console.log(lines.join('\n'));
  } finally {
    await stopChild(service.child);
  }
} finally {
  await stopChild(receiver.child, 3_000);
}
process.exit(exitCode);
