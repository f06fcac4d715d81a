/**
 * One trial: one set-up × one scenario × one round, in a fresh service process.
 *
 * 1. warm-up at max load; 2. max-load run (req/s, p99, the service's CPU % from /proc);
 * 3. flush; 4. a short warm-up then a run at the fixed offered rate (CPU µs per request from
 * the /proc CPU delta ÷ requests answered, p99); 5. RSS; 6. final flush, the service's count
 * of sampled roots, and what the receiver got for this run. The service is always stopped.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startService, stopChild } from './children.js';
import type { RunCounts } from './ingest.js';
import { request } from './ipc.js';
import { type LoadResult, runLoad } from './load.js';
import { cpuMicros, cpuTimes, rssBytes } from './proc-stats.js';
import { SCENARIO, type ScenarioName } from './scenarios.js';
import { type SetupName, setupInfo } from './setups.js';

export const SERVICE_CPU = 1;
export const LOAD_CPU = 0;

export interface TrialConfig {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly fixedRate: number;
  readonly connections: number;
  readonly flushMs: number;
  /** Folder for `--cpu-prof`, when this trial's set-up is profiled. */
  readonly cpuProfDir?: string | undefined;
  readonly extraNodeArgs?: readonly string[];
}

export interface Receiver {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
}

export interface TrialResult {
  readonly setup: SetupName;
  readonly scenario: ScenarioName;
  readonly round: number;
  readonly max: LoadResult;
  /** Service CPU time ÷ wall time during the max-load run, in % of one core. */
  readonly serviceCpuPct: number;
  /** Orchestrator (autocannon) + receiver CPU during the max-load run, in % of one core. */
  readonly loadCpuPct: number;
  /** Steal time of the service's CPU during the max-load run, in % (a noisy neighbour on the host). */
  readonly stealPct: number;
  /**
   * CPU 1 time used by processes other than the service during the max-load run, in %: other
   * work on this machine (tests, builds) that took the service's core.
   */
  readonly othersOnServiceCpuPct: number;
  readonly fixed: LoadResult;
  readonly cpuMicrosPerRequest: number;
  readonly rssBytes: number;
  readonly handled: number;
  readonly sampledRoots: number;
  readonly flushMs: number;
  readonly counts: RunCounts;
}

let nextRun = 1;

function cpuOfSelf(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

export async function runTrial(
  receiver: Receiver,
  setup: SetupName,
  scenarioName: ScenarioName,
  round: number,
  config: TrialConfig,
): Promise<TrialResult> {
  const scenario = SCENARIO[scenarioName];
  const info = setupInfo(setup);
  const run = nextRun++;
  await request(receiver.child, 'config', { run, delayMs: scenario.receiverDelayMs }, 5_000);
  const nodeArgs = [...(config.extraNodeArgs ?? [])];
  if (config.cpuProfDir) nodeArgs.unshift('--cpu-prof', `--cpu-prof-dir=${config.cpuProfDir}`);
  const service = await startService({
    cpu: SERVICE_CPU,
    setupFile: info.file,
    nodeArgs,
    receiverPort: receiver.port,
    run,
    sampleRate: scenario.sampleRate,
    flushMs: config.flushMs,
    label: `${setup}/${scenarioName}`,
  });
  try {
    const makeHeaders = scenario.headers;
    const headers = makeHeaders ? () => makeHeaders(info.wire === 'otlp') : undefined;
    const load = { url: `http://127.0.0.1:${service.port}/checkout`, connections: config.connections, headers };
    const flush = async () =>
      Number((await request(service.child, 'flush', { timeoutMs: config.flushMs }, config.flushMs + 5_000)).flushMs);

    await runLoad({ ...load, seconds: config.warmupSeconds });

    const cpu0 = cpuMicros(service.pid);
    const load0 = cpuOfSelf() + cpuMicros(receiver.pid);
    const times0 = cpuTimes(SERVICE_CPU);
    const t0 = performance.now();
    const max = await runLoad({ ...load, seconds: config.seconds });
    const wallMicros = (performance.now() - t0) * 1000;
    const serviceCpuPct = ((cpuMicros(service.pid) - cpu0) / wallMicros) * 100;
    const loadCpuPct = ((cpuOfSelf() + cpuMicros(receiver.pid) - load0) / wallMicros) * 100;
    const times1 = cpuTimes(SERVICE_CPU);
    const stealPct = ((times1.steal - times0.steal) / wallMicros) * 100;
    const othersOnServiceCpuPct = Math.max(0, ((times1.busy - times0.busy) / wallMicros) * 100 - serviceCpuPct);

    let flushMs = await flush();
    await sleep(500);
    await runLoad({ ...load, overallRate: config.fixedRate, seconds: Math.min(2, config.warmupSeconds) });
    const cpu1 = cpuMicros(service.pid);
    const fixed = await runLoad({ ...load, overallRate: config.fixedRate, seconds: config.seconds });
    const cpuMicrosPerRequest = (cpuMicros(service.pid) - cpu1) / Math.max(1, fixed.ok);
    const rss = rssBytes(service.pid);

    flushMs = Math.max(flushMs, await flush());
    const stats = await request(service.child, 'stats', {}, 5_000);
    await sleep(200); // the last answers' bodies were counted before they were answered; margin only
    const { counts } = await request<{ id: number; ok: boolean; counts: RunCounts }>(
      receiver.child,
      'counts',
      { run },
      5_000,
    );
    return {
      setup,
      scenario: scenarioName,
      round,
      max,
      serviceCpuPct,
      loadCpuPct,
      stealPct,
      othersOnServiceCpuPct,
      fixed,
      cpuMicrosPerRequest,
      rssBytes: rss,
      handled: Number(stats.handled),
      sampledRoots: Number(stats.sampledRoots),
      flushMs,
      counts,
    };
  } finally {
    await stopChild(service.child);
  }
}
