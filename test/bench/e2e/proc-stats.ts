/** CPU time and resident memory of another process, from `/proc/<pid>/stat` and `/proc/<pid>/status`. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU time of every thread of `pid`, in microseconds (clock-tick resolution). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the `(comm)`, which may contain spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS;
}

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

export interface CpuTimes {
  /** Time the CPU ran anything (user, nice, system, irq, softirq), in microseconds. */
  readonly busy: number;
  /** Time the hypervisor ran something else on it, in microseconds. */
  readonly steal: number;
}

/** Busy and steal time of one CPU, over every process, from `/proc/stat`. */
export function cpuTimes(cpu: number): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `));
  // cpuN user nice system idle iowait irq softirq steal …
  const f = (line?.trim().split(/\s+/) ?? []).map(Number);
  const busy = (f[1] ?? 0) + (f[2] ?? 0) + (f[3] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return { busy: (busy * 1e6) / CLOCK_TICKS, steal: ((f[8] ?? Number.NaN) * 1e6) / CLOCK_TICKS };
}
