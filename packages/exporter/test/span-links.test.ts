import { type Link, TraceFlags } from '@opentelemetry/api';
import { convertSpanLinksForEnvelope } from '@sentry/core';
import { describe, expect, it } from 'vitest';
import { Scrubber } from '../src/scrubber.js';
import { spanLinks, spanLinksJsonMember } from '../src/span-links.js';

const scrubber = new Scrubber({ sendDefaultPii: false });
const links: Link[] = [
  {
    context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED },
    attributes: { 'sentry.link.type': 'previous_trace', 'messaging.batch.size': 3 },
  },
  { context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: TraceFlags.NONE } },
];

describe('spanLinks', () => {
  it("has the shape of @sentry/core's convertSpanLinksForEnvelope", () => {
    const sentry = JSON.parse(JSON.stringify(convertSpanLinksForEnvelope(links)));
    expect(spanLinks(links, scrubber)).toEqual(sentry);
  });

  it('is nothing without links', () => {
    expect(spanLinks([], scrubber)).toBeUndefined();
    expect(spanLinksJsonMember([], scrubber)).toBe('');
  });

  it('scrubs link attributes like span attributes', () => {
    const secret: Link[] = [
      { context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }, attributes: { token: 'abc' } },
    ];
    expect(spanLinks(secret, scrubber)?.[0]?.attributes).toEqual({ token: '[Filtered]' });
  });

  it('writes the same JSON as the objects', () => {
    const member = spanLinksJsonMember(links, scrubber);
    expect(JSON.parse(`{${member.slice(1)}}`)).toEqual({ links: spanLinks(links, scrubber) });
  });
});
