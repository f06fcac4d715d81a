import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { StackContextManager } from '@opentelemetry/sdk-trace-web';
import { createSentryBrowserSetup, type NavigationEvents, readPageTraceHeaders } from '@otel-sentry/browser';
import { getDynamicSamplingContext } from '@otel-sentry/core';
import { afterEach, describe, expect, it } from 'vitest';

const SERVER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SERVER_SPAN = '00f067aa0ba902b7';

/** A page's `<head>` as far as the set-up reads it. */
function page(meta: Record<string, string>) {
  return {
    querySelector(selector: string) {
      const name = /name="([^"]+)"/.exec(selector)?.[1] ?? '';
      const content = meta[name];
      return content === undefined ? null : { getAttribute: (attr: string) => (attr === 'content' ? content : null) };
    },
  };
}

/** A window that records its listeners, so a test can navigate. */
function fakeWindow(withNavigationApi: boolean) {
  const listeners = new Map<string, () => void>();
  const events: NavigationEvents & { fire(type: string): void } = {
    addEventListener: (type, listener) => listeners.set(type, listener),
    removeEventListener: (type) => listeners.delete(type),
    navigation: withNavigationApi
      ? { addEventListener: (type, listener) => listeners.set(`navigation:${type}`, listener) }
      : undefined,
    fire: (type) => listeners.get(type)?.(),
  };
  return events;
}

const SERVER_PAGE = page({
  'sentry-trace': `${SERVER_TRACE}-${SERVER_SPAN}-1`,
  baggage: `sentry-trace_id=${SERVER_TRACE},sentry-environment=production,sentry-transaction=GET%20%2Fcheckout,sentry-sampled=true`,
});

afterEach(() => {
  context.disable();
});

describe('the page trace as the root context', () => {
  it('makes work started with no active span a child of the server span, with its DSC, even after an await', async () => {
    const events = fakeWindow(true);
    const sentry = createSentryBrowserSetup({ document: SERVER_PAGE, window: events, env: false });
    context.setGlobalContextManager(sentry.contextManager.enable());
    const provider = new BasicTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
    await new Promise((resolve) => setTimeout(resolve, 1));
    const span = provider.getTracer('page').startSpan('GET /api/cart');
    expect(span.spanContext().traceId).toBe(SERVER_TRACE);
    expect((span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId).toBe(SERVER_SPAN);
    expect(getDynamicSamplingContext(context.active())?.transaction).toBe('GET /checkout');
    span.end();

    // Inside a span of the app's own, its trace holds.
    const own = provider.getTracer('page').startSpan('app work', { root: true });
    context.with(trace.setSpan(context.active(), own), () => {
      expect(trace.getSpanContext(context.active())?.traceId).toBe(own.spanContext().traceId);
    });
    own.end();

    events.fire('navigation:navigate');
    expect(context.active()).toBe(ROOT_CONTEXT);
    expect(provider.getTracer('page').startSpan('after').spanContext().traceId).not.toBe(SERVER_TRACE);
    await sentry.shutdown();
  });

  it('ends at popstate without the Navigation API, at pagehide, or when the app says so', () => {
    for (const end of ['popstate', 'pagehide', 'call'] as const) {
      const events = fakeWindow(false);
      const sentry = createSentryBrowserSetup({ document: SERVER_PAGE, window: events, env: false });
      const manager = sentry.contextManager.enable();
      expect(manager.continuesPageTrace).toBe(true);
      if (end === 'call') sentry.endPageTrace();
      else events.fire(end);
      expect(manager.continuesPageTrace).toBe(false);
      expect(manager.active()).toBe(ROOT_CONTEXT);
      manager.disable();
    }
  });

  it('only forwards when the page carries no trace', () => {
    const sentry = createSentryBrowserSetup({ document: page({}), window: fakeWindow(true), env: false });
    const manager = sentry.contextManager.enable();
    expect(manager.continuesPageTrace).toBe(false);
    expect(manager.active()).toBe(ROOT_CONTEXT);
    manager.disable();
  });

  it('wraps the context manager the app gives', () => {
    const inner = new StackContextManager();
    const sentry = createSentryBrowserSetup({ document: SERVER_PAGE, contextManager: inner, env: false });
    const manager = sentry.contextManager.enable();
    const key = Symbol('k');
    const ctx = ROOT_CONTEXT.setValue(key, 1);
    manager.with(ctx, () => {
      expect(inner.active()).toBe(ctx);
      expect(manager.active()).toBe(ctx);
    });
    manager.disable();
  });
});

describe('readPageTraceHeaders', () => {
  it('reads the two meta tags, and nothing without a document', () => {
    expect(readPageTraceHeaders(page({ 'sentry-trace': 'a', baggage: 'b' }))).toEqual({
      'sentry-trace': 'a',
      baggage: 'b',
    });
    expect(readPageTraceHeaders(undefined)).toEqual({});
  });
});
