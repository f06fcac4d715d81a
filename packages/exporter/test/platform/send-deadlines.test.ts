import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Expiring, SendDeadlines } from '../../src/platform/node/send-deadlines.js';

// Every case runs on fake timers: deadlines are checked to the millisecond.
beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function send(
  deadlines: SendDeadlines,
  name: string,
  timeoutMillis: number,
  timedOut: string[],
  aborted: string[] = [],
): Expiring {
  const s: Expiring = {
    deadline: Date.now() + timeoutMillis,
    timeOut: () => timedOut.push(name),
    abort: () => aborted.push(name),
  };
  deadlines.add(s);
  return s;
}

describe('SendDeadlines', () => {
  it('times each unsettled send out once, at its own deadline, oldest first', async () => {
    const deadlines = new SendDeadlines();
    const timedOut: string[] = [];
    send(deadlines, 'a', 100, timedOut);
    await vi.advanceTimersByTimeAsync(30);
    const b = send(deadlines, 'b', 100, timedOut);
    await vi.advanceTimersByTimeAsync(30);
    send(deadlines, 'c', 100, timedOut);
    deadlines.delete(b); // settled in time

    await vi.advanceTimersByTimeAsync(39);
    expect(timedOut).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(timedOut).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(59);
    expect(timedOut).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(timedOut).toEqual(['a', 'c']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(timedOut).toEqual(['a', 'c']);
  });

  it('re-arms after an early fire for a send that settled, and keeps watching later ones', async () => {
    const deadlines = new SendDeadlines();
    const timedOut: string[] = [];
    const a = send(deadlines, 'a', 50, timedOut);
    deadlines.delete(a);
    await vi.advanceTimersByTimeAsync(10);
    send(deadlines, 'b', 50, timedOut);
    await vi.advanceTimersByTimeAsync(45); // the timer armed for `a` fired at 50: nothing due
    expect(timedOut).toEqual([]);
    await vi.advanceTimersByTimeAsync(5);
    expect(timedOut).toEqual(['b']);
  });

  it('a send that throws from timeOut does not stop the others', async () => {
    const deadlines = new SendDeadlines();
    const timedOut: string[] = [];
    deadlines.add({
      deadline: Date.now() + 10,
      timeOut: () => {
        throw new Error('bug');
      },
      abort: () => undefined,
    });
    send(deadlines, 'b', 10, timedOut);
    await vi.advanceTimersByTimeAsync(10);
    expect(timedOut).toEqual(['b']);
  });

  it('abortAll aborts every send still watched, once, and none that settled', async () => {
    const deadlines = new SendDeadlines();
    const timedOut: string[] = [];
    const aborted: string[] = [];
    send(deadlines, 'a', 100, timedOut, aborted);
    const b = send(deadlines, 'b', 100, timedOut, aborted);
    send(deadlines, 'c', 100, timedOut, aborted);
    deadlines.delete(b);
    deadlines.abortAll(new Error('closed'));
    expect(aborted).toEqual(['a', 'c']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(timedOut).toEqual([]);
  });
});
