import { context, type DiagLogger, DiagLogLevel, diag, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createClient, InvalidOptionError } from '@otel-sentry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ownershipRouting, SentrySampler, SentrySpanProcessor } from '../src/index.js';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

function recordDiag(): string[] {
  const lines: string[] = [];
  const log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  const logger: DiagLogger = { error: log, warn: log, info: log, debug: log, verbose: log };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return lines;
}

afterEach(() => diag.disable());

describe('SentrySpanProcessor options (issue 12)', () => {
  const exporter = new InMemorySpanExporter();

  it('refuses { client: {} } at construction, so no span.end() can fail on it later', () => {
    const error = errorOf(() => new SentrySpanProcessor({ exporter, client: {} as never }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain('option "client" must be a client made by createClient()');
    expect(error.message).toContain('got an object');
  });

  it('says what to write when given the exporter itself', () => {
    const error = errorOf(() => new SentrySpanProcessor(exporter as never));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain('was given the exporter itself; write new SentrySpanProcessor({ exporter })');
  });

  it.each([
    [undefined, 'option "exporter" is required'],
    [{}, 'option "exporter" is required'],
    [{ exporter: {} }, 'option "exporter" must be a SpanExporter (an object with export() and shutdown()'],
    [{ exporter: { export() {} } }, '(it has no shutdown())'],
    [
      { exporter, maxBufferedSpans: '5' },
      'option "maxBufferedSpans" must be an integer from 1 to 9007199254740991, got "5"',
    ],
    [
      { exporter, tracesSampleRate: '0.5', env: false },
      'option "tracesSampleRate" must be a number from 0 to 1, got "0.5"',
    ],
    ['exporter', 'options must be an object'],
  ])('%j fails naming the option, what was given and what is expected', (options, message) => {
    const error = errorOf(() => new SentrySpanProcessor(options as never));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain(message);
  });

  it('refuses a client option beside a client that differs from the client’s; an equal one is accepted', async () => {
    const client = createClient({ release: 'a@1', env: false });
    expect(() => new SentrySpanProcessor({ exporter, client, release: 'a@2' })).toThrow(/option "release" is "a@2"/);
    expect(() => new SentrySpanProcessor({ exporter, client, shutdownTimeoutMillis: 5 })).toThrow(
      /option "shutdownTimeoutMillis" is 5/,
    );
    const processor = new SentrySpanProcessor({ exporter, client, release: 'a@1', env: false });
    expect(processor.client).toBe(client);
    await processor.shutdown();
  });

  it('reports a misspelled option through diag', async () => {
    const lines = recordDiag();
    const processor = new SentrySpanProcessor({ exporter, env: false, maxBufferedSpan: 5 } as never);
    expect(lines.some((l) => l.includes('"maxBufferedSpan"'))).toBe(true);
    await processor.shutdown();
  });

  it('with any client it accepts, spans start and end without a throw into the application', async () => {
    // The smallest client shape isClient accepts: nothing in the span path may need more.
    const client = { on: () => () => undefined, emit: () => undefined, hasHooks: () => false, options: {} };
    const processor = new SentrySpanProcessor({ exporter: new InMemorySpanExporter(), client: client as never });
    const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('t');
    expect(() => {
      const root = tracer.startSpan('root');
      tracer.startSpan('child', {}, trace.setSpan(context.active(), root)).end();
      root.end();
    }).not.toThrow();
    await processor.shutdown();
  });
});

describe('SentrySampler options (issue 12)', () => {
  it('quotes a string rate in its message', () => {
    const error = errorOf(() => new SentrySampler({ tracesSampleRate: '0.5' as never, env: false }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain('option "tracesSampleRate" must be a number from 0 to 1, got "0.5"');
  });

  it('refuses a tracesSampleRate beside a client that differs from the client’s; an equal one is accepted', () => {
    const client = createClient({ tracesSampleRate: 0.25, env: false });
    expect(() => new SentrySampler({ client, tracesSampleRate: 1 })).toThrow(
      /option "tracesSampleRate" is 1 but the client given as "client" has 0.25/,
    );
    expect(new SentrySampler({ client, tracesSampleRate: 0.25 }).toString()).toBe(
      'SentrySampler{tracesSampleRate=0.25}',
    );
  });

  it('refuses a client that is not one, and a tracesSampler that is not a function', () => {
    expect(() => new SentrySampler({ client: {} as never })).toThrow(/option "client" must be a client/);
    expect(() => new SentrySampler({ tracesSampler: 'always' as never, env: false })).toThrow(
      /option "tracesSampler" must be a function, got "always"/,
    );
  });

  it('reports a misspelled option through diag', () => {
    const lines = recordDiag();
    new SentrySampler({ env: false, tracesSamplerate: 0.5 } as never);
    expect(lines.some((l) => l.includes('"tracesSamplerate"'))).toBe(true);
  });
});

describe('ownershipRouting options (issue 12)', () => {
  it.each([
    [{ rules: [{ team: '', route: '/x' }] }, 'option "rules[0].team" must be a non-empty team name, got ""'],
    [
      { rules: [{ team: 'a' }] },
      'option "rules[0]" must be a rule with a criterion (route, scope, name or attributes)',
    ],
    [
      { rules: [{ team: 'a', route: null }] },
      'option "rules[0].route" must be a string, number, boolean or RegExp, got null',
    ],
    [{ rules: [{ team: 'a', attributes: { 'k.v': {} } }] }, 'option "rules[0].attributes["k.v"]" must be a string'],
    [{ rules: { team: 'a' } }, 'option "rules" must be an array of rules, got an object'],
    [{ rules: [], key: 5 }, 'option "key" must be a string, got 5'],
  ])('%j fails at construction, naming the option', (options, message) => {
    const error = errorOf(() => ownershipRouting(options as never));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toContain(message);
  });
});
