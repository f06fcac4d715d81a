/**
 * The replay id to send, from the Sentry replay integration (`Sentry.getReplay()` or the
 * object `Sentry.replayIntegration()` returned), without a run-time dependency on
 * `@sentry/browser`: the object is read by its shape.
 *
 * The rule is Sentry's own (its `createDsc` hook in the replay integration): an id only while
 * the integration is enabled, records in `session` mode — not `buffer` mode, whose replay is
 * not sent unless an error occurs, so an id would point at nothing — and its session has not
 * expired. `getReplayId()` alone also answers in buffer mode and for an expired session.
 * Expiry is checked with the method Sentry's DSC uses (`checkAndHandleExpiredSession`, on the
 * integration's replay container) where it exists; it may end the expired session, as it does
 * for Sentry's own DSC.
 */
import type { ReplayIdSource } from '@otel-sentry/propagator';
import { browserDiag } from './diag.js';

/** The shape of Sentry's replay integration read here (`@sentry/browser` 8 and later). */
export interface ReplayIntegrationLike {
  getReplayId(): string | undefined;
  getRecordingMode(): 'session' | 'buffer' | undefined;
}

type WithContainer = { _replay?: { checkAndHandleExpiredSession?: () => boolean | undefined } };

/**
 * A `getReplayId` source for `SentryPropagator` from the replay integration, or from a
 * function that returns it (for an integration added later, `() => Sentry.getReplay()`).
 * Never throws: a failing integration reads as "no replay".
 */
export function replayIdFromIntegration(
  replay: ReplayIntegrationLike | (() => ReplayIntegrationLike | undefined),
): ReplayIdSource {
  let failed = false;
  return () => {
    try {
      const integration = typeof replay === 'function' ? replay() : replay;
      if (integration === undefined || integration.getRecordingMode() !== 'session') return undefined;
      const id = integration.getReplayId();
      if (!id) return undefined;
      const check = (integration as WithContainer)._replay?.checkAndHandleExpiredSession;
      if (typeof check === 'function' && check.call((integration as WithContainer)._replay) !== true) return undefined;
      return id;
    } catch (error) {
      if (!failed) {
        failed = true;
        browserDiag.warn('the replay integration failed; requests go without a replay id (shown once)', error);
      }
      return undefined;
    }
  };
}
