import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { HookBus } from '../src/hooks.js';

interface Logged {
  level: string;
  args: unknown[];
}

let logged: Logged[] = [];

function collectingLogger(): DiagLogger {
  const log =
    (level: string) =>
    (...args: unknown[]) => {
      logged.push({ level, args });
    };
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), verbose: log('verbose') };
}

beforeEach(() => {
  logged = [];
  diag.setLogger(collectingLogger(), { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  // setLogger announces itself at debug level; only what the bus logs counts here.
  logged = [];
});

afterEach(() => {
  diag.disable();
});

function newClient() {
  return createClient({ env: false });
}

describe('hook bus', () => {
  it('calls callbacks synchronously, in registration order, with the arguments', () => {
    const client = newClient();
    const calls: string[] = [];
    client.on('spanEnd', (span) => calls.push(`a:${(span as unknown as { name: string }).name}`));
    client.on('spanEnd', () => calls.push('b'));
    client.on('spanStart', () => calls.push('other hook'));
    client.emit('spanEnd', { name: 'x' } as never);
    calls.push('after emit');
    expect(calls).toEqual(['a:x', 'b', 'after emit']);
  });

  it('passes every argument, extra ones included, and callbacks may ignore them', () => {
    const client = newClient();
    const seen: unknown[][] = [];
    client.on('transactionEnd', (...args: unknown[]) => seen.push(args));
    client.on('transactionEnd', () => seen.push(['no args used']));
    client.emit('custom' as string, 1);
    (client.emit as (name: string, ...args: unknown[]) => void)('transactionEnd', 'root', ['spans'], 'extra', 4);
    expect(seen).toEqual([['root', ['spans'], 'extra', 4], ['no args used']]);
  });

  it('lets a callback edit what it is given', () => {
    const client = newClient();
    client.on('createDsc', (dsc) => {
      dsc.transaction = 'edited';
    });
    const dsc: Record<string, string | undefined> = { trace_id: 'abc' };
    client.emit('createDsc', dsc, undefined);
    expect(dsc).toEqual({ trace_id: 'abc', transaction: 'edited' });
  });

  it('carries hooks under names of its own', () => {
    const client = newClient();
    let got: unknown;
    client.on('myPluginHook', (value: unknown) => {
      got = value;
    });
    client.emit('myPluginHook', 42);
    expect(got).toBe(42);
  });

  it('does nothing when a hook has no callbacks', () => {
    const client = newClient();
    expect(() => client.emit('beforeSendEvent', {})).not.toThrow();
    expect(logged).toEqual([]);
  });

  it('returns an unsubscribe function that removes only that callback, once', () => {
    const client = newClient();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const offA = client.on('sessionStart', a);
    const offB = client.on('sessionStart', () => calls.push('b'));
    client.on('sessionStart', a);
    offA();
    offA();
    client.emit('sessionStart', {} as never);
    expect(calls).toEqual(['b', 'a']);
    offB();
    calls.length = 0;
    client.emit('sessionStart', {} as never);
    expect(calls).toEqual(['a']);
  });

  it('reports whether a hook has callbacks', () => {
    const client = newClient();
    expect(client.hasHooks('spanStart')).toBe(false);
    const off = client.on('spanStart', () => {});
    expect(client.hasHooks('spanStart')).toBe(true);
    expect(client.hasHooks('spanEnd')).toBe(false);
    off();
    expect(client.hasHooks('spanStart')).toBe(false);
  });

  it('catches a throwing callback, reports it through diag, and still runs the others', () => {
    const client = newClient();
    const calls: string[] = [];
    const failure = new Error('boom');
    client.on('beforeEnvelope', () => calls.push('first'));
    client.on('beforeEnvelope', () => {
      throw failure;
    });
    client.on('beforeEnvelope', () => calls.push('third'));
    expect(() => client.emit('beforeEnvelope', { headers: {}, items: [] })).not.toThrow();
    expect(calls).toEqual(['first', 'third']);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.level).toBe('error');
    expect(logged[0]?.args[0]).toBe('otel-sentry/core');
    expect(String(logged[0]?.args[1])).toContain('beforeEnvelope');
    expect(logged[0]?.args).toContain(failure);
  });

  it('reports every throwing callback, whatever it throws', () => {
    const client = newClient();
    client.on('clientReport', () => {
      throw 'a string';
    });
    client.on('clientReport', () => {
      throw undefined;
    });
    client.emit('clientReport', { timestamp: 0, discarded_events: [] });
    client.emit('clientReport', { timestamp: 0, discarded_events: [] });
    expect(logged.filter((l) => l.level === 'error')).toHaveLength(4);
    expect(logged[0]?.args).toContain('a string');
  });

  it('never throws out of emit, even with no diag logger installed', () => {
    diag.disable();
    logged = [];
    const client = newClient();
    let ran = false;
    client.on('sessionEnd', () => {
      throw new Error('nobody listens');
    });
    client.on('sessionEnd', () => {
      ran = true;
    });
    expect(() => client.emit('sessionEnd', {} as never)).not.toThrow();
    expect(ran).toBe(true);
    expect(logged).toEqual([]);
  });

  it('is not disturbed by callbacks that subscribe or unsubscribe during an emit', () => {
    const client = newClient();
    const calls: string[] = [];
    let offSecond: () => void = () => {};
    client.on('spanEnd', () => {
      calls.push('first');
      offSecond();
      client.on('spanEnd', () => calls.push('added'));
    });
    offSecond = client.on('spanEnd', () => calls.push('second'));
    client.emit('spanEnd', {} as never);
    expect(calls).toEqual(['first', 'second']);
    calls.length = 0;
    // the list as it was when this emit began: the callback added during it runs next time
    client.emit('spanEnd', {} as never);
    expect(calls).toEqual(['first', 'added']);
  });

  it('rejects a callback that is not a function', () => {
    const client = newClient();
    expect(() => client.on('spanEnd', 'nope' as never)).toThrow(/must be a function/);
    expect(client.hasHooks('spanEnd')).toBe(false);
  });

  it('keeps separate buses for separate clients', () => {
    const one = newClient();
    const two = newClient();
    let count = 0;
    one.on('spanEnd', () => count++);
    two.emit('spanEnd', {} as never);
    expect(count).toBe(0);
    one.emit('spanEnd', {} as never);
    expect(count).toBe(1);
  });

  it('works as a bus on its own', () => {
    const bus = new HookBus();
    const got: unknown[] = [];
    const off = bus.on('x', (v: unknown) => got.push(v));
    bus.emit('x', 1);
    off();
    bus.emit('x', 2);
    expect(got).toEqual([1]);
  });
});
