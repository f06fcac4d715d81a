/**
 * Design decision 1 at extract: a `sentry-` member no header can carry is dropped before the
 * DSC freezes, and `diag` says so once (later ones at debug level). In a file of its own: the
 * "once" is per process, and no other test here may have used it up.
 */
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, expect, it } from 'vitest';
import { readIncomingDsc } from '../src/incoming-dsc.js';

afterEach(() => diag.disable());

it('drops the member before the DSC freezes and says so once through diag, then at debug level', () => {
  const logged: Array<{ level: string; text: string }> = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      logged.push({ level, text: args.map(String).join(' ') });
  const logger: DiagLogger = {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    verbose: at('verbose'),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });

  const first = readIncomingDsc('sentry-trace_id=abc,sentry-release=a\r\nX-Injected: 1');
  const second = readIncomingDsc(['sentry-environment=a%0Ab', 'sentry-trace_id=def']);
  expect(first?.frozen.baggage).toBe('sentry-trace_id=abc');
  expect(second?.frozen.baggage).toBe('sentry-trace_id=def');

  const reports = logged.filter((l) => l.text.includes('dropped before the DSC freezes'));
  expect(reports.map((l) => l.level)).toEqual(['warn', 'debug']);
  expect(reports[0]!.text).toContain('"sentry-release"');
  expect(reports[1]!.text).toContain('"sentry-environment"');
  // The message itself stays one line: the dropped value is never repeated.
  expect(reports.some((l) => l.text.includes('\n') || l.text.includes('X-Injected'))).toBe(false);
});
