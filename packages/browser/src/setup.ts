/**
 * `createSentryBrowserSetup`: the parts for sdk-trace-web on one client (design decision 12),
 * plus what a page needs that a service does not: the trace its server rendered into the page
 * as the root context (`PageTraceContextManager`), a replay-id source read from the Sentry
 * replay integration, and targets that default to the page's own origin, so no header fails a
 * cross-origin request's CORS preflight unless the app asks for it.
 */
import { type ContextManager, ROOT_CONTEXT, type TextMapGetter } from '@opentelemetry/api';
import { StackContextManager } from '@opentelemetry/sdk-trace-web';
import {
  booleanOption,
  CLIENT_OPTION_NAMES,
  checkOptionsBesideClient,
  clientOption,
  createClient,
  describeValue,
  InvalidOptionError,
  objectOption,
  optionsObject,
  pickClientOptions,
  reportUnknownOptions,
} from '@otel-sentry/core';
import { SentryEnvelopeExporter } from '@otel-sentry/exporter';
import { type ReplayIdSource, SentryPropagator } from '@otel-sentry/propagator';
import { SentrySampler, SentrySpanProcessor } from '@otel-sentry/span-processor';
import { type NavigationEvents, PageTraceContextManager } from './page-context-manager.js';
import { type MetaTagSource, readPageTraceHeaders } from './page-trace.js';
import { replayIdFromIntegration } from './replay-id-source.js';
import type { SentryBrowserSetup, SentryBrowserSetupOptions } from './types.js';

const C = 'otel-sentry/browser';
const KNOWN: ReadonlySet<string> = new Set([
  ...CLIENT_OPTION_NAMES,
  'client',
  'tracePropagationTargets',
  'propagateTraceparent',
  'replay',
  'getReplayId',
  'tracesSampler',
  'contextManager',
  'exporter',
  'document',
  'window',
]);

const headerGetter: TextMapGetter<Record<string, string>> = {
  get: (carrier, key) => carrier[key],
  keys: (carrier) => Object.keys(carrier),
};

type PageGlobals = { document?: MetaTagSource; window?: NavigationEvents; location?: { href: string; origin: string } };

/** A target that matches the page's own origin (relative URLs included). */
function sameOrigin(location: { href: string; origin: string } | undefined): (url: string) => boolean {
  return (url) => {
    if (location === undefined) return false;
    try {
      return new URL(url, location.href).origin === location.origin;
    } catch {
      return false;
    }
  };
}

function replaySource(options: SentryBrowserSetupOptions): ReplayIdSource | undefined {
  const { replay, getReplayId } = options;
  if (replay !== undefined && getReplayId !== undefined) {
    throw new InvalidOptionError(`${C}: give "replay" or "getReplayId", not both`);
  }
  if (replay === undefined) return getReplayId;
  const shaped =
    typeof replay === 'function' ||
    (typeof replay === 'object' &&
      replay !== null &&
      typeof replay.getReplayId === 'function' &&
      typeof replay.getRecordingMode === 'function');
  if (!shaped) {
    throw new InvalidOptionError(
      `${C}: option "replay" must be Sentry's replay integration (Sentry.getReplay()) or a function returning it, got ${describeValue(replay)}`,
    );
  }
  return replayIdFromIntegration(replay);
}

/**
 * Builds `SentrySampler`, `SentryPropagator`, `SentrySpanProcessor`, `SentryEnvelopeExporter`
 * on one client, and the context manager that continues the page's server-rendered trace.
 *
 * ```ts
 * const sentry = createSentryBrowserSetup({ replay: Sentry.getReplay() });
 * const provider = new WebTracerProvider({ sampler: sentry.sampler, spanProcessors: sentry.spanProcessors });
 * provider.register({ contextManager: sentry.contextManager, propagator: sentry.textMapPropagator });
 * ```
 *
 * @throws InvalidOptionError (core) when an option cannot work, naming it and the fix.
 */
export function createSentryBrowserSetup(options: SentryBrowserSetupOptions = {}): SentryBrowserSetup {
  const o = optionsObject(C, options, '{ dsn, replay: Sentry.getReplay() }') as SentryBrowserSetupOptions;
  reportUnknownOptions(C, o, KNOWN);
  const given = clientOption(C, o.client);
  if (given !== undefined) checkOptionsBesideClient(C, o as Record<string, unknown>, given);
  const propagateTraceparent = booleanOption(C, 'propagateTraceparent', o.propagateTraceparent, false);
  const inner =
    objectOption<ContextManager>(
      C,
      'contextManager',
      o.contextManager,
      ['active', 'with', 'bind', 'enable', 'disable'],
      'a ContextManager (e.g. new StackContextManager())',
    ) ?? new StackContextManager();
  if (o.exporter !== undefined && (typeof o.exporter !== 'object' || o.exporter === null || 'client' in o.exporter)) {
    throw new InvalidOptionError(
      `${C}: option "exporter" must be an object of exporter options without "client", got ${describeValue(o.exporter)}`,
    );
  }
  const getReplayId = replaySource(o);
  const page = globalThis as PageGlobals;
  const doc = o.document ?? page.document;
  const events = o.window ?? (page.document !== undefined ? page.window : undefined);

  const client = given ?? createClient(pickClientOptions(o as Record<string, unknown>));
  const exporter = new SentryEnvelopeExporter({ ...o.exporter, client });
  const spanProcessor = new SentrySpanProcessor({ client, exporter });
  const sampler = new SentrySampler({ client, tracesSampler: o.tracesSampler });
  const propagator = new SentryPropagator({
    client,
    tracePropagationTargets: o.tracePropagationTargets ?? [sameOrigin(page.location)],
    propagateTraceparent,
    getReplayId,
  });

  const headers = readPageTraceHeaders(doc);
  const pageContext =
    headers['sentry-trace'] !== undefined ? propagator.extract(ROOT_CONTEXT, headers, headerGetter) : undefined;
  const contextManager = new PageTraceContextManager(
    inner,
    pageContext === ROOT_CONTEXT ? undefined : pageContext,
    events,
  );

  return Object.freeze({
    client,
    sampler,
    spanProcessor,
    spanProcessors: [spanProcessor],
    exporter,
    textMapPropagator: propagator,
    contextManager,
    endPageTrace: () => contextManager.endPageTrace(),
    forceFlush: () => spanProcessor.forceFlush(),
    shutdown: () => spanProcessor.shutdown(),
  });
}
