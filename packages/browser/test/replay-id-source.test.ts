import { diag } from '@opentelemetry/api';
import { type ReplayIntegrationLike, replayIdFromIntegration } from '@otel-sentry/browser';
import { afterEach, describe, expect, it } from 'vitest';

const ID = '5f1c2d3e4a5b46c7a8b9c0d1e2f3a4b5';
const ctx = {} as never;

/** The replay integration as @sentry/browser 11 builds it: public methods over a private container. */
function integration(state: { enabled: boolean; mode: 'session' | 'buffer'; expired: boolean }) {
  const container = {
    checkAndHandleExpiredSession(this: { marker: string }) {
      expect(this.marker).toBe('container');
      return state.expired ? undefined : true;
    },
    marker: 'container',
  };
  return {
    _replay: container,
    getReplayId: () => (state.enabled ? ID : undefined),
    getRecordingMode: () => (state.enabled ? state.mode : undefined),
  } satisfies ReplayIntegrationLike & { _replay: unknown };
}

afterEach(() => diag.disable());

describe('replayIdFromIntegration', () => {
  it('gives the id only while a session-mode replay records (as Sentry’s own DSC does)', () => {
    expect(replayIdFromIntegration(integration({ enabled: true, mode: 'session', expired: false }))(ctx)).toBe(ID);
    expect(
      replayIdFromIntegration(integration({ enabled: true, mode: 'buffer', expired: false }))(ctx),
    ).toBeUndefined();
    expect(
      replayIdFromIntegration(integration({ enabled: true, mode: 'session', expired: true }))(ctx),
    ).toBeUndefined();
    expect(
      replayIdFromIntegration(integration({ enabled: false, mode: 'session', expired: false }))(ctx),
    ).toBeUndefined();
  });

  it('follows the state at each call, and takes a getter for an integration added later', () => {
    const state = { enabled: false, mode: 'session' as const, expired: false };
    let current: ReturnType<typeof integration> | undefined;
    const source = replayIdFromIntegration(() => current);
    expect(source(ctx)).toBeUndefined();
    current = integration(state);
    state.enabled = true;
    expect(source(ctx)).toBe(ID);
  });

  it('works with the public methods alone, and never throws', () => {
    expect(replayIdFromIntegration({ getReplayId: () => ID, getRecordingMode: () => 'session' })(ctx)).toBe(ID);
    const broken = replayIdFromIntegration({
      getReplayId: () => ID,
      getRecordingMode: () => {
        throw new Error('boom');
      },
    });
    expect(broken(ctx)).toBeUndefined();
  });
});
