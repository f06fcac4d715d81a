/**
 * `<meta name="sentry-trace">` and `<meta name="baggage">` for a server-rendered page, so the
 * browser continues the trace of the request that rendered it (Sentry's `getTraceMetaTags()`).
 *
 * The values are HTML-escaped: `baggage` members arrive in request headers, and a page that
 * echoed them unescaped would let any caller inject markup (reflected XSS).
 */
import { type Context, context as contextApi, propagation, type TextMapPropagator } from '@opentelemetry/api';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `value` safe inside a double- or single-quoted HTML attribute and in text. */
export function escapeHtmlAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Options of {@link getTraceMetaTags}. */
export interface TraceMetaTagsOptions {
  /** Whose trace: default the active context. */
  readonly context?: Context | undefined;
  /**
   * The propagator that writes the headers. Default: the global one (`propagation.inject`).
   * The set-up's {@link SentryNodeSetup.getTraceMetaTags} passes a `SentryPropagator` on its
   * client without `tracePropagationTargets`: a page is not a request the targets speak of.
   */
  readonly propagator?: TextMapPropagator | undefined;
}

/**
 * The meta tags of the trace active in `options.context`, as one HTML string (one tag per
 * line; `''` when there is no trace). Put them in the page's `<head>`. Never throws.
 */
export function getTraceMetaTags(options: TraceMetaTagsOptions = {}): string {
  try {
    const ctx = options.context ?? contextApi.active();
    const carrier: Record<string, string> = {};
    if (options.propagator !== undefined) {
      options.propagator.inject(ctx, carrier, {
        set: (c, key, value) => {
          (c as Record<string, string>)[key] = value;
        },
      });
    } else {
      propagation.inject(ctx, carrier);
    }
    const tags: string[] = [];
    for (const name of ['sentry-trace', 'baggage'] as const) {
      const value = carrier[name];
      if (value) tags.push(`<meta name="${name}" content="${escapeHtmlAttribute(value)}">`);
    }
    return tags.join('\n');
  } catch {
    // A page renders without the tags rather than fail.
    return '';
  }
}
