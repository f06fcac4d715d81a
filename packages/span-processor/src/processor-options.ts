/**
 * Internal (not exported from the package entry point).
 * The first checks of `SentrySpanProcessor`'s options (design decision 13): an options
 * object with an exporter, a client (given, or made from the client options) that a client
 * option given beside it agrees with, and unknown option names reported through `diag`.
 */
import { type Client, InvalidOptionError, objectOption } from '@otel-sentry/core';
import { checkedOptions } from './checked-options.js';
import type { SpanExporterLike } from './types.js';

const C = 'otel-sentry/span-processor';

const OWN = [
  'exporter',
  'spans',
  'maxSpansPerTransaction',
  'maxBufferedSpans',
  'orphanTimeoutMillis',
  'lateChildGraceMillis',
  'scheduledDelayMillis',
  'maxExportBatchSize',
  'maxConcurrentExports',
  'exportTimeoutMillis',
];

const EXPORTER = 'a SpanExporter (an object with export() and shutdown(), e.g. a SentryEnvelopeExporter)';

function isExporter(value: unknown): boolean {
  const v = value as Partial<SpanExporterLike> | null;
  return typeof v === 'object' && v !== null && typeof v.export === 'function' && typeof v.shutdown === 'function';
}

/** The exporter and client of a `SentrySpanProcessor`, or an `InvalidOptionError` saying what to pass. */
export function checkProcessorOptions(input: unknown): { exporter: SpanExporterLike; client: Client } {
  // The mistake of `new BatchSpanProcessor(exporter)` habits: say so rather than "no exporter".
  if (isExporter(input)) {
    throw new InvalidOptionError(
      `${C}: SentrySpanProcessor takes an options object, and was given the exporter itself; write new SentrySpanProcessor({ exporter })`,
    );
  }
  const { options, client } = checkedOptions(C, input, OWN, '{ exporter, client }');
  const exporter = objectOption<SpanExporterLike>(C, 'exporter', options.exporter, ['export', 'shutdown'], EXPORTER);
  if (exporter === undefined) {
    throw new InvalidOptionError(`${C}: option "exporter" is required: ${EXPORTER}`);
  }
  return { exporter, client };
}
