/**
 * @internal
 * `tracePropagationTargets`: which outgoing requests get trace headers, by URL.
 */
import type { Span } from '@opentelemetry/api';
import { propagatorDiag } from './diag.js';
import type { TracePropagationTarget } from './types.js';

/**
 * The URL of the request `span` describes: stable (`url.full`) or old (`http.url`) HTTP
 * semantic conventions. Only SDK spans expose their attributes; others give `undefined`.
 */
export function spanUrl(span: Span | undefined): string | undefined {
  const attributes = (span as { attributes?: Record<string, unknown> } | undefined)?.attributes;
  if (typeof attributes !== 'object' || attributes === null) return undefined;
  const url = attributes['url.full'] ?? attributes['http.url'];
  return typeof url === 'string' ? url : undefined;
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
