/**
 * Quick start: what `@otel-sentry/core` does with the headers and envelopes that cross a
 * service boundary. Runs against the built packages, exactly as a user would import them.
 */
import {
  createClient,
  createEnvelope,
  dscToBaggage,
  formatSentryTrace,
  parseEnvelope,
  parseSentryTrace,
  readIncomingDsc,
  SENTRY_TRACE_FLAG_HAS_REPLAY,
  serializeEnvelope,
  uuid4,
} from '@otel-sentry/core';

// An incoming request from a browser running a Sentry SDK that records a replay.
const incoming = {
  'sentry-trace': '771a43a4192642f0b136d5159a501700-b40ab5e5bb5d1f13-1-01',
  baggage:
    'other-vendor=abc,sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-public_key=49d0f7386ad645858ae85020e393bef3,' +
    'sentry-sample_rate=0.25,sentry-sample_rand=0.123456,sentry-sampled=true,sentry-release=shop%401.4.2,' +
    'sentry-environment=production,sentry-replay_id=1fc4a0ee52d54c5cb0d6b0d1e3b5f7a2',
};

const trace = parseSentryTrace(incoming['sentry-trace']);
const dsc = readIncomingDsc(incoming.baggage);
console.log('sentry-trace   ', trace);
console.log('has replay bit ', ((trace?.flags ?? 0) & SENTRY_TRACE_FLAG_HAS_REPLAY) !== 0);
console.log('frozen DSC     ', { ...dsc?.frozen.dsc });
console.log('replay id      ', dsc?.replayId);
console.log('re-sent as     ', dsc?.frozen.baggage);

// The client: options validated once, and the lifecycle hook bus.
const client = createClient({ dsn: 'https://49d0f7386ad645858ae85020e393bef3@o1.ingest.example.com/42', env: false });
client.on('beforeEnvelope', (envelope) => {
  envelope.headers.sent_at = new Date(0).toISOString();
});

// An outgoing call continues the trace: same trace id, our span as the parent.
const outgoing = formatSentryTrace({ traceId: trace?.traceId ?? '', spanId: 'a1b2c3d4e5f60718', sampled: true });
console.log('outgoing trace ', outgoing);

// The transaction this service reports, in an envelope that carries the frozen DSC.
const envelope = createEnvelope({ event_id: uuid4(), sdk: client.options.sdk, trace: dsc?.frozen.dsc ?? {} }, [
  {
    headers: { type: 'transaction' },
    payload: {
      type: 'transaction',
      transaction: 'GET /checkout/:id',
      transaction_info: { source: 'route' },
      contexts: { trace: { trace_id: trace?.traceId, span_id: 'a1b2c3d4e5f60718', op: 'http.server' } },
      start_timestamp: 1_700_000_000,
      timestamp: 1_700_000_000.25,
    },
  },
]);
client.emit('beforeEnvelope', envelope);
const wire = serializeEnvelope(envelope);
console.log('envelope bytes ', typeof wire === 'string' ? Buffer.byteLength(wire) : wire.length);
console.log(typeof wire === 'string' ? wire : '(binary)');
const back = parseEnvelope(wire);
console.log(
  'parsed back    ',
  back?.items.map((item) => item.headers),
);
console.log('DSC as baggage ', dscToBaggage(back?.headers.trace ?? {}));
