/**
 * Test helpers: an exporter transport that keeps what it is given, and a diag logger that
 * keeps warnings.
 */
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { parseEnvelope } from '@otel-sentry/core';
import type { EnvelopeTransport, TransportRequest } from '@otel-sentry/exporter';

/** A DSN nothing listens on: with `transport` set, nothing is sent over the network. */
export const DSN = 'http://public@127.0.0.1:9/42';

export interface CaptureTransport extends EnvelopeTransport {
  /** Items of every envelope sent, as `[type, payload]`. */
  items(): Array<[string, Record<string, unknown>]>;
}

export function captureTransport(): CaptureTransport {
  const bodies: Uint8Array[] = [];
  return {
    async send(request: TransportRequest) {
      bodies.push(typeof request.body === 'string' ? new TextEncoder().encode(request.body) : request.body);
      return { statusCode: 200 };
    },
    items() {
      const out: Array<[string, Record<string, unknown>]> = [];
      for (const body of bodies) {
        for (const item of parseEnvelope(body)?.items ?? []) {
          out.push([String(item.headers.type), item.payload as Record<string, unknown>]);
        }
      }
      return out;
    },
  };
}

export class WarningRecorder implements DiagLogger {
  readonly warnings: string[] = [];
  install(): this {
    diag.setLogger(this, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    return this;
  }
  // Component loggers pass their namespace first, then the message.
  error(...args: unknown[]): void {
    this.warnings.push(args.map(String).join(' '));
  }
  warn(...args: unknown[]): void {
    this.warnings.push(args.map(String).join(' '));
  }
  info(): void {}
  debug(): void {}
  verbose(): void {}
}
