/**
 * @internal
 * The `baggage` value an inject writes: the frozen DSC members as they are, the current
 * replay id beside them, merged into whatever the carrier already holds.
 */
import { appendBaggage, parseBaggage, SENTRY_BAGGAGE_PREFIX } from '@otel-sentry/core';

const REPLAY_KEY = `${SENTRY_BAGGAGE_PREFIX}replay_id`;

function memberKey(member: string): string {
  const eq = member.indexOf('=');
  return (eq === -1 ? member : member.slice(0, eq)).trim();
}

// Values never hold a raw ',' (it is not a baggage-octet), so members split on it.
function filterMembers(list: string, keep: (key: string) => boolean): string {
  let out = '';
  for (const member of list.split(',')) {
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
 *
 * - The carrier has its own `sentry-trace`: its Sentry members belong to it, so only keys it
 *   lacks are added.
 * - Otherwise `sentry-` members already there are stale copies (typically a
 *   `W3CBaggagePropagator` re-sending the members it extracted, re-encoded): ours replace
 *   them, so no member is written twice and the frozen bytes go out unchanged.
 */
export function mergeBaggage(existing: string | undefined, sentry: string, carrierHasSentryTrace: boolean): string {
  if (!existing) return sentry;
  if (carrierHasSentryTrace) {
    const present = new Set(
      parseBaggage(existing, { maxMembers: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY }).map(
        (m) => m.key,
      ),
    );
    return appendBaggage(
      existing,
      filterMembers(sentry, (key) => !present.has(key)),
    );
  }
  if (!existing.includes(SENTRY_BAGGAGE_PREFIX)) return appendBaggage(existing, sentry);
  return appendBaggage(
    filterMembers(existing, (key) => !key.startsWith(SENTRY_BAGGAGE_PREFIX)),
    sentry,
  );
}
