import { defaultTextMapGetter, type TextMapGetter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { deleteOutgoing, firstValue, IncomingHeaders, inspectOutgoing } from '../src/carrier.js';

const read = (getter: TextMapGetter, carrier: unknown, name: string) => new IncomingHeaders(getter, carrier).get(name);

describe('IncomingHeaders', () => {
  it('looks the lowercase name up first, then any spelling of it', () => {
    expect(read(defaultTextMapGetter, { baggage: 'a=1' }, 'baggage')).toBe('a=1');
    expect(read(defaultTextMapGetter, { BaGgAgE: ['a=1', 'b=2'] }, 'baggage')).toEqual(['a=1', 'b=2']);
    expect(read(defaultTextMapGetter, { baggages: 'x' }, 'baggage')).toBeUndefined();
  });

  it('asks the getter for the key it found', () => {
    const asked: string[] = [];
    const getter: TextMapGetter<Map<string, string>> = {
      get: (carrier, key) => {
        asked.push(key);
        return carrier.get(key);
      },
      keys: (carrier) => [...carrier.keys()],
    };
    expect(read(getter, new Map([['Sentry-Trace', 'v']]), 'sentry-trace')).toBe('v');
    expect(asked).toEqual(['sentry-trace', 'Sentry-Trace']);
  });

  it('lists the keys once per carrier, however many headers are absent', () => {
    let listed = 0;
    const getter: TextMapGetter<Record<string, string>> = {
      get: (carrier, key) => carrier[key],
      keys: (carrier) => {
        listed++;
        return Object.keys(carrier);
      },
    };
    const headers = new IncomingHeaders(getter, { Baggage: 'a=1', host: 'x' });
    expect(headers.get('sentry-trace')).toBeUndefined();
    expect(headers.get('traceparent')).toBeUndefined();
    expect(headers.get('baggage')).toBe('a=1');
    expect(listed).toBe(1);
    // An exact hit never lists them.
    const exact = new IncomingHeaders(getter, { 'sentry-trace': 'v' });
    expect(exact.get('sentry-trace')).toBe('v');
    expect(listed).toBe(1);
  });

  it('takes a getter that cannot list keys at its exact answer', () => {
    const getter: TextMapGetter<Record<string, string>> = {
      get: (carrier, key) => carrier[key],
      keys: () => {
        throw new Error('no keys');
      },
    };
    expect(read(getter, { traceparent: 'v' }, 'traceparent')).toBe('v');
    expect(read(getter, { Traceparent: 'v' }, 'traceparent')).toBeUndefined();
    const notAList: TextMapGetter<Record<string, string>> = {
      get: (carrier, key) => carrier[key],
      keys: () => 'traceparent' as unknown as string[],
    };
    expect(read(notAList, { Traceparent: 'v' }, 'traceparent')).toBeUndefined();
  });
});

describe('firstValue', () => {
  it('takes a string, or the first string of a list', () => {
    expect(firstValue('a')).toBe('a');
    expect(firstValue(['a', 'b'])).toBe('a');
    expect(firstValue([])).toBeUndefined();
    expect(firstValue([1 as unknown as string])).toBeUndefined();
    expect(firstValue(undefined)).toBeUndefined();
  });
});

describe('inspectOutgoing', () => {
  it('finds the headers of a plain object in any case, joining repeated baggage', () => {
    expect(inspectOutgoing({ 'SENTRY-TRACE': 'x', TraceParent: 'y', Baggage: ['a=1', '', 'b=2'] })).toEqual({
      sentryTrace: true,
      traceparent: true,
      baggage: 'a=1,b=2',
      baggageKey: 'Baggage',
    });
  });

  it('does not count empty values as present', () => {
    expect(inspectOutgoing({ 'sentry-trace': '', baggage: [] })).toEqual({
      sentryTrace: false,
      traceparent: false,
      baggage: undefined,
      baggageKey: 'baggage',
    });
  });

  it('reads Map- and Headers-like carriers through get', () => {
    const found = inspectOutgoing(new Map([['baggage', 'a=1']]));
    expect(found.baggage).toBe('a=1');
    expect(inspectOutgoing(new Headers({ 'Sentry-Trace': 'x' })).sentryTrace).toBe(true);
  });

  it('treats anything else as empty', () => {
    for (const carrier of [null, undefined, 'text', 42]) {
      expect(inspectOutgoing(carrier)).toEqual({
        sentryTrace: false,
        traceparent: false,
        baggage: undefined,
        baggageKey: 'baggage',
      });
    }
  });
});

describe('deleteOutgoing', () => {
  it('removes a header from plain objects and Headers, and says when it cannot', () => {
    const plain: Record<string, string> = { Baggage: 'a=1', other: 'x' };
    expect(deleteOutgoing(plain, 'Baggage')).toBe(true);
    expect(plain).toEqual({ other: 'x' });
    const headers = new Headers({ baggage: 'a=1' });
    expect(deleteOutgoing(headers, 'baggage')).toBe(true);
    expect(headers.has('baggage')).toBe(false);
    const readOnly = { get: () => 'a=1', has: () => true };
    expect(deleteOutgoing(readOnly, 'baggage')).toBe(false);
    expect(deleteOutgoing(undefined, 'baggage')).toBe(false);
    expect(deleteOutgoing(Object.freeze({ baggage: 'a=1' }), 'baggage')).toBe(false);
  });
});
