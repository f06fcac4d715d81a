/**
 * Reading what the loopback receiver got: transactions and error events by trace, their
 * spans, and whether a transaction is whole (every span's parent inside it).
 */
import type { SentryReceiver } from './sentry-receiver.js';

/** A JSON event payload as received. */
// biome-ignore lint/suspicious/noExplicitAny: payloads are read field by field in assertions.
export type Payload = Record<string, any>;

function traceIdOf(event: Payload): string | undefined {
  return event.contexts?.trace?.trace_id;
}

/** The transactions of one trace, in arrival order. */
export function transactionsOf(receiver: SentryReceiver, traceId: string): Payload[] {
  return receiver.payloads('transaction').filter((e) => traceIdOf(e) === traceId);
}

/** The error events of one trace, in arrival order. */
export function errorsOf(receiver: SentryReceiver, traceId: string): Payload[] {
  return receiver.payloads('event').filter((e) => traceIdOf(e) === traceId);
}

/** The spans of a transaction, by description. */
export function spanNamed(transaction: Payload, description: string): Payload | undefined {
  return (transaction.spans as Payload[]).find((s) => s.description === description);
}

/**
 * The span ids whose parent is not in the transaction (neither its root nor another of its
 * spans): empty for a whole transaction.
 */
export function strayParents(transaction: Payload): string[] {
  const ids = new Set<string>([transaction.contexts.trace.span_id]);
  for (const span of transaction.spans as Payload[]) ids.add(span.span_id);
  return (transaction.spans as Payload[]).filter((s) => !ids.has(s.parent_span_id)).map((s) => s.span_id);
}

/** Whether a span id is the root or a span of the transaction. */
export function isSpanOf(transaction: Payload, spanId: string): boolean {
  return (
    transaction.contexts.trace.span_id === spanId || (transaction.spans as Payload[]).some((s) => s.span_id === spanId)
  );
}

/** The secrets among `secrets` that appear in any envelope the receiver got. */
export function leakedSecrets(receiver: SentryReceiver, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => receiver.envelopes.some((e) => e.raw.includes(secret)));
}
