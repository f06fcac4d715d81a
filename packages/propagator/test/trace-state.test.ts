import { TraceState } from '@opentelemetry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineTraceState } from '../src/trace-state.js';

const member = (i: number, value = 'v') => `k${i}=${value}`;

describe('combineTraceState', () => {
  it('combines every value in order, as one list', () => {
    expect(combineTraceState('a=1')).toBe('a=1');
    expect(combineTraceState(['rojo=00f067aa0ba902b7', 'congo=t61rcWkgMzE'])).toBe(
      'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    );
    // How Node's HTTP server hands repeated headers over: joined with ', '.
    expect(combineTraceState('a=1, b=2,c=3')).toBe('a=1,b=2,c=3');
    expect(combineTraceState(['a=1', 7, null, 'b=2'] as unknown as string[])).toBe('a=1,b=2');
  });

  it('leaves out empty and invalid members, and later repeats of a key', () => {
    expect(combineTraceState(['a=1,,', ' ,A=2,b=,=3,c=x=y', 'a=9,d=4'])).toBe('a=1,d=4');
    expect(combineTraceState(['', ' , '])).toBeUndefined();
    expect(combineTraceState(undefined)).toBeUndefined();
    expect(combineTraceState([])).toBeUndefined();
  });

  it('leaves out a member whose value holds a percent-escaped control (re-sent, it would decode to one)', () => {
    // The shape the hostile-input property once found: `sentry-=%0A`, a valid W3C member.
    expect(combineTraceState('a=1,sentry-=%0A,b=%0d%0a,c=%7F,d=%41%20ok')).toBe('a=1,d=%41%20ok');
  });

  it('keeps at most 32 members, cutting from the end', () => {
    const all = Array.from({ length: 40 }, (_, i) => member(i));
    const out = combineTraceState([all.slice(0, 20).join(','), all.slice(20).join(',')]);
    expect(out?.split(',')).toEqual(all.slice(0, 32));
  });

  it('keeps at most 512 characters, dropping members longer than 128 first, then from the end', () => {
    const long = member(99, 'x'.repeat(200));
    const short = Array.from({ length: 30 }, (_, i) => member(i, 'y'.repeat(10)));
    const out = combineTraceState([short.slice(0, 2).join(','), long, short.slice(2).join(',')])!;
    expect(out.length).toBeLessThanOrEqual(512);
    expect(out).not.toContain('k99=');
    expect(out.split(',')).toEqual(short.slice(0, out.split(',').length));
    // A long member stays when the list fits without dropping it.
    expect(combineTraceState(['a=1', long])).toBe(`a=1,${long}`);
  });

  it('gives what OpenTelemetry TraceState keeps whole, within the limits', () => {
    const value = fc.stringMatching(/^[!-+\--<>-~]{1,40}$/);
    const key = fc.stringMatching(/^[a-z][a-z0-9_*/-]{0,20}$/);
    const list = fc.array(
      fc.tuple(key, value).map(([k, v]) => `${k}=${v}`),
      { maxLength: 50 },
    );
    fc.assert(
      fc.property(
        fc.array(
          list.map((l) => l.join(',')),
          { maxLength: 4 },
        ),
        (values) => {
          const out = combineTraceState(values);
          if (out === undefined) return;
          const members = out.split(',');
          expect(members.length).toBeLessThanOrEqual(32);
          expect(out.length).toBeLessThanOrEqual(512);
          expect(new TraceState(out).serialize()).toBe(out);
          // Order kept: every member comes from the input, in the input's order.
          const input = values.join(',').split(',');
          let at = -1;
          for (const m of members) {
            const next = input.indexOf(m, at + 1);
            expect(next).toBeGreaterThan(at);
            at = next;
          }
        },
      ),
    );
  });
});
