/**
 * An OpenTelemetry diag logger that records what the SDK, the instrumentations and the
 * plugins report, so a test can assert that a service logged no error (the SDK's
 * "Accessing resource attributes before async attributes settled" is one).
 */
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';

/** One recorded line: the message and its arguments, as text. */
export type DiagLine = string;

/** See the module comment. */
export class DiagRecorder implements DiagLogger {
  readonly errors: DiagLine[] = [];
  readonly warnings: DiagLine[] = [];

  /** Installs this logger as OpenTelemetry's global one, at `WARN` level. */
  install(): this {
    diag.setLogger(this, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    return this;
  }

  error(message: string, ...args: unknown[]): void {
    this.errors.push(line(message, args));
  }

  warn(message: string, ...args: unknown[]): void {
    this.warnings.push(line(message, args));
  }

  info(): void {}

  debug(): void {}

  verbose(): void {}
}

function line(message: string, args: unknown[]): DiagLine {
  const rest = args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a)));
  return [message, ...rest].join(' ');
}
