/**
 * `flushOnExit()` of @otel-sentry/node in a real child process (design decision 14): SIGTERM
 * to a service with no listener of its own flushes to the receiver and still ends the process
 * by the signal; with the app's own listener it flushes and leaves the exit to the app; a
 * natural exit flushes on `beforeExit`; a hanging receiver does not hold the exit past the
 * shutdown deadline.
 */
import type { ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from './support/browser.js';
import { type SentryReceiver, startSentryReceiver } from './support/sentry-receiver.js';
import { startTsx, type TsxChild } from './support/tsx-child.js';

// tsx is the test package's; the root tsconfig maps @otel-sentry/* to their sources.
const testDir = fileURLToPath(new URL('..', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
const childScript = fileURLToPath(new URL('./support/exit-flush-child.ts', import.meta.url));

async function startChild(env: Record<string, string>): Promise<TsxChild> {
  const child = startTsx(childScript, { cwd: testDir, env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig, ...env } });
  await until(
    'the child to be ready',
    () => child.output().includes('ready') || child.process.exitCode !== null,
    15_000,
  );
  return child;
}

const transactionsNamed = (receiver: SentryReceiver, name: string) =>
  receiver.payloads('transaction').filter((t) => t.transaction === name);

let receiver: SentryReceiver | undefined;
let hanging: Server | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await receiver?.close();
  receiver = undefined;
  await new Promise<void>((resolve) => (hanging ? hanging.close(() => resolve()) : resolve()));
  hanging = undefined;
});

describe('flushOnExit() in a child process', () => {
  it('on SIGTERM with no other listener: flushes, then exits by the signal as Node would', async () => {
    receiver = await startSentryReceiver(http);
    const child = await startChild({ MODE: 'alone', DSN: receiver.dsn });
    children.push(child.process);
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(transactionsNamed(receiver, 'GET /alone')).toHaveLength(1);
  });

  it("on SIGTERM with the app's own listener: flushes only, and the process stays up", async () => {
    receiver = await startSentryReceiver(http);
    const child = await startChild({ MODE: 'with-listener', DSN: receiver.dsn });
    children.push(child.process);
    child.process.kill('SIGTERM');
    const r = receiver;
    await until('the flushed transaction', () => transactionsNamed(r, 'GET /with-listener').length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.process.exitCode).toBeNull();
    expect(child.process.signalCode).toBeNull();
    expect(child.output()).toContain('app saw SIGTERM');
  });

  it('on a natural exit: flushes on beforeExit and exits with code 0', async () => {
    receiver = await startSentryReceiver(http);
    const child = await startChild({ MODE: 'natural', DSN: receiver.dsn });
    children.push(child.process);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(transactionsNamed(receiver, 'GET /natural')).toHaveLength(1);
  });

  it('with a receiver that never answers: still exits by the signal, within the shutdown deadline', async () => {
    const sockets: Socket[] = [];
    hanging = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hanging?.listen(0, '127.0.0.1', resolve));
    const port = (hanging.address() as { port: number }).port;
    const child = await startChild({ MODE: 'alone', DSN: `http://key@127.0.0.1:${port}/1`, DEADLINE_MILLIS: '500' });
    children.push(child.process);
    const started = Date.now();
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    const took = Date.now() - started;
    for (const socket of sockets) socket.destroy();
    expect(exit.signal).toBe('SIGTERM');
    expect(took).toBeLessThan(2_500);
  });
});
