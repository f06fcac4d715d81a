/**
 * Internal (not exported from the package entry point).
 * `tracePropagationTargets`: which outgoing requests get trace headers, by URL.
 */
import type { Span } from '@opentelemetry/api';
import { peekUnrecordedSpanUrl, requestUrlOf } from '@otel-sentry/core';
import { propagatorDiag } from './diag.js';
import type { TracePropagationTarget } from './types.js';

/**
 * The URL of the request `span` describes, wherever it can be learnt:
 * - a recorded span (an SDK span, ended or not) holds it in its attributes;
 * - a span that is not recorded holds nothing: the sampler that decided not to record it
 *   handed the URL over (core's `offerUnrecordedSpan`, which `SentrySampler` calls), and what
 *   is read at its first inject is remembered in `seen`, so a later inject says the same.
 *
 * Returns the URL; `null` when the span is known to describe no request (a recorded span
 * without a URL, e.g. a messaging span); `undefined` when that cannot be known (a span another
 * sampler did not record, or a remote span context standing in for a span).
 */
export function requestUrl(span: Span, seen: WeakMap<object, string | null>): string | null | undefined {
  const attributes = (span as { attributes?: Record<string, unknown> }).attributes;
  if (typeof attributes === 'object' && attributes !== null) return requestUrlOf(attributes) ?? null;
  const known = seen.get(span);
  if (known !== undefined) return known;
  const spanContext = span.spanContext();
  // A remote span context has not been through a sampler here: the slot speaks of another span.
  if (spanContext.isRemote === true) return undefined;
  const offered = peekUnrecordedSpanUrl(spanContext.traceId);
  if (offered !== undefined) seen.set(span, offered);
  return offered;
}

/** Whether a request to `url` gets trace headers. An unknown URL or no target list: yes. */
export function matchesTargets(
  url: string | undefined,
  targets: readonly TracePropagationTarget[] | undefined,
): boolean {
  if (targets === undefined || url === undefined) return true;
  for (const target of targets) {
    if (typeof target === 'string') {
      if (url.includes(target)) return true;
    } else if (target instanceof RegExp) {
      // A /g or /y pattern remembers where it stopped; start over for every URL.
      target.lastIndex = 0;
      if (target.test(url)) return true;
    } else if (typeof target === 'function') {
      try {
        if (target(url) === true) return true;
      } catch (error) {
        propagatorDiag.warn('a tracePropagationTargets function threw; treated as no match', error);
      }
    }
  }
  return false;
}
