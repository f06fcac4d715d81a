/**
 * Timers the exporter sets for itself. Every one is unref'd: a deadline, a retry or a periodic
 * report must never keep the host process alive on its own.
 */

/** Lets the process exit while `timer` is pending (Node); a no-op where timers have no `unref`. */
export function unref(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}

/** Resolves after `ms` (at once when it is not positive), without keeping the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => unref(setTimeout(resolve, Math.max(0, ms))));
}
