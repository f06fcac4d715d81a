import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { offerUnrecordedSpan } from '@otel-sentry/core';
import { describe, expect, it } from 'vitest';
import { matchesTargets, requestUrl } from '../src/propagation-targets.js';
import { SPAN_ID, TRACE_ID, tracer } from './helpers.js';

describe('requestUrl', () => {
  const seen = () => new WeakMap<object, string | null>();

  it('reads url.full, then http.url, from recorded spans, ended or not; null for a span without one', () => {
    expect(requestUrl(tracer.startSpan('a', { attributes: { 'url.full': 'https://a/x' } }, ROOT_CONTEXT), seen())).toBe(
      'https://a/x',
    );
    const ended = tracer.startSpan('b', { attributes: { 'http.url': 'https://b/y' } }, ROOT_CONTEXT);
    ended.end();
    expect(requestUrl(ended, seen())).toBe('https://b/y');
    expect(requestUrl(tracer.startSpan('c', {}, ROOT_CONTEXT), seen())).toBeNull();
  });

  it('takes the URL of a span that is not recorded from the sampler, and keeps what it read', () => {
    const memory = seen();
    const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0 });
    expect(requestUrl(span, memory)).toBeUndefined();
    offerUnrecordedSpan('f'.repeat(32), 'https://other-trace/');
    expect(requestUrl(span, memory)).toBeUndefined();
    offerUnrecordedSpan(TRACE_ID, 'https://third-party.io/');
    expect(requestUrl(span, memory)).toBe('https://third-party.io/');
    // Another span of the trace, decided later, does not change what this one was found to be.
    offerUnrecordedSpan(TRACE_ID, undefined);
    expect(requestUrl(span, memory)).toBe('https://third-party.io/');
    const sibling = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: 'a'.repeat(16), traceFlags: 0 });
    expect(requestUrl(sibling, memory)).toBeNull();
    // A remote span context standing in for a span was never before a sampler here.
    const remote = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: 'b'.repeat(16), traceFlags: 0, isRemote: true });
    expect(requestUrl(remote, memory)).toBeUndefined();
  });
});

describe('matchesTargets', () => {
  it('matches substrings, patterns and predicates; no list or no URL matches', () => {
    const targets = ['example.com', /^https:\/\/api\./, (url: string) => url.endsWith('.internal')];
    expect(matchesTargets('https://www.example.com/a', targets)).toBe(true);
    expect(matchesTargets('https://api.other.io', targets)).toBe(true);
    expect(matchesTargets('http://svc.internal', targets)).toBe(true);
    expect(matchesTargets('https://other.io', targets)).toBe(false);
    expect(matchesTargets(undefined, targets)).toBe(true);
    expect(matchesTargets('https://other.io', undefined)).toBe(true);
    expect(matchesTargets('https://other.io', [])).toBe(false);
  });

  it('gives a sticky or global pattern the same answer every time', () => {
    const sticky = [/api/y, /api/g];
    const answers = Array.from({ length: 4 }, () => matchesTargets('api.example.com', sticky));
    expect(answers).toEqual([true, true, true, true]);
  });

  it('counts only a true answer of a predicate as a match', () => {
    const loose = [(() => 'yes') as unknown as (url: string) => boolean];
    expect(matchesTargets('https://x', loose)).toBe(false);
  });
});
