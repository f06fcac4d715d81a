/**
 * Issue 12 in the exporter: wrong options fail at construction with a message that names
 * them; the offline queue counts exactly and never uploads a damaged file as it is; a
 * failed `export()` counts the transactions and errors it lost; secrets in query strings
 * never leave, whatever their form.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, type DiagLogger, DiagLogLevel, diag, SpanKind, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import {
  createClient,
  createEnvelope,
  type EnvelopeItemHeaders,
  InvalidOptionError,
  parseEnvelope,
  type ReadableSpanLike,
  serializeEnvelope,
} from '@otel-sentry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SentryEnvelopeExporter } from '../src/index.js';
import { OfflineQueue } from '../src/node/offline-queue.js';
import type { EnvelopeTransport, SentryEnvelopeExporterOptions, TransportRequest } from '../src/types.js';
import { provider } from './helpers/otel.js';

const DSN = 'http://public@127.0.0.1:9/42';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

/** A transport that answers 200 and keeps every body. */
function recordingTransport(): EnvelopeTransport & { bodies: string[] } {
  const bodies: string[] = [];
  return {
    bodies,
    async send(request: TransportRequest) {
      bodies.push(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body));
      return { statusCode: 200 };
    },
  };
}

function recordDiag(): string[] {
  const lines: string[] = [];
  // Component loggers hand over their namespace first, then the message.
  const log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  const logger: DiagLogger = { error: log, warn: log, info: log, debug: log, verbose: log };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return lines;
}

const exporters: SentryEnvelopeExporter[] = [];
const dirs: string[] = [];
function make(options: SentryEnvelopeExporterOptions): SentryEnvelopeExporter {
  const exporter = new SentryEnvelopeExporter({ env: false, sessionMode: false, ...options });
  exporters.push(exporter);
  return exporter;
}
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otel-sentry-hardening-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  diag.disable();
});

describe('options that cannot work fail at construction, naming the option, what was given and what is expected', () => {
  it.each([
    [
      'denyKeys: [42]',
      { denyKeys: [42] },
      /option "denyKeys" must be an array of non-empty strings .*, got 42 at index 0/,
    ],
    ['denyKeys: [null]', { denyKeys: [null] }, /option "denyKeys" .*got null at index 0/],
    ['denyKeys: "token"', { denyKeys: 'token' }, /option "denyKeys" must be an array .*, got "token"/],
    ['allowKeys: 5', { allowKeys: 5 }, /option "allowKeys" must be an array .*, got 5/],
    [
      'transport: {}',
      { transport: {} },
      /option "transport" must be a transport with a send\(request\) method \(it has no send\(\)\), got an object/,
    ],
    [
      'requestTimeoutMillis: 3e9',
      { requestTimeoutMillis: 3e9 },
      /option "requestTimeoutMillis" must be an integer from 1 to 2147483647 \(milliseconds\), got 3000000000/,
    ],
    [
      'spotlight: 42',
      { spotlight: 42 },
      /option "spotlight" must be true, false, or the URL of a Spotlight sidecar, got 42/,
    ],
    [
      'client: {}',
      { client: {} },
      /option "client" must be a client made by createClient\(\) of @otel-sentry\/core, got an object/,
    ],
    [
      'sessionMode: "sever"',
      { sessionMode: 'sever' },
      /option "sessionMode" must be one of "server", "application", false, got "sever"/,
    ],
    ['outboxDir: 5', { outboxDir: 5 }, /option "outboxDir" must be a string, got 5/],
    [
      'env: "production"',
      { env: 'production' },
      /option "env" must be an object of environment variables.*, got "production"/,
    ],
    ['dsn: 42', { dsn: 42 }, /option "dsn" must be a DSN string, got 42/],
    ['offline: "yes"', { offline: 'yes' }, /option "offline" must be true, false or an object.*, got "yes"/],
    ['caCerts: 1', { caCerts: 1 }, /option "caCerts" must be PEM text, bytes, or an array of them, got 1/],
    ['release: 5', { release: 5 }, /option "release" must be a string, got 5/],
  ])('%s', (_name, options, message) => {
    const error = errorOf(() => make(options as never));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.message).toMatch(message);
  });

  it('reports misspelled options through diag, at the top level and in offline', () => {
    const lines = recordDiag();
    make({
      dsn: DSN,
      transport: recordingTransport(),
      maxQueueSise: 5,
      offline: { dir: tempDir(), maxEnvelope: 5 },
    } as never);
    expect(lines.some((l) => l.includes('"maxQueueSise"'))).toBe(true);
    expect(lines.some((l) => l.includes('"maxEnvelope"'))).toBe(true);
  });
});

function transactionEnvelope(spans: number): string {
  const event = { type: 'transaction', transaction: 'GET /x', spans: Array.from({ length: spans }, () => ({})) };
  return serializeEnvelope(
    createEnvelope({ event_id: '0af7651916cd43dd8448eb211c80319c' }, [
      { headers: { type: 'transaction' }, payload: event },
    ]),
  ) as string;
}

describe('the offline queue', () => {
  it('counts exactly what concurrent stores evict: 20 stores, 5 kept, 15 evicted', async () => {
    const dir = tempDir();
    let evicted = 0;
    const queue = new OfflineQueue({
      dir,
      maxEnvelopes: 5,
      maxBytes: 10 * 1024 * 1024,
      transport: recordingTransport(),
      onEvict: () => evicted++,
      onRejected: () => undefined,
      onDelivered: () => undefined,
    });
    const stored = await Promise.all(Array.from({ length: 20 }, () => queue.store(transactionEnvelope(2))));
    expect(stored.every(Boolean)).toBe(true);
    expect(readdirSync(dir)).toHaveLength(5);
    expect(evicted).toBe(15);
  });

  it('never uploads a damaged file as it is: whole items go on, damaged ones are counted, garbage is deleted', async () => {
    const dir = tempDir();
    const whole = `${transactionEnvelope(1)}`;
    const twoItems = `${whole}\n{"type":"event","length":60}\n{"message":"cut short by a cr`;
    writeFileSync(join(dir, '000000000000001-000000-aaaaaaaa.envelope'), twoItems);
    writeFileSync(join(dir, '000000000000002-000000-bbbbbbbb.envelope'), 'not an envelope at all');
    writeFileSync(join(dir, '000000000000003-000000-cccccccc.envelope'), whole.slice(0, -5));
    const transport = recordingTransport();
    const damaged: EnvelopeItemHeaders[] = [];
    const lines = recordDiag();
    const queue = new OfflineQueue({
      dir,
      maxEnvelopes: 100,
      maxBytes: 10 * 1024 * 1024,
      transport,
      onEvict: () => undefined,
      onRejected: () => undefined,
      onDelivered: () => undefined,
      onDamaged: (items) => damaged.push(...items),
    });
    await queue.flush();
    // Only the whole transaction of the first file went, re-serialized without the cut event.
    expect(transport.bodies).toHaveLength(1);
    expect(parseEnvelope(transport.bodies[0]!)?.items.map((i) => i.headers.type)).toEqual(['transaction']);
    expect(damaged.map((h) => h.type)).toEqual(['event', 'transaction']);
    expect(readdirSync(dir)).toEqual([]);
    expect(lines.some((l) => l.includes('is not an envelope'))).toBe(true);
    expect(lines.filter((l) => l.includes('is damaged'))).toHaveLength(2);
  });

  it('through the exporter, what a damaged file held is counted in client reports', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '000000000000001-000000-aaaaaaaa.envelope'), transactionEnvelope(3).slice(0, -4));
    const exporter = make({ dsn: DSN, transport: recordingTransport(), offline: { dir } });
    await exporter.flushOffline();
    expect(exporter.pendingDiscards()).toEqual(
      expect.arrayContaining([
        { reason: 'internal_sdk_error', category: 'transaction', quantity: 1 },
        { reason: 'internal_sdk_error', category: 'span', quantity: 1 },
      ]),
    );
  });
});

describe('a failure inside export()', () => {
  it('is counted as the transactions and errors it lost, not only as spans', async () => {
    const transport = recordingTransport();
    const exporter = make({ dsn: DSN, transport });
    const memory: ReadableSpanLike[] = [];
    const { provider: p, tracer } = provider({
      export: (spans, done) => {
        memory.push(...(spans as unknown as ReadableSpanLike[]));
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => undefined,
    });
    const root = tracer.startSpan('GET /x', { kind: SpanKind.SERVER });
    const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), root));
    child.recordException(new Error('boom'));
    child.end();
    root.recordException(new Error('bang'));
    root.end();
    await p.forceFlush();
    // A root whose resource cannot be read: mapping it throws inside export().
    const broken = memory.map((span) =>
      span.name === 'GET /x'
        ? Object.create(span, {
            resource: {
              get() {
                throw new Error('resource unreadable');
              },
            },
          })
        : span,
    );
    const result = await new Promise<{ code: number }>((resolve) => exporter.export(broken, resolve));
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(exporter.pendingDiscards()).toEqual(
      expect.arrayContaining([
        { reason: 'internal_sdk_error', category: 'span', quantity: 2 },
        { reason: 'internal_sdk_error', category: 'transaction', quantity: 1 },
        { reason: 'internal_sdk_error', category: 'error', quantity: 2 },
      ]),
    );
  });
});

describe('secrets in URLs leave scrubbed by default, whatever their form', () => {
  it('url.query without its "?", url.full with a fragment, http.target, http.url and the event request', async () => {
    const transport = recordingTransport();
    const exporter = make({ client: createClient({ dsn: DSN, env: false }), transport });
    const { provider: p, tracer } = provider(exporter);
    const root = tracer.startSpan('GET', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.path': '/users/42',
        'url.query': 'token=SECRET-1&page=2',
        'url.full': 'https://u:SECRET-2@shop.example/users/42?api_key=SECRET-3#access_token=SECRET-4&state=x',
        'http.target': '/users/42?page=2;password=SECRET-5',
        'http.url': 'https://shop.example/users/42?Session-Token=SECRET-6',
        'http.response.status_code': 500,
      },
    });
    root.recordException(new Error('boom'));
    root.end();
    await p.forceFlush();
    await exporter.forceFlush();
    const all = transport.bodies.join('\n');
    expect(all).toContain('"transaction"');
    expect(all).not.toMatch(/SECRET/);
    expect(all).toContain('page=2');
    const event = transport.bodies
      .map((b) => parseEnvelope(b))
      .flatMap((e) => e?.items ?? [])
      .find((i) => i.headers.type === 'event')?.payload as { request?: { query_string?: string } };
    expect(event.request?.query_string).toBe('api_key=%5BFiltered%5D');
  });
});
