import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { requestData } from '../src/request-data.js';
import { Scrubber } from '../src/scrubber.js';
import { provider } from './helpers/otel.js';

const memory = new InMemorySpanExporter();
const { tracer } = provider(memory);
const scrubber = new Scrubber({ sendDefaultPii: false });

afterEach(() => memory.reset());

function ended(kind: SpanKind, attributes: Record<string, string | number>) {
  tracer.startSpan('GET', { kind, attributes }).end();
  return memory.getFinishedSpans()[0]!;
}

describe('requestData', () => {
  it('reads the older HTTP conventions (instrumentation-http by default): URL without its query, secrets scrubbed', () => {
    const span = ended(SpanKind.SERVER, {
      'http.method': 'GET',
      'http.url': 'http://shop.local:8080/users/42?token=abc&page=2',
      'http.target': '/users/42?token=abc&page=2',
      'http.host': 'shop.local:8080',
    });
    expect(requestData(span, scrubber)).toEqual({
      method: 'GET',
      url: 'http://shop.local:8080/users/42',
      query_string: 'token=%5BFiltered%5D&page=2',
    });
  });

  it('reads the stable conventions, building the URL from scheme, address, port and path', () => {
    const span = ended(SpanKind.SERVER, {
      'http.request.method': 'POST',
      'url.scheme': 'https',
      'server.address': 'api.example.com',
      'server.port': 8443,
      'url.path': '/orders',
      'url.query': 'q=shoes',
    });
    expect(requestData(span, scrubber)).toEqual({
      method: 'POST',
      url: 'https://api.example.com:8443/orders',
      query_string: 'q=shoes',
    });
  });

  it('scrubs a url.query written without its "?" (or with one), as instrumentation-http writes it', () => {
    for (const query of ['token=abc&page=2', '?token=abc&page=2']) {
      const span = ended(SpanKind.SERVER, {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'server.address': 'shop.local',
        'url.path': '/users/42',
        'url.query': query,
      });
      expect(requestData(span, scrubber)).toEqual({
        method: 'GET',
        url: 'http://shop.local/users/42',
        query_string: 'token=%5BFiltered%5D&page=2',
      });
    }
  });

  it('drops credentials from the URL and card numbers from anywhere in it', () => {
    const span = ended(SpanKind.SERVER, {
      'http.request.method': 'GET',
      'url.full': 'https://user:pw@api.example.com/cards/4111111111111111',
    });
    expect(requestData(span, scrubber)).toEqual({ method: 'GET', url: 'https://api.example.com/cards/[Filtered]' });
  });

  it('takes the original method of an _OTHER request', () => {
    const span = ended(SpanKind.SERVER, {
      'http.request.method': '_OTHER',
      'http.request.method_original': 'PURGE',
      'url.path': '/cache',
    });
    expect(requestData(span, scrubber)).toEqual({ method: 'PURGE', url: '/cache' });
  });

  it('is nothing for a span that is not a server request', () => {
    expect(requestData(ended(SpanKind.CLIENT, { 'http.method': 'GET', 'http.url': 'http://x/' }), scrubber)).toBe(
      undefined,
    );
    expect(requestData(ended(SpanKind.SERVER, {}), scrubber)).toBeUndefined();
  });

  it('keeps the query as it is with sendDefaultPii', () => {
    const span = ended(SpanKind.SERVER, { 'http.method': 'GET', 'http.url': 'http://h/p?token=abc' });
    expect(requestData(span, new Scrubber({ sendDefaultPii: true }))).toEqual({
      method: 'GET',
      url: 'http://h/p',
      query_string: 'token=abc',
    });
  });
});
