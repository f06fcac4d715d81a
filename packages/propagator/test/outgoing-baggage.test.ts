import { describe, expect, it } from 'vitest';
import { mergeBaggage, sentryMembers, withoutSentryMembers } from '../src/outgoing-baggage.js';

const FROZEN = 'sentry-trace_id=abc,sentry-release=r%401';
const REPLAY = '6a2b1f0c9d8e4f7a8b3c2d1e0f9a8b7c';

describe('sentryMembers', () => {
  it('sends the frozen bytes, the current replay id after them', () => {
    expect(sentryMembers(FROZEN, undefined, true)).toBe(FROZEN);
    expect(sentryMembers(FROZEN, REPLAY, true)).toBe(`${FROZEN},sentry-replay_id=${REPLAY}`);
    expect(sentryMembers('', REPLAY, true)).toBe(`sentry-replay_id=${REPLAY}`);
  });

  it('replaces a frozen replay id with the current one, and drops it when told no replay is current', () => {
    const withOld = `sentry-trace_id=abc,sentry-replay_id=old,sentry-release=r%401`;
    expect(sentryMembers(withOld, REPLAY, true)).toBe(`${FROZEN},sentry-replay_id=${REPLAY}`);
    expect(sentryMembers(withOld, undefined, false)).toBe(FROZEN);
    expect(sentryMembers(withOld, undefined, true)).toBe(withOld);
  });

  it('leaves the replay id out rather than pass the member limit', () => {
    const full = Array.from({ length: 64 }, (_, i) => `sentry-k${i}=v`).join(',');
    expect(sentryMembers(full, REPLAY, true)).toBe(full);
  });
});

describe('mergeBaggage', () => {
  it('appends to foreign members', () => {
    expect(mergeBaggage(undefined, FROZEN)).toBe(FROZEN);
    expect(mergeBaggage('vendor=1', FROZEN)).toBe(`vendor=1,${FROZEN}`);
  });

  it('replaces stale sentry copies', () => {
    expect(mergeBaggage('sentry-release=r@1,vendor=1,sentry-replay_id=x', FROZEN)).toBe(`vendor=1,${FROZEN}`);
    expect(mergeBaggage('sentry-release=r@1', FROZEN)).toBe(FROZEN);
  });
});

describe('withoutSentryMembers', () => {
  it('keeps every other member as it was, and gives nothing when only sentry members were there', () => {
    expect(withoutSentryMembers('a=1,sentry-release=r@1, b=2;p ,sentry-replay_id=x')).toBe('a=1, b=2;p ');
    expect(withoutSentryMembers('sentry-release=r@1,sentry-replay_id=x')).toBe('');
    // A key that only contains the prefix is not Sentry's.
    expect(withoutSentryMembers('my-sentry-key=1')).toBe('my-sentry-key=1');
  });
});
