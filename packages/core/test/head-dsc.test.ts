import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { createHeadDsc } from '../src/head-dsc.js';

const TRACE = 'a'.repeat(32);

describe('createHeadDsc', () => {
  it('writes the known members in one order and leaves out the unknown ones', () => {
    const frozen = createHeadDsc(createClient({ env: false }), {
      traceId: TRACE,
      sampled: true,
      sampleRate: 0.25,
      sampleRand: '0.100000',
      release: 'app@1.0.0',
      transaction: 'GET /users/:id',
    });
    expect(frozen.baggage).toBe(
      `sentry-trace_id=${TRACE},sentry-sample_rate=0.25,sentry-sample_rand=0.100000,sentry-sampled=true,` +
        'sentry-release=app@1.0.0,sentry-transaction=GET%20/users/:id',
    );
    expect(Object.isFrozen(frozen.dsc)).toBe(true);
  });

  it('lets createDsc hooks edit it, with the root span, and then freezes it', () => {
    const client = createClient({ env: false });
    const root = { name: 'root' };
    const seen: unknown[] = [];
    client.on('createDsc', (dsc, rootSpan) => {
      seen.push(rootSpan);
      dsc.transaction = 'renamed';
      dsc.custom = 'x';
    });
    const frozen = createHeadDsc(client, { traceId: TRACE, sampled: false, sampleRate: 1 }, root as never);
    expect(seen).toEqual([root]);
    expect(frozen.dsc).toMatchObject({ sampled: 'false', transaction: 'renamed', custom: 'x' });
    expect(() => {
      (frozen.dsc as Record<string, string>).custom = 'y';
    }).toThrow();
  });
});
