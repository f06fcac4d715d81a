import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';

describe('public entry point', () => {
  it('exports the names other packages and users rely on', () => {
    for (const name of [
      'createClient',
      'parseSentryTrace',
      'formatSentryTrace',
      'parseBaggage',
      'dscFromBaggage',
      'dscToBaggage',
      'parseDsn',
      'serializeEnvelope',
      'parseEnvelope',
      'getDynamicSamplingContext',
      'getReplayId',
      'setReplayId',
      'getFrozenDsc',
      'setFrozenDsc',
      'freezeDsc',
      'readIncomingDsc',
      'deriveSampleRand',
      'shouldContinueTrace',
      'getEnvelopeEndpoint',
      'getAuthHeader',
      'createEnvelope',
      'serializeEnvelopeBytes',
      'serializeEnvelopeSized',
      'itemTypeToCategory',
      'RateLimits',
      'isValidBaggageKey',
      'TransactionAssembler',
      'getDetachReason',
      'isTransactionRoot',
      'recordDeferredDecision',
      'getDeferredDecision',
      'offerUnrecordedSpan',
      'peekUnrecordedSpanUrl',
      'requestUrlOf',
      'flatContext',
    ]) {
      expect(typeof (core as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(core.InvalidDsnError.prototype).toBeInstanceOf(Error);
    expect(core.InvalidOptionError.prototype).toBeInstanceOf(Error);
    expect(core.BAGGAGE_MAX_MEMBERS).toBe(64);
    expect(core.BAGGAGE_MAX_BYTES).toBe(8192);
    expect(core.SENTRY_BAGGAGE_PREFIX).toBe('sentry-');
    expect(core.SENTRY_TRACE_FLAG_HAS_REPLAY).toBe(1);
    expect(core.DEFAULT_RETRY_AFTER_MS).toBe(60_000);
    expect(core.TRANSACTION_ASSEMBLER_DEFAULTS).toEqual({
      maxSpansPerTransaction: 1000,
      maxBufferedSpans: 10_000,
      orphanTimeoutMillis: 300_000,
      lateChildGraceMillis: 100,
    });
  });

  it('exports nothing internal', () => {
    expect(Object.keys(core)).not.toContain('HookBus');
    expect(Object.keys(core)).not.toContain('scanBaggage');
    expect(Object.keys(core)).not.toContain('coreDiag');
  });
});
