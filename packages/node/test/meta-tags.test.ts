import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createSentrySetup, escapeHtmlAttribute, getTraceMetaTags } from '@otel-sentry/node';
import { afterEach, describe, expect, it } from 'vitest';
import { DSN } from './capture.js';

const getter = {
  get: (c: Record<string, string>, k: string) => c[k],
  keys: (c: Record<string, string>) => Object.keys(c),
};

afterEach(() => {
  propagation.disable();
});

describe('getTraceMetaTags', () => {
  it("renders the active trace's sentry-trace and baggage, even for a page outside tracePropagationTargets", () => {
    const setup = createSentrySetup({ dsn: DSN, env: false, release: 'web@1.0.0', tracePropagationTargets: [] });
    const provider = new BasicTracerProvider({ sampler: setup.sampler, spanProcessors: setup.spanProcessors });
    const span = provider.getTracer('t').startSpan('GET /page', {
      kind: SpanKind.SERVER,
      attributes: { 'url.full': 'https://shop.example.com/page' },
    });
    const html = setup.getTraceMetaTags(trace.setSpan(context.active(), span));
    span.end();
    const { traceId, spanId } = span.spanContext();
    expect(html).toBe(
      `<meta name="sentry-trace" content="${traceId}-${spanId}-1">\n` +
        `<meta name="baggage" content="${html.split('name="baggage" content="')[1]?.slice(0, -2)}">`,
    );
    expect(html).toContain(`sentry-trace_id=${traceId}`);
    expect(html).toMatch(/sentry-release=web(@|%40)1\.0\.0/);
  });

  it('HTML-escapes what arrived in request headers (no reflected XSS)', () => {
    const setup = createSentrySetup({ dsn: DSN, env: false });
    const provider = new BasicTracerProvider({ sampler: setup.sampler, spanProcessors: setup.spanProcessors });
    const hostile = {
      'sentry-trace': '771a43a4192642f0b136d5159a501700-b40ab5e5bb5d1f13-1',
      baggage: `sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-release="><script>alert(1)</script>,sentry-environment='x'&`,
    };
    const incoming = setup.textMapPropagator.extract(context.active(), hostile, getter);
    const span = provider.getTracer('t').startSpan('GET /page', { kind: SpanKind.SERVER }, incoming);
    const html = setup.getTraceMetaTags(trace.setSpan(incoming, span));
    span.end();
    // The members were re-propagated byte for byte (valid header bytes), and escaped here.
    expect(html).toContain('sentry-release=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script|"><|'x'/);
    expect(html.split('\n')).toHaveLength(2);
    for (const line of html.split('\n')) expect(line).toMatch(/^<meta name="[a-z-]+" content="[^"<>']*">$/);
  });

  it('uses the global propagator by default, and renders nothing without a trace', () => {
    expect(getTraceMetaTags()).toBe('');
    const setup = createSentrySetup({ dsn: DSN, env: false });
    propagation.setGlobalPropagator(setup.textMapPropagator);
    const provider = new BasicTracerProvider({ sampler: setup.sampler, spanProcessors: setup.spanProcessors });
    const span = provider.getTracer('t').startSpan('job');
    expect(getTraceMetaTags({ context: trace.setSpan(context.active(), span) })).toContain('<meta name="sentry-trace"');
    span.end();
  });

  it('escapes the five HTML special characters', () => {
    expect(escapeHtmlAttribute(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
  });
});
