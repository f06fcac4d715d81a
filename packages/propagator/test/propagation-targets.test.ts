import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { matchesTargets, spanUrl } from '../src/propagation-targets.js';
import { tracer } from './helpers.js';

describe('spanUrl', () => {
  it('reads url.full, then http.url, from SDK spans', () => {
    expect(spanUrl(tracer.startSpan('a', { attributes: { 'url.full': 'https://a/x' } }, ROOT_CONTEXT))).toBe(
      'https://a/x',
    );
    expect(spanUrl(tracer.startSpan('b', { attributes: { 'http.url': 'https://b/y' } }, ROOT_CONTEXT))).toBe(
      'https://b/y',
    );
    expect(spanUrl(tracer.startSpan('c', {}, ROOT_CONTEXT))).toBeUndefined();
    expect(spanUrl(undefined)).toBeUndefined();
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
