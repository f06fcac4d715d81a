/**
 * How spans leave the process (design decision 9): whole transactions, span v2 items
 * streamed as they end, or OTLP. The exporter is configured with it (`spans` option); the
 * span processor must know it too, because it either assembles transactions or hands each
 * span on as it ends. This file is where both sides read the same names, so the plugins
 * never import each other.
 *
 * The hand-off: an exporter says how it sends spans through a read-only `spans` property
 * (`SentryEnvelopeExporter` has one). A span processor given that exporter reads it with
 * {@link spansModeOf}; an exporter that says nothing (any other `SpanExporter`, or one
 * wrapped in something else) means `transactions`, unless the processor is told otherwise
 * by its own `spans` option.
 */

/** The three ways to send spans. `transactions` is the default. */
export type SpansMode = 'transactions' | 'stream' | 'otlp';

/** Every {@link SpansMode}, the default first. */
export const SPANS_MODES: readonly SpansMode[] = Object.freeze(['transactions', 'stream', 'otlp'] as const);

/**
 * What `exporter` says of how it sends spans: its `spans` property when that is one of
 * {@link SPANS_MODES}, else `undefined`. Never throws (a getter that throws says nothing).
 */
export function spansModeOf(exporter: unknown): SpansMode | undefined {
  if (exporter === null || typeof exporter !== 'object') return undefined;
  let value: unknown;
  try {
    value = (exporter as { spans?: unknown }).spans;
  } catch {
    return undefined;
  }
  return typeof value === 'string' && (SPANS_MODES as readonly string[]).includes(value)
    ? (value as SpansMode)
    : undefined;
}

/** Whether spans in `mode` are handed on one by one as they end, rather than as transactions. */
export function streamsSpans(mode: SpansMode): boolean {
  return mode !== 'transactions';
}
