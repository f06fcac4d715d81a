/**
 * The propagator against hostile carriers (issue 12): `extract` and `inject` never throw,
 * never write a header value that is not one, and read at most a bounded part of what they
 * are handed — proved by counting the characters visited (core's work meter), not by timing.
 */
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BAGGAGE_MAX_READ_CHARS, getFrozenDsc, getReplayId } from '@otel-sentry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measureWork } from '../../core/test/work-meter.js';
import { combineTraceState, TRACESTATE_MAX_READ_CHARS } from '../src/trace-state.js';
import { makePropagator, SPAN_ID, TRACE_ID, tracer, withChild } from './helpers.js';

/** Characters visited per character read, at most, and a constant for fixed costs. */
const C = 16;
const K = 4096;
/** What extract reads at most of one carrier: baggage, tracestate, and the two short headers. */
const EXTRACT_CAP = BAGGAGE_MAX_READ_CHARS + TRACESTATE_MAX_READ_CHARS + 1024;

const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
const ESCAPED_CONTROL = /%(?:[01][0-9a-fA-F]|7[fF])/;

const ATOMS = [
  'b=c,',
  'sentry-a=x,',
  'sentry-',
  'sentry-release=1.0,',
  'sentry-replay_id=6a2b1f0c9d8e4f7a8b3c2d1e0f9a8b7c,',
  'x',
  'é',
  ',',
  ';',
  '=',
  ' ',
  '%E0',
  '%0A',
  '\r\n',
  '\u0000',
  'k@v=1,',
];
const atoms = fc.array(fc.constantFrom(...ATOMS), { minLength: 1, maxLength: 5 }).map((a) => a.join(''));
const size = fc.integer({ min: 1, max: 2 * BAGGAGE_MAX_READ_CHARS });
const hostile = fc.tuple(atoms, size).map(([body, n]) => body.repeat(Math.ceil(n / body.length)).slice(0, n));

function expectHeaderSafe(value: unknown): void {
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) {
    expect(typeof v).toBe('string');
    expect(v).toMatch(HEADER_VALUE);
    expect(v).not.toMatch(ESCAPED_CONTROL);
  }
}

describe('extract on hostile carriers', () => {
  const propagator = makePropagator();

  it('reads at most its cap of every header, and never throws', () => {
    let workSeen = 0;
    fc.assert(
      fc.property(
        hostile,
        hostile,
        fc.constantFrom('sentry-trace', 'traceparent', 'both', 'hostile sentry-trace'),
        (baggage, tracestate, kind) => {
          const carrier: Record<string, string> = { baggage, tracestate };
          if (kind !== 'traceparent') carrier['sentry-trace'] = `${TRACE_ID}-${SPAN_ID}-1`;
          if (kind !== 'sentry-trace') carrier.traceparent = `00-${TRACE_ID}-${SPAN_ID}-01`;
          if (kind === 'hostile sentry-trace') carrier['sentry-trace'] += tracestate;
          const n = baggage.length + 2 * tracestate.length + 128;
          const { work } = measureWork(() => {
            const ctx = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
            // The DSC object is parsed on first read: read it, so that work counts too.
            return getFrozenDsc(ctx)?.dsc;
          });
          workSeen = Math.max(workSeen, work);
          expect(work).toBeLessThanOrEqual(C * Math.min(n, EXTRACT_CAP) + K);
        },
      ),
      { numRuns: 40 },
    );
    expect(workSeen).toBeGreaterThan(BAGGAGE_MAX_READ_CHARS);
  });

  it('freezes only what re-sends as a valid header value', () => {
    const injector = makePropagator();
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...ATOMS, 'sentry-release=a%0D%0Ab,', 'sentry-environment=caf%C3%A9,'), {
          maxLength: 30,
        }),
        (parts) => {
          const ctx = propagator.extract(
            ROOT_CONTEXT,
            { 'sentry-trace': `${TRACE_ID}-${SPAN_ID}-1`, baggage: parts.join('') },
            defaultTextMapGetter,
          );
          const frozen = getFrozenDsc(ctx);
          if (frozen !== undefined) expectHeaderSafe(frozen.baggage);
          const replayId = getReplayId(ctx);
          if (replayId !== undefined) expect(replayId).toMatch(/^[0-9a-f]{32}$/);
          const carrier: Record<string, string> = {};
          injector.inject(withChild(ctx), carrier, defaultTextMapSetter);
          for (const value of Object.values(carrier)) expectHeaderSafe(value);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('inject onto a large outgoing baggage', () => {
  const propagator = makePropagator();
  const ctx = trace.setSpan(ROOT_CONTEXT, tracer.startSpan('request'));

  it('reads at most its cap of the existing value, and never throws', () => {
    let workSeen = 0;
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 4 }), (existing, scale) => {
        const value = existing.repeat(scale + 1);
        const carrier: Record<string, string> = { baggage: value };
        const { work } = measureWork(() => propagator.inject(ctx, carrier, defaultTextMapSetter));
        workSeen = Math.max(workSeen, work);
        expect(work).toBeLessThanOrEqual(C * Math.min(value.length, BAGGAGE_MAX_READ_CHARS) + K);
        expect(carrier['sentry-trace']).toBeDefined();
      }),
      { numRuns: 40 },
    );
    // The meter saw the work: a bound met by measuring nothing would prove nothing.
    expect(workSeen).toBeGreaterThan(1000);
  });

  it('the issue-12 megabyte outgoing: left as the application wrote it, at bounded cost', () => {
    const value = `sentry-a=${'x'.repeat(8183)},${'b=c,'.repeat(260_000)}`;
    const carrier: Record<string, string> = { baggage: value };
    const { work } = measureWork(() => propagator.inject(ctx, carrier, defaultTextMapSetter));
    expect(work).toBeLessThanOrEqual(K);
    expect(carrier.baggage).toBe(value);
  });
});

describe('tracestate', () => {
  it('combineTraceState reads at most its cap and never throws', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 3 }), (values) => {
        const n = values.reduce((sum, v) => sum + v.length + 1, 0);
        const { result, work } = measureWork(() => combineTraceState(values));
        expect(work).toBeLessThanOrEqual(C * Math.min(n, TRACESTATE_MAX_READ_CHARS) + K);
        if (result !== undefined) expectHeaderSafe(result);
      }),
      { numRuns: 60 },
    );
  });

  it('still reads 32 members of the longest valid size', () => {
    const members = Array.from({ length: 31 }, (_, i) => `k${String(i).padStart(255, '0')}=${'v'.repeat(256)}`);
    const combined = `${members.join(',')},${`z${'0'.repeat(255)}=${'v'.repeat(255)}`}`;
    expect(combined.length).toBeLessThanOrEqual(TRACESTATE_MAX_READ_CHARS);
    // The last member is read too; the spec's rules then drop long members until 512 characters fit.
    expect(combineTraceState(combined)).toBeUndefined();
    expect(combineTraceState(`${members.join(',')},z=1`)).toBe('z=1');
  });
});
