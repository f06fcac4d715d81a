/**
 * What a failed `export()` lost, counted the way Sentry counts it (design decision 6): every
 * span, and also the `transaction` each local root would have become and the `error` event
 * each recorded exception would have become — not only spans, or a failure would show in
 * client reports as a loss of spans while whole transactions and errors went missing.
 */
import { type DiscardReason, isTransactionRoot, type ReadableSpanLike } from '@otel-sentry/core';
import type { ClientReportRecorder } from './client-reports.js';
import type { SpanGroup } from './transaction-assembler.js';

/** The spans of `groups`, roots first. */
export function spansOfGroups(groups: readonly SpanGroup[]): ReadableSpanLike[] {
  const out: ReadableSpanLike[] = [];
  for (const group of groups) out.push(group.root, ...group.children);
  return out;
}

/**
 * Counts `spans` as lost for `reason`: each as a `span`, each local root as a `transaction`
 * when spans are sent as transactions (`transactions`), and each `exception` event as an
 * `error`. A span too broken to read still counts as a span. Never throws.
 */
export function recordLostSpans(
  reports: ClientReportRecorder,
  spans: readonly ReadableSpanLike[],
  transactions: boolean,
  reason: DiscardReason = 'internal_sdk_error',
): void {
  let roots = 0;
  let errors = 0;
  for (const span of spans) {
    try {
      if (transactions && isTransactionRoot(span)) roots++;
      const events = span.events;
      if (Array.isArray(events)) for (const event of events) if (event?.name === 'exception') errors++;
    } catch {
      // Counted as a span below all the same.
    }
  }
  reports.record(reason, 'span', spans.length);
  if (roots > 0) reports.record(reason, 'transaction', roots);
  if (errors > 0) reports.record(reason, 'error', errors);
}
