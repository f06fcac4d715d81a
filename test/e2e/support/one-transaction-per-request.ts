/**
 * The load check shared by the framework tests: `count` requests, `inFlight` at a time, each
 * continuing its own browser trace, must give exactly one whole transaction per request,
 * named after its route, with its error (if the route throws or reports one) linked into it.
 */
import { expect } from 'vitest';
import { browserTrace, runConcurrently, send, until } from './browser.js';
import { errorsOf, isSpanOf, strayParents, transactionsOf } from './sentry-events.js';
import type { ServiceTelemetry } from './service-telemetry.js';

/** Late framework spans have had their grace (100 ms by default) when this has passed. */
const AFTER_GRACE_MS = 250;

/**
 * Sends the requests and checks the receiver. `paths` cycle: `/users/…` answers 200 with no
 * error, `/handled/…` reports a handled error, anything else throws (unhandled).
 */
export async function expectOneTransactionPerRequest(
  t: ServiceTelemetry,
  port: number,
  paths: readonly string[],
  count = 60,
  inFlight = 10,
): Promise<void> {
  const sent: Array<{ traceId: string; path: string }> = [];
  const { results, maxInFlight } = await runConcurrently(count, inFlight, async (i) => {
    const browser = browserTrace();
    const path = paths[i % paths.length]!;
    sent.push({ traceId: browser.traceId, path });
    return (await send(port, path, { headers: browser.headers })).status;
  });
  expect(maxInFlight).toBe(inFlight);
  expect(results.filter((s) => s === 200)).toHaveLength(sent.filter((r) => r.path.startsWith('/users')).length);
  const traces = sent.map((r) => r.traceId);
  await until('every server transaction to end', () => traces.every((id) => t.serverTransactionEnds.includes(id)));
  // Anything that would become a transaction of its own has had its chance to.
  await new Promise((resolve) => setTimeout(resolve, AFTER_GRACE_MS));
  await t.provider.forceFlush();
  await until('every transaction and error at the receiver', () =>
    sent.every(
      (r) =>
        transactionsOf(t.receiver, r.traceId).length > 0 &&
        (r.path.startsWith('/users') || errorsOf(t.receiver, r.traceId).length > 0),
    ),
  );

  const transactions = traces.reduce((n, id) => n + transactionsOf(t.receiver, id).length, 0);
  expect({ requests: sent.length, transactions }).toEqual({ requests: count, transactions: count });
  expect(t.serverTransactionEnds.filter((id) => traces.includes(id))).toHaveLength(count);
  for (const { traceId, path } of sent) {
    const found = transactionsOf(t.receiver, traceId);
    expect(found.map((tx) => tx.transaction)).toHaveLength(1);
    const tx = found[0]!;
    expect(strayParents(tx)).toEqual([]);
    expect(tx.transaction).toBe(`GET ${path.replace(/\/\d+$/, '/:id')}`);
    const errors = errorsOf(t.receiver, traceId);
    expect(errors).toHaveLength(path.startsWith('/users') ? 0 : 1);
    for (const error of errors) {
      expect(isSpanOf(tx, error.contexts.trace.span_id)).toBe(true);
      expect(error.exception.values[0].mechanism.handled).toBe(path.startsWith('/handled'));
    }
  }
}
