/**
 * OpenTelemetry span links as Sentry sends them (`@sentry/core`'s
 * `convertSpanLinksForEnvelope`): `contexts.trace.links` on a transaction, `links` on a
 * child span, each `{span_id, trace_id, sampled, attributes?}`. Link attributes are
 * scrubbed like span attributes.
 */
import { type Link, TraceFlags } from '@opentelemetry/api';
import { jsonString } from './json-text.js';
import type { Scrubber } from './scrubber.js';

/** A span link in Sentry's shape. */
export interface SentrySpanLink {
  span_id: string;
  trace_id: string;
  sampled: boolean;
  attributes?: Readonly<Record<string, unknown>>;
}

function hasAttributes(link: Link): boolean {
  const attributes = link.attributes;
  if (attributes === undefined) return false;
  for (const key in attributes) if (attributes[key] !== undefined) return true;
  return false;
}

/** The links of a span in Sentry's shape, or `undefined` when it has none (the member is then left out). */
export function spanLinks(links: readonly Link[] | undefined, scrubber: Scrubber): SentrySpanLink[] | undefined {
  if (links === undefined || links.length === 0) return undefined;
  return links.map((link) => {
    const c = link.context;
    const out: SentrySpanLink = {
      span_id: c.spanId,
      trace_id: c.traceId,
      sampled: (c.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    };
    if (hasAttributes(link)) out.attributes = scrubber.scrubAttributes(link.attributes!);
    return out;
  });
}

/**
 * The same links as a JSON member, `,"links":[...]`, or `''` when there are none: equal to
 * what `JSON.stringify` writes for {@link spanLinks}.
 */
export function spanLinksJsonMember(links: readonly Link[] | undefined, scrubber: Scrubber): string {
  if (links === undefined || links.length === 0) return '';
  let out = ',"links":[';
  for (let i = 0; i < links.length; i++) {
    const link = links[i]!;
    const c = link.context;
    const sampled = (c.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    // Ids come from the SDK's span contexts; written escaped all the same, a link can be hand-made.
    out += `${i === 0 ? '' : ','}{"span_id":${jsonString(c.spanId)},"trace_id":${jsonString(c.traceId)},"sampled":${sampled}`;
    if (hasAttributes(link)) out += `,"attributes":${scrubber.attributesJson(link.attributes!)}`;
    out += '}';
  }
  return `${out}]`;
}
