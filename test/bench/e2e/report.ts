/**
 * Turns trials into the markdown tables: per scenario, one row per set-up with medians over
 * rounds; the ratio to `otel-otlp` is the median of the per-round ratios (same round, same
 * machine state).
 */
import { rootsReceived, spansReceived } from './ingest.js';
import type { ScenarioName } from './scenarios.js';
import { type SetupName, setupInfo } from './setups.js';
import type { TrialResult } from './trial.js';

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Reasons that are not a loss of a sampled transaction. */
const NOT_A_LOSS = new Set(['sample_rate']);
/** Spans per traced request in the service: the server span and `work`. */
const SPANS_PER_REQUEST = 2;

export interface Delivery {
  /** Roots that arrived ÷ sampled roots, %. */
  readonly deliveredPct: number;
  /** Client-reported losses of sampled roots, % by reason. */
  readonly lostPct: Record<string, number>;
  readonly unaccountedPct: number;
  readonly spansPerRoot: number;
  /** `sample_rate` drops the client reported, in transactions (or span-equivalents). */
  readonly sampleRateDrops: number;
}

export function delivery(trial: TrialResult): Delivery | undefined {
  const { counts, sampledRoots } = trial;
  if (setupInfo(trial.setup).wire === 'none' || sampledRoots === 0) return undefined;
  const roots = rootsReceived(counts);
  const spansPerRoot = roots > 0 ? spansReceived(counts) / roots : SPANS_PER_REQUEST;
  const asRoots = (byCategory: Record<string, number>) =>
    Math.max(byCategory.transaction ?? 0, (byCategory.span ?? 0) / spansPerRoot);
  const lostPct: Record<string, number> = {};
  let lost = 0;
  for (const [reason, byCategory] of Object.entries(counts.discarded)) {
    if (NOT_A_LOSS.has(reason)) continue;
    const pct = (asRoots(byCategory) / sampledRoots) * 100;
    lostPct[reason] = pct;
    lost += pct;
  }
  const deliveredPct = (roots / sampledRoots) * 100;
  return {
    deliveredPct,
    lostPct,
    unaccountedPct: 100 - deliveredPct - lost,
    spansPerRoot,
    sampleRateDrops: counts.discarded.sample_rate ? asRoots(counts.discarded.sample_rate) : 0,
  };
}

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '—';
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return /^-[0.,]+$/.test(text) ? text.slice(1) : text; // no "-0.0"
}

/** Below this service CPU share during the max-load run, the req/s is not the service's limit. */
export const SATURATED_CPU_PCT = 90;

function table(header: string[], align: Array<'l' | 'r'>, rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Max-load req/s per busy core of the service: req/s ÷ the share of its core it used. */
function perBusyCore(t: TrialResult): number {
  return t.max.reqPerSec / (t.serviceCpuPct / 100);
}

/** The `otel-otlp` trial of `t`'s round among `trials` (one scenario's), the base of its ratios. */
function otlpOfRound(trials: readonly TrialResult[], t: TrialResult): TrialResult | undefined {
  return trials.find((b) => b.setup === 'otel-otlp' && b.round === t.round);
}

export interface ReportOptions {
  readonly setups: readonly SetupName[];
  readonly fixedRate: number;
}

/** The main table of one scenario. */
export function scenarioTable(trials: readonly TrialResult[], scenario: ScenarioName, options: ReportOptions): string {
  const header = [
    'set-up',
    'req/s (median)',
    '× otel-otlp',
    'service CPU % during max run',
    `CPU µs/req @ ${options.fixedRate}/s`,
    'p99 ms (max / fixed)',
    'RSS MB',
    'delivered %',
    'reported lost % (by reason)',
    'unaccounted %',
  ];
  const rows: string[][] = [];
  const mine = trials.filter((t) => t.scenario === scenario);
  for (const setup of options.setups) {
    const ts = mine.filter((t) => t.setup === setup);
    if (ts.length === 0) {
      rows.push([setup, 'failed', '', '', '', '', '', '', '', '']);
      continue;
    }
    const ratios = ts.map((t) => {
      const base = otlpOfRound(mine, t);
      return base ? t.max.reqPerSec / base.max.reqPerSec : Number.NaN;
    });
    const fixedShort = ts.some((t) => t.fixed.reqPerSec < options.fixedRate * 0.95);
    const deliveries = ts.map(delivery).filter((d): d is Delivery => d !== undefined);
    const reasons = [...new Set(deliveries.flatMap((d) => Object.keys(d.lostPct)))].sort();
    const lost = reasons
      .map((reason) => `${reason} ${fmt(median(deliveries.map((d) => d.lostPct[reason] ?? 0)), 1)}`)
      .join(', ');
    // Plain OTel + OTLP sends no client reports; otel-sentry-otlp does (as envelopes beside OTLP).
    const isOtlp = setupInfo(setup).wire === 'otlp' && !setup.startsWith('otel-sentry');
    rows.push([
      `${setup}${ts.length < trialsPerSetup(trials, scenario) ? ` (n=${ts.length})` : ''}`,
      `${fmt(median(ts.map((t) => t.max.reqPerSec)))}${median(ts.map((t) => t.serviceCpuPct)) < SATURATED_CPU_PCT ? ' †' : ''}`,
      fmt(median(ratios), 2),
      fmt(median(ts.map((t) => t.serviceCpuPct))),
      `${fmt(median(ts.map((t) => t.cpuMicrosPerRequest)))}${fixedShort ? ' (rate not reached)' : ''}`,
      `${fmt(median(ts.map((t) => t.max.p99Ms)))} / ${fmt(median(ts.map((t) => t.fixed.p99Ms)))}`,
      fmt(median(ts.map((t) => t.rssBytes / 2 ** 20))),
      deliveries.length ? fmt(median(deliveries.map((d) => d.deliveredPct)), 1) : 'n/a',
      deliveries.length ? lost || (isOtlp ? 'n/a (no reports)' : '0') : 'n/a',
      deliveries.length ? fmt(median(deliveries.map((d) => d.unaccountedPct)), 1) : 'n/a',
    ]);
  }
  return table(header, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'r'], rows);
}

function trialsPerSetup(trials: readonly TrialResult[], scenario: ScenarioName): number {
  const rounds = new Set(trials.filter((t) => t.scenario === scenario).map((t) => t.round));
  return rounds.size;
}

/** The supporting numbers of one scenario (medians): what the table's percentages are made of. */
export function detailsTable(trials: readonly TrialResult[], scenario: ScenarioName, options: ReportOptions): string {
  const header = [
    'set-up',
    'requests served',
    'sampled roots',
    'roots received',
    'spans/root',
    'client-reported sample_rate',
    'envelopes / OTLP posts',
    'flush ms',
    'req/s per busy core (max run)',
    'load CPU0 % (autocannon+receiver)',
    'CPU1 steal %',
    'CPU1 used by other processes %',
    'p50 ms max',
    'failed requests',
  ];
  const rows: string[][] = [];
  const mine = trials.filter((t) => t.scenario === scenario);
  for (const setup of options.setups) {
    const ts = mine.filter((t) => t.setup === setup);
    if (ts.length === 0) continue;
    const deliveries = ts.map(delivery).filter((d): d is Delivery => d !== undefined);
    rows.push([
      setup,
      fmt(median(ts.map((t) => t.handled))),
      fmt(median(ts.map((t) => t.sampledRoots))),
      fmt(median(ts.map((t) => rootsReceived(t.counts)))),
      deliveries.length ? fmt(median(deliveries.map((d) => d.spansPerRoot)), 2) : '—',
      deliveries.length ? fmt(median(deliveries.map((d) => d.sampleRateDrops))) : '—',
      fmt(median(ts.map((t) => t.counts.envelopes + t.counts.otlpRequests))),
      fmt(median(ts.map((t) => t.flushMs))),
      fmt(median(ts.map(perBusyCore))),
      fmt(median(ts.map((t) => t.loadCpuPct))),
      fmt(median(ts.map((t) => t.stealPct)), 1),
      fmt(median(ts.map((t) => t.othersOnServiceCpuPct)), 1),
      fmt(median(ts.map((t) => t.max.p50Ms)), 1),
      fmt(median(ts.map((t) => t.max.failed + t.fixed.failed))),
    ]);
  }
  return table(header, ['l', ...header.slice(1).map(() => 'r' as const)], rows);
}

/**
 * Each set-up's per-round ratios to `otel-otlp` (max req/s, and req/s per busy core), in round
 * order, with their medians and how many rounds reach `goal` when one is given: on a noisy
 * machine the spread says as much as the median.
 */
export function roundRatios(
  trials: readonly TrialResult[],
  scenario: ScenarioName,
  options: ReportOptions,
  goal?: number,
): string {
  const mine = trials.filter((t) => t.scenario === scenario);
  const lines: string[] = [];
  for (const setup of options.setups) {
    if (setup === 'otel-otlp' || setup === 'none') continue;
    const raw: number[] = [];
    const busy: number[] = [];
    for (const t of mine.filter((x) => x.setup === setup).sort((a, b) => a.round - b.round)) {
      const base = otlpOfRound(mine, t);
      if (base === undefined) continue;
      raw.push(t.max.reqPerSec / base.max.reqPerSec);
      busy.push(perBusyCore(t) / perBusyCore(base));
    }
    if (raw.length === 0) continue;
    const reach =
      goal === undefined ? '' : `; ${raw.filter((r) => r >= goal).length} of ${raw.length} rounds ≥ ${goal}×`;
    lines.push(
      `- ${setup}: ${raw.map((r) => fmt(r, 2)).join(', ')} (median ${fmt(median(raw), 2)}×${reach}); ` +
        `per busy core ${busy.map((r) => fmt(r, 2)).join(', ')} (median ${fmt(median(busy), 2)}×)`,
    );
  }
  return lines.length === 0
    ? ''
    : ['Per round, × otel-otlp (max req/s; then req/s per busy core):', '', ...lines].join('\n');
}

export function profileTable(rows: Array<{ key: string; micros: number }>, busyMicros: number, limit: number): string {
  return table(
    ['#', 'self ms', 'self %', 'function  url'],
    ['r', 'r', 'r', 'l'],
    rows
      .slice(0, limit)
      .map((r, i) => [
        String(i + 1),
        fmt(r.micros / 1000),
        fmt((r.micros / busyMicros) * 100, 1),
        r.key.replaceAll('|', '\\|'),
      ]),
  );
}
