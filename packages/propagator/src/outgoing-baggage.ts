/**
 * Internal (not exported from the package entry point).
 * The `baggage` value an inject writes: the frozen DSC members as they are, the current
 * replay id beside them, merged into whatever the carrier already holds.
 *
 * What the carrier holds may be anything an application put there, a megabyte included:
 * every function here is linear, and none reads more than `BAGGAGE_MAX_READ_CHARS` of it.
 */
import { appendBaggage, BAGGAGE_MAX_READ_CHARS, SENTRY_BAGGAGE_PREFIX } from '@otel-sentry/core';

const REPLAY_KEY = `${SENTRY_BAGGAGE_PREFIX}replay_id`;

function memberKey(member: string): string {
  const eq = member.indexOf('=');
  return (eq === -1 ? member : member.slice(0, eq)).trim();
}

// Values never hold a raw ',' (it is not a baggage-octet), so members split on it. Past the
// read limit, the list is cut after its last whole member within it: what lies beyond could
// not be propagated anyway (W3C lets a platform drop members, never send part of one).
function filterMembers(list: string, keep: (key: string) => boolean): string {
  let text = list;
  if (text.length > BAGGAGE_MAX_READ_CHARS) {
    text = text.slice(0, BAGGAGE_MAX_READ_CHARS);
    const last = text.lastIndexOf(',');
    text = last === -1 ? '' : text.slice(0, last);
  }
  let out = '';
  for (const member of text.split(',')) {
    if (member.trim() === '' || !keep(memberKey(member))) continue;
    out = out === '' ? member : `${out},${member}`;
  }
  return out;
}

/**
 * The Sentry members to send: `frozen` byte for byte, and `sentry-replay_id=<replayId>`
 * after them. A `replay_id` inside the frozen DSC (only a `createDsc` hook can put one there)
 * gives way to the current id, and is dropped when `keepFrozenReplay` is false: a replay-id
 * source that knows of no replay means that replay has ended.
 */
export function sentryMembers(frozen: string, replayId: string | undefined, keepFrozenReplay: boolean): string {
  let members = frozen;
  if ((replayId !== undefined || !keepFrozenReplay) && frozen.includes(REPLAY_KEY)) {
    members = filterMembers(frozen, (key) => key !== REPLAY_KEY);
  }
  if (replayId === undefined) return members;
  return appendBaggage(members, `${REPLAY_KEY}=${replayId}`);
}

/**
 * Merges the Sentry members into the carrier's existing `baggage` value, within the W3C limits.
 * `sentry-` members already there are stale copies (typically a `W3CBaggagePropagator`
 * re-sending the members it extracted, re-encoded): ours replace them, so no member is
 * written twice and the frozen bytes go out unchanged. (A carrier with a `sentry-trace` of
 * its own never gets here: it is left alone.)
 */
export function mergeBaggage(existing: string | undefined, sentry: string): string {
  if (!existing) return sentry;
  // Four times past what may be propagated: a value the application wrote this long is left
  // as it is, unread, and ours is not added (it would not fit within the limits beside it).
  if (existing.length > BAGGAGE_MAX_READ_CHARS) return existing;
  if (!existing.includes(SENTRY_BAGGAGE_PREFIX)) return appendBaggage(existing, sentry);
  return appendBaggage(withoutSentryMembers(existing), sentry);
}

/**
 * `existing` without its `sentry-` members: what may leave for a request outside
 * `tracePropagationTargets`, where a `W3CBaggagePropagator` listed before this one has
 * already copied the incoming request's DSC and replay id. `''` when nothing else is left.
 */
export function withoutSentryMembers(existing: string): string {
  return filterMembers(existing, (key) => !key.startsWith(SENTRY_BAGGAGE_PREFIX));
}
