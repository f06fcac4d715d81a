import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { spanStatus, statusFromGrpcCode, statusFromHttpCode } from '../src/status.js';

describe('statusFromHttpCode', () => {
  it.each([
    [200, 'ok'],
    [302, 'ok'],
    [101, 'ok'],
    [401, 'unauthenticated'],
    [403, 'permission_denied'],
    [404, 'not_found'],
    [409, 'already_exists'],
    [413, 'failed_precondition'],
    [429, 'resource_exhausted'],
    [499, 'cancelled'],
    [400, 'invalid_argument'],
    [418, 'invalid_argument'],
    [501, 'unimplemented'],
    [503, 'unavailable'],
    [504, 'deadline_exceeded'],
    [500, 'internal_error'],
    [599, 'internal_error'],
  ])('%i -> %s', (code, status) => expect(statusFromHttpCode(code)).toBe(status));

  it("a code outside 100–599 is a failure, as Sentry maps it (0: the fetch instrumentation's network error)", () => {
    expect(statusFromHttpCode(0)).toBe('internal_error');
    expect(statusFromHttpCode(42)).toBe('internal_error');
    expect(statusFromHttpCode(600)).toBe('internal_error');
    expect(statusFromHttpCode(-1)).toBe('internal_error');
  });
  it('a value that is not an integer is no code', () => {
    expect(statusFromHttpCode(200.5)).toBeUndefined();
    expect(statusFromHttpCode(Number.NaN)).toBeUndefined();
  });
});

describe('statusFromGrpcCode', () => {
  it('maps the 17 codes by name', () => {
    expect(statusFromGrpcCode(0)).toBe('ok');
    expect(statusFromGrpcCode(4)).toBe('deadline_exceeded');
    expect(statusFromGrpcCode(14)).toBe('unavailable');
    expect(statusFromGrpcCode(16)).toBe('unauthenticated');
    expect(statusFromGrpcCode(17)).toBeUndefined();
  });
});

describe('spanStatus', () => {
  it('OK wins over codes', () => {
    expect(spanStatus({ code: SpanStatusCode.OK }, { 'http.response.status_code': 500 })).toBe('ok');
  });
  it('UNSET takes the HTTP code, then the gRPC code, else ok', () => {
    expect(spanStatus({ code: SpanStatusCode.UNSET }, { 'http.response.status_code': 404 })).toBe('not_found');
    expect(spanStatus({ code: SpanStatusCode.UNSET }, { 'http.status_code': '503' })).toBe('unavailable');
    expect(spanStatus({ code: SpanStatusCode.UNSET }, { 'rpc.grpc.status_code': 5 })).toBe('not_found');
    expect(spanStatus({ code: SpanStatusCode.UNSET }, {})).toBe('ok');
  });
  it('ERROR takes a failing code, a known message, else internal_error (never unknown_error, never ok)', () => {
    expect(spanStatus({ code: SpanStatusCode.ERROR }, { 'http.response.status_code': 502 })).toBe('internal_error');
    expect(spanStatus({ code: SpanStatusCode.ERROR }, { 'http.response.status_code': 404 })).toBe('not_found');
    expect(spanStatus({ code: SpanStatusCode.ERROR, message: 'aborted' }, {})).toBe('aborted');
    expect(spanStatus({ code: SpanStatusCode.ERROR, message: 'boom' }, {})).toBe('internal_error');
    expect(spanStatus({ code: SpanStatusCode.ERROR }, {})).toBe('internal_error');
    expect(spanStatus({ code: SpanStatusCode.ERROR, message: 'ok' }, {})).toBe('internal_error');
    expect(spanStatus({ code: SpanStatusCode.ERROR }, { 'http.response.status_code': 200 })).toBe('internal_error');
  });
  it('an HTTP status outside 100–599 or 0 is not ok, whatever the OpenTelemetry status', () => {
    expect(spanStatus({ code: SpanStatusCode.UNSET }, { 'http.response.status_code': 0 })).toBe('internal_error');
    expect(spanStatus({ code: SpanStatusCode.UNSET }, { 'http.status_code': 700 })).toBe('internal_error');
    expect(spanStatus({ code: SpanStatusCode.ERROR }, { 'http.response.status_code': 0 })).toBe('internal_error');
    expect(spanStatus({ code: SpanStatusCode.UNSET }, { 'http.response.status_code': 'n/a' })).toBe('ok');
  });
});
