/**
 * End-to-end benchmark: the same `node:http` service under seven tracing set-ups and two (or three)
 * scenarios, each trial in a fresh service process pinned to CPU 1, with autocannon (this
 * process) and the loopback receiver pinned to CPU 0. Trials are interleaved round-robin
 * (the set-up order rotates every round); the tables show medians over rounds.
 *
 *   cd test && npx -y pnpm@10.34.8 run bench:e2e
 *
 * Environment:
 *   E2E_ROUNDS (5), E2E_SECONDS (6: each measured run), E2E_WARMUP_SECONDS (1.5),
 *   E2E_SCENARIOS (continue,head-10; also continue-100),
 *   E2E_SETUPS (none,otel-otlp,otel-sentry,otel-sentry-stream,otel-sentry-otlp,sentry-node-10,sentry-node-11),
 *   E2E_FIXED_RATE (500 req/s), E2E_CONNECTIONS (16), E2E_FLUSH_MS (10000),
 *   E2E_CPU_PROF=<set-up> (or --cpu-prof=<set-up>): after the rounds, one more trial per scenario of
 *     that set-up with `node --cpu-prof` (not in the tables); prints the top 25 self-time functions
 *     (functionName + url, summed over the profiles of the trial's threads) and self time per package,
 *   E2E_VERBOSE=1: echo the children's output,
 *   E2E_PACKAGES_DIR=<dir>: load the otel-sentry packages from <dir>/<name>/dist/esm (a snapshot build)
 *     instead of the workspace's dist,
 *   E2E_SENTRY11_OTEL=0: Sentry SDK 11 without `enableOpenTelemetrySetup` (no `work` span).
 *
 * Writes the tables to `bench/e2e/last-results.md` as well.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { E2E_DIR, installCleanup, pinSelf, startReceiver, stopChild } from './children.js';
import { summarizeProfiles } from './cpu-profile.js';
import { rootsReceived } from './ingest.js';
import { detailsTable, profileTable, roundRatios, SATURATED_CPU_PCT, scenarioTable } from './report.js';
import { parseScenarios, SCENARIO } from './scenarios.js';
import { parseSetups, SETUPS, type SetupName } from './setups.js';
import { LOAD_CPU, runTrial, type TrialResult } from './trial.js';

function numberEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be a positive number, got ${value}`);
  return parsed;
}

const cpuProfArg = process.argv.find((arg) => arg.startsWith('--cpu-prof'))?.split('=')[1];
const cpuProf = (cpuProfArg ?? process.env.E2E_CPU_PROF) as SetupName | undefined;
if (cpuProf && !SETUPS.includes(cpuProf)) throw new Error(`E2E_CPU_PROF: unknown set-up ${cpuProf}`);

const config = {
  rounds: Math.floor(numberEnv('E2E_ROUNDS', 5)),
  seconds: numberEnv('E2E_SECONDS', 6),
  warmupSeconds: numberEnv('E2E_WARMUP_SECONDS', 1.5),
  fixedRate: Math.floor(numberEnv('E2E_FIXED_RATE', 500)),
  connections: Math.floor(numberEnv('E2E_CONNECTIONS', 16)),
  flushMs: Math.floor(numberEnv('E2E_FLUSH_MS', 10_000)),
  scenarios: parseScenarios(process.env.E2E_SCENARIOS),
  setups: parseSetups(process.env.E2E_SETUPS),
};

const packagesDir = process.env.E2E_PACKAGES_DIR ?? fileURLToPath(new URL('../../../packages', import.meta.url));
for (const name of ['core', 'propagator', 'span-processor', 'exporter']) {
  const dist = join(packagesDir, name, 'dist/esm/index.js');
  if (config.setups.some((setup) => setup.startsWith('otel-sentry')) && !existsSync(dist)) {
    throw new Error(`${dist} is missing: run \`npx -y pnpm@10.34.8 run build\` at the repository root first`);
  }
}

installCleanup();
pinSelf(LOAD_CPU);

const trialsTotal = config.rounds * config.scenarios.length * config.setups.length;
const perTrial = 2 + config.warmupSeconds + Math.min(2, config.warmupSeconds) + 2 * config.seconds + 2;
console.log(
  `e2e: ${config.rounds} round(s) × ${config.scenarios.join(', ')} × ${config.setups.join(', ')} = ${trialsTotal} trials, ` +
    `about ${Math.ceil((trialsTotal * perTrial) / 60)} min. Service on CPU 1, autocannon + receiver on CPU ${LOAD_CPU}.`,
);

const profRoot = cpuProf ? mkdtempSync(join(tmpdir(), 'otel-sentry-e2e-prof-')) : undefined;
/** Requests the profiled trial of each scenario served, to put its profile per request. */
const profiledRequests = new Map<string, number>();
const receiver = await startReceiver(LOAD_CPU);

const trials: TrialResult[] = [];
const failures: string[] = [];

function describe(trial: TrialResult): string {
  return (
    `${trial.max.reqPerSec.toFixed(0)} req/s (service CPU ${trial.serviceCpuPct.toFixed(0)} %, ` +
    `load CPU ${trial.loadCpuPct.toFixed(0)} %), p99 ${trial.max.p99Ms} ms; ` +
    `${trial.cpuMicrosPerRequest.toFixed(0)} µs/req @ ${trial.fixed.reqPerSec.toFixed(0)}/s; ` +
    `sampled ${trial.sampledRoots}, received ${rootsReceived(trial.counts)}`
  );
}

/** Runs one trial; a failure is recorded and the run goes on. */
async function attempt(label: string, run: () => Promise<TrialResult>): Promise<TrialResult | undefined> {
  try {
    const trial = await run();
    console.log(`${label}: ${describe(trial)}`);
    return trial;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${label}: ${message}`);
    console.error(`${label}: FAILED ${message}`);
    return undefined;
  }
}

try {
  for (let round = 1; round <= config.rounds; round++) {
    for (const scenario of config.scenarios) {
      const shift = (round - 1) % config.setups.length;
      const order = [...config.setups.slice(shift), ...config.setups.slice(0, shift)];
      for (const setup of order) {
        const trial = await attempt(`round ${round}/${config.rounds} ${scenario} ${setup}`, () =>
          runTrial(receiver, setup, scenario, round, config),
        );
        if (trial) trials.push(trial);
      }
    }
  }
  // The profiled trials come after the measured rounds and stay out of the tables: a profiler
  // slows the service down.
  if (profRoot && cpuProf) {
    for (const scenario of config.scenarios) {
      const cpuProfDir = join(profRoot, scenario);
      mkdirSync(cpuProfDir, { recursive: true });
      const trial = await attempt(`profile ${scenario} ${cpuProf} (--cpu-prof, not in the tables)`, () =>
        runTrial(receiver, cpuProf, scenario, 0, { ...config, cpuProfDir }),
      );
      if (trial) profiledRequests.set(scenario, trial.handled);
    }
  }
} finally {
  await stopChild(receiver.child, 3_000);
}

const lines: string[] = [];
lines.push(
  `# End-to-end benchmark (\`bench:e2e\`)`,
  '',
  `${new Date().toISOString()} · Node ${process.version} · ${config.rounds} round(s), ${config.seconds} s per measured run ` +
    `after ${config.warmupSeconds} s warm-up · ${config.connections} connections · fixed rate ${config.fixedRate} req/s · ` +
    `service pinned to CPU 1, autocannon + receiver to CPU ${LOAD_CPU} · medians over rounds.` +
    (process.env.E2E_PACKAGES_DIR ? ` otel-sentry packages from \`${process.env.E2E_PACKAGES_DIR}\`.` : '') +
    (cpuProf ? ` Profiles of ${cpuProf} come from one extra trial per scenario, not in the tables.` : ''),
  '',
  'Delivered %: traced requests that reached the receiver (transactions, streamed segment spans, or OTLP server',
  'spans) ÷ sampled roots counted in the service, over the service process lifetime (warm-up, max-load and',
  'fixed-rate runs, then a bounded flush). Reported lost: client-report discards of sampled roots by reason',
  '(`sample_rate` excluded). Unaccounted = 100 − delivered − reported lost.',
  `† the service used less than ${SATURATED_CPU_PCT} % of its core during the max-load run: that req/s is a lower bound`,
  '(closed-loop load: autocannon and the service take turns; or other processes took CPU 1 — see the details table).',
);
const options = { setups: config.setups, fixedRate: config.fixedRate };
for (const scenario of config.scenarios) {
  lines.push(
    '',
    `## ${scenario}`,
    '',
    scenarioTable(trials, scenario, options),
    '',
    detailsTable(trials, scenario, options),
  );
  const ratios = roundRatios(trials, scenario, options, SCENARIO[scenario].goal);
  if (ratios !== '') lines.push('', ratios);
}
if (failures.length) lines.push('', '## Failed trials', '', ...failures.map((f) => `- ${f}`));
if (profRoot && cpuProf) {
  for (const scenario of config.scenarios) {
    const summary = summarizeProfiles(join(profRoot, scenario));
    if (summary.files === 0) continue;
    const busyPct = (summary.busyMicros / (summary.busyMicros + summary.idleMicros)) * 100;
    const served = profiledRequests.get(scenario);
    lines.push(
      '',
      `## CPU profile: ${cpuProf}, ${scenario} (${summary.files} profile(s), ${(summary.busyMicros / 1000).toFixed(0)} ms busy, ${busyPct.toFixed(0)} % of samples not idle` +
        (served
          ? `, ${served} requests: ${(summary.busyMicros / served).toFixed(0)} µs busy per request, start-up included)`
          : ')'),
      '',
      'Top 25 functions by self time:',
      '',
      profileTable(summary.functions, summary.busyMicros, 25),
      '',
      'Self time by package:',
      '',
      profileTable(summary.packages, summary.busyMicros, 15),
    );
  }
  lines.push('', `Profiles: ${profRoot}`);
}
const text = `${lines.join('\n')}\n`;
console.log(`\n${text}`);
writeFileSync(join(E2E_DIR, 'last-results.md'), text);
process.exit(failures.length && trials.length === 0 ? 1 : 0);
