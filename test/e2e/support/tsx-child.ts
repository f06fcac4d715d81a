/**
 * A TypeScript script run the way the examples and snippets run (`node --import tsx <script>`)
 * as a child process, with what it prints gathered into one text.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface TsxChild {
  readonly process: ChildProcess;
  /** Everything printed so far, stdout and stderr as they came. */
  output(): string;
  /** Settles when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `script` in `cwd` with exactly `env` (the caller adds `process.env` if it wants it). */
export function startTsx(script: string, options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }): TsxChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const gather = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout?.on('data', gather);
  child.stderr?.on('data', gather);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { process: child, output: () => output, exited };
}
