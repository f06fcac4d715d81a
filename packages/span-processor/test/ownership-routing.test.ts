import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SentryEvent } from '@otel-sentry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type OwnershipRoutingOptions, ownershipRouting } from '../src/index.js';
import { createHarness, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const rules: OwnershipRoutingOptions['rules'] = [
  { route: '/billing/*', team: 'payments' },
  { scope: '@opentelemetry/instrumentation-pg', team: 'data-platform' },
  { attributes: { 'messaging.system': 'kafka' }, team: 'streaming' },
  { name: /^cron /, team: 'ops' },
];

function install(options: Partial<OwnershipRoutingOptions> = {}) {
  h = createHarness();
  const routing = ownershipRouting({ rules, ...options });
  const uninstall = routing.setup(h.processor);
  return { routing, uninstall, tracer: h.tracer };
}

function exported(name: string): ReadableSpan {
  return h!.exporter.getFinishedSpans().find((s) => s.name === name)!;
}

/** What the exporter does on the shared client before it sends an event. */
function sendEvent(event: SentryEvent): SentryEvent {
  h!.client.emit('beforeSendEvent', event);
  return event;
}

describe('ownershipRouting', () => {
  it('tags a matching root and the spans below it with the team', async () => {
    const { tracer } = install();
    tracer.startActiveSpan('GET /billing/invoices', { attributes: { 'http.route': '/billing/invoices' } }, (root) => {
      tracer.startActiveSpan('render invoice', (child) => child.end());
      root.end();
    });
    await h!.processor.forceFlush();
    expect(exported('GET /billing/invoices').attributes.team).toBe('payments');
    expect(exported('render invoice').attributes.team).toBe('payments');
  });

  it('lets a nearer rule claim a span, like an error boundary, by scope, attribute or name', async () => {
    const { tracer } = install();
    const pg = h!.provider.getTracer('@opentelemetry/instrumentation-pg');
    tracer.startActiveSpan('GET /billing/invoices', { attributes: { 'http.route': '/billing/invoices' } }, (root) => {
      pg.startActiveSpan('SELECT invoices', (query) => {
        tracer.startSpan('pool checkout').end();
        query.end();
      });
      tracer.startSpan('publish', { attributes: { 'messaging.system': 'kafka' } }).end();
      root.end();
    });
    tracer.startSpan('cron nightly').end();
    await h!.processor.forceFlush();
    expect(exported('SELECT invoices').attributes.team).toBe('data-platform');
    expect(exported('pool checkout').attributes.team).toBe('data-platform');
    expect(exported('publish').attributes.team).toBe('streaming');
    expect(exported('cron nightly').attributes.team).toBe('ops');
  });

  it('tags transaction and error events with the owning team, using the final route', () => {
    const { routing, tracer } = install();
    let childId = '';
    let rootId = '';
    tracer.startActiveSpan('GET', (root) => {
      rootId = root.spanContext().spanId;
      tracer.startActiveSpan('handler', (child) => {
        childId = child.spanContext().spanId;
        child.end();
      });
      // Routers set the route once they matched it, after the span started.
      root.setAttribute('http.route', '/billing/:id');
      root.end();
    });
    expect(routing.teamOf(rootId)).toBe('payments');
    expect(routing.teamOf(childId)).toBe('payments');

    const transaction = sendEvent({ type: 'transaction', contexts: { trace: { span_id: rootId } } });
    const error = sendEvent({ contexts: { trace: { span_id: childId } }, exception: { values: [] } });
    expect(transaction.tags).toEqual({ team: 'payments' });
    expect(error.tags).toEqual({ team: 'payments' });
  });

  it('leaves a team tag the event already has, and events of unknown spans, alone', () => {
    const { tracer } = install({ key: 'owner' });
    let spanId = '';
    tracer.startActiveSpan('cron cleanup', (span) => {
      spanId = span.spanContext().spanId;
      span.end();
    });
    expect(sendEvent({ tags: { owner: 'someone' }, contexts: { trace: { span_id: spanId } } }).tags).toEqual({
      owner: 'someone',
    });
    expect(sendEvent({ contexts: { trace: { span_id: '0000000000000001' } } }).tags).toBeUndefined();
  });

  it('gives unclaimed spans the fallback team', async () => {
    const { tracer } = install({ fallbackTeam: 'platform' });
    tracer.startSpan('GET /unknown').end();
    await h!.processor.forceFlush();
    expect(exported('GET /unknown').attributes.team).toBe('platform');
  });

  it('writes nothing once uninstalled', async () => {
    const { tracer, uninstall } = install();
    uninstall();
    tracer.startSpan('cron nightly').end();
    await h!.processor.forceFlush();
    expect(exported('cron nightly').attributes.team).toBeUndefined();
  });

  it('rejects rules without a team or a criterion', () => {
    expect(() => ownershipRouting({ rules: [{ team: '', route: '/x' }] })).toThrow(/team/);
    expect(() => ownershipRouting({ rules: [{ team: 'a' }] })).toThrow(/criterion/);
  });

  it('matches globs on whole values only, and regular expressions as given', () => {
    const routing = ownershipRouting({
      rules: [
        { route: '/api/*/orders', team: 'orders' },
        { route: /^\/admin/g, team: 'admin' },
      ],
    });
    h = createHarness();
    routing.setup(h.client);
    const teamOfRoute = (route: string) => {
      const span = h!.tracer.startSpan('r', { attributes: { 'http.route': route } });
      span.end();
      return routing.teamOf(span.spanContext().spanId);
    };
    expect(teamOfRoute('/api/v1/orders')).toBe('orders');
    expect(teamOfRoute('/api/v1/orders/1')).toBeUndefined();
    expect(teamOfRoute('/v2/api/x/orders')).toBeUndefined();
    // A global RegExp would alternate true/false between tests; the rule must not.
    expect(teamOfRoute('/admin/users')).toBe('admin');
    expect(teamOfRoute('/admin/users')).toBe('admin');
  });
});
