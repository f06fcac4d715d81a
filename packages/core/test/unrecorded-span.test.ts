import { describe, expect, it } from 'vitest';
import {
  getUnrecordedRoot,
  offerUnrecordedRoot,
  offerUnrecordedSpan,
  peekUnrecordedSpanUrl,
  requestUrlOf,
  UNRECORDED_ROOTS_KEPT,
} from '../src/unrecorded-span.js';

const A = '0af7651916cd43dd8448eb211c80319c';
const B = 'f'.repeat(32);

describe('requestUrlOf', () => {
  it('reads url.full, then http.url', () => {
    expect(requestUrlOf({ 'url.full': 'https://a/', 'http.url': 'https://b/' })).toBe('https://a/');
    expect(requestUrlOf({ 'http.url': 'https://b/' })).toBe('https://b/');
    expect(requestUrlOf({ 'url.full': 42, 'url.path': '/x' })).toBeUndefined();
    expect(requestUrlOf({ 'url.full': '' })).toBeUndefined();
    expect(requestUrlOf(undefined)).toBeUndefined();
  });
});

describe('the unrecorded-span hand-off', () => {
  it('speaks for the trace of the span last offered only', () => {
    offerUnrecordedSpan(A, 'https://third-party.io/');
    expect(peekUnrecordedSpanUrl(A)).toBe('https://third-party.io/');
    expect(peekUnrecordedSpanUrl(A)).toBe('https://third-party.io/');
    expect(peekUnrecordedSpanUrl(B)).toBeUndefined();
    offerUnrecordedSpan(A, undefined);
    expect(peekUnrecordedSpanUrl(A)).toBeNull();
    offerUnrecordedSpan(B, 'https://b/');
    expect(peekUnrecordedSpanUrl(A)).toBeUndefined();
  });

  it('is shared through a global symbol, so two copies of core meet', () => {
    const slot = (globalThis as Record<symbol, { traceId?: string; url?: string }>)[
      Symbol.for('otel-sentry.unrecorded-span.v1')
    ];
    offerUnrecordedSpan(A, 'https://x/');
    expect(slot).toMatchObject({ traceId: A, url: 'https://x/' });
  });
});

describe('decisions on unrecorded roots', () => {
  it('are kept by trace id, a bounded number of them, the oldest forgotten first', () => {
    const id = (i: number) => i.toString(16).padStart(32, '0');
    offerUnrecordedRoot(id(1), { sampleRate: 0.1, sampleRand: 0.5 });
    expect(getUnrecordedRoot(id(1))).toEqual({ sampleRate: 0.1, sampleRand: 0.5 });
    expect(getUnrecordedRoot(id(2))).toBeUndefined();
    for (let i = 2; i <= UNRECORDED_ROOTS_KEPT + 1; i++) offerUnrecordedRoot(id(i), { sampleRate: 0, sampleRand: 0.2 });
    expect(getUnrecordedRoot(id(1))).toBeUndefined();
    expect(getUnrecordedRoot(id(2))).toBeDefined();
    expect(getUnrecordedRoot(id(UNRECORDED_ROOTS_KEPT + 1))).toEqual({ sampleRate: 0, sampleRand: 0.2 });
    // Offering again for a known trace: the newest decision wins.
    offerUnrecordedRoot(id(5), { sampleRate: 0.5, sampleRand: 0.9 });
    expect(getUnrecordedRoot(id(5))).toEqual({ sampleRate: 0.5, sampleRand: 0.9 });
  });
});
