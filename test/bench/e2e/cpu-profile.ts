/**
 * Reads V8 `.cpuprofile` files (written by `node --cpu-prof`) and sums self time per function
 * (`functionName` + `url`) and per package, over every profile in a folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  readonly key: string;
  readonly micros: number;
}

export interface ProfileSummary {
  readonly files: number;
  /** Sampled time except `(idle)`, in microseconds. */
  readonly busyMicros: number;
  readonly idleMicros: number;
  readonly functions: SelfTime[];
  readonly packages: SelfTime[];
}

const REPO = /^file:\/\/.*?\/work\/main\//;

/** `@scope/name` or `name` for code under node_modules, a short label otherwise. */
export function packageOf(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node: (core)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const ours = /\/packages\/([^/]+)\/dist\//.exec(url);
  if (ours) return `@otel-sentry/${ours[1]}`;
  if (url.includes('/test/bench/e2e/')) return '(bench service)';
  return url;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) return url.slice(modules + '/node_modules/'.length);
  return url.replace(REPO, '');
}

function add(map: Map<string, number>, key: string, micros: number): void {
  map.set(key, (map.get(key) ?? 0) + micros);
}

export function summarizeProfiles(dir: string): ProfileSummary {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      // timeDeltas[i] is the gap before sample i; the time after it belongs to sample i.
      const micros = Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0);
      const node = nodes.get(samples[i] ?? -1);
      if (!node) continue;
      const { functionName, url } = node.callFrame;
      if (functionName === '(idle)') {
        idle += micros;
        continue;
      }
      busy += micros;
      add(byFunction, `${functionName || '(anonymous)'} ${shortUrl(url)}`.trim(), micros);
      add(byPackage, packageOf(url), micros);
    }
  }
  const sorted = (map: Map<string, number>) =>
    [...map].map(([key, micros]) => ({ key, micros })).sort((a, b) => b.micros - a.micros);
  return {
    files: files.length,
    busyMicros: busy,
    idleMicros: idle,
    functions: sorted(byFunction),
    packages: sorted(byPackage),
  };
}
