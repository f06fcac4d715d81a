/**
 * Flushing at process exit (design decision 14: "one documented line").
 *
 * - `beforeExit` (the event loop ran dry, a natural exit): flush what is pending. Node emits
 *   `beforeExit` again once the flush's sockets close, so a flush runs only when a span ended
 *   since the last one — otherwise the process would never get to exit.
 * - SIGTERM / SIGINT with no other listener: Node's default is to die at once, losing what is
 *   buffered. Our listener replaces that default, so it must also restore its outcome: shut the
 *   pipeline down within the client's deadline (`shutdownTimeoutMillis`), remove itself and
 *   raise the same signal again — the process exits as Node would have (killed by the signal,
 *   which is what a supervisor or `docker stop` expects), only later.
 * - SIGTERM / SIGINT with listeners of the app: the app owns the exit; flush only, and never
 *   raise or exit behind its back.
 *
 * `process.exit()` cannot be covered: it runs no asynchronous work, so nothing can be sent.
 */
import { nodeDiag } from './diag.js';

/** What {@link installExitFlush} flushes: the set-up's span processor (which flushes the exporter). */
export interface Flushable {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Options of {@link installExitFlush}. */
export interface ExitFlushOptions {
  /** The deadline `shutdown()` keeps; the signal is raised again after it even if shutdown hangs. */
  readonly deadlineMillis: number;
  /** Subscribes to "a span ended"; returns an unsubscribe function. */
  readonly onSpanEnd: (callback: () => void) => () => void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
// After the deadline, a little slack for shutdown()'s own timer to fire first.
const RAISE_SLACK_MILLIS = 250;

/**
 * Installs the exit listeners (see the module comment) and returns a function that removes
 * them. Never throws into the process: failures of flush or shutdown are logged through `diag`.
 */
export function installExitFlush(target: Flushable, options: ExitFlushOptions): () => void {
  let pending = true;
  let flushing = false;
  let stopping = false;
  const unsubscribe = options.onSpanEnd(() => {
    pending = true;
  });

  const onBeforeExit = (): void => {
    if (!pending || flushing || stopping) return;
    pending = false;
    flushing = true;
    target
      .forceFlush()
      .catch((error: unknown) => nodeDiag.error('flush at exit failed', error))
      .finally(() => {
        flushing = false;
      });
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (process.listenerCount(signal) > 1) {
      // The app listens too: it decides when and how to exit.
      target.forceFlush().catch((error: unknown) => nodeDiag.error(`flush on ${signal} failed`, error));
      return;
    }
    if (stopping) {
      // A second signal while shutting down: the user insists.
      raise(signal);
      return;
    }
    stopping = true;
    const timer = setTimeout(() => raise(signal), options.deadlineMillis + RAISE_SLACK_MILLIS);
    target
      .shutdown()
      .catch((error: unknown) => nodeDiag.error(`shutdown on ${signal} failed`, error))
      .finally(() => {
        clearTimeout(timer);
        raise(signal);
      });
  };

  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    unsubscribe();
    process.removeListener('beforeExit', onBeforeExit);
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };

  // Without our listener the signal's default action applies: the process ends as Node would end it.
  let raised = false;
  function raise(signal: NodeJS.Signals): void {
    if (raised) return;
    raised = true;
    remove();
    process.kill(process.pid, signal);
  }

  process.on('beforeExit', onBeforeExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return remove;
}
