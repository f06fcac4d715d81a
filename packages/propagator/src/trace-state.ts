/**
 * Internal (not exported from the package entry point).
 * The `tracestate` of a trace continued from `traceparent`. A request may carry it in several
 * header values (Node's HTTP server joins repeated headers with `,`; custom getters hand over
 * arrays): the W3C Trace Context spec reads them as one list, in order. What is kept stays
 * within the spec's limits, 32 members and 512 characters, which is also what
 * `@opentelemetry/core`'s `TraceState` accepts: it drops a longer value whole. Of a hostile
 * header, at most {@link TRACESTATE_MAX_READ_CHARS} characters are read.
 */
import { isSafeHeaderText } from '@otel-sentry/core';
import type { IncomingValue } from './carrier.js';

const MAX_MEMBERS = 32;
const MAX_LENGTH = 512;
// The spec's first victims when the list must shrink: members longer than this.
const LONG_MEMBER = 128;
// Members looked at, at most: far more than can be kept, and a bound on a hostile header's cost.
const MAX_SCANNED = 256;
/**
 * Characters read of all `tracestate` values, at most: 32 members of the longest valid size
 * (a 256-character key, `=`, a 256-character value) and their commas fit in it, so every
 * list a sender may send is read whole. A member cut by it is not read.
 */
export const TRACESTATE_MAX_READ_CHARS = 16_448;

// The key and value grammar of W3C Trace Context (as `@opentelemetry/core` checks it): an
// invalid member must not take the place of a valid one within the limits. Bounded
// repetitions only, so no backtracking blow-up.
const KEY = /^(?:[a-z0-9][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const VALUE = /^[ -~]{0,255}[!-~]$/;

// A value is re-sent byte for byte, so it may not hold a percent-escape of a control either
// (`%0D%0A`): harmless to W3C Trace Context, a header break to a receiver that decodes it.
function isValidMember(member: string, eq: number): boolean {
  const value = member.slice(eq + 1);
  return (
    KEY.test(member.slice(0, eq)) &&
    VALUE.test(value) &&
    !value.includes('=') &&
    isSafeHeaderText(member, eq + 1, member.length)
  );
}

/**
 * Every `tracestate` value combined into one list: invalid members (a value holding a
 * percent-escaped control among them) and repeated keys (the first, leftmost one is the
 * newest) left out; past the limits, whole members are dropped
 * until it fits, members longer than 128 characters first, then from the end, as the spec
 * says. `undefined` when nothing is left.
 */
export function combineTraceState(value: IncomingValue): string | undefined {
  let parts: readonly unknown[];
  if (typeof value === 'string') parts = [value];
  else if (Array.isArray(value)) parts = value;
  else return undefined;

  const members: string[] = [];
  const keys = new Set<string>();
  let length = -1; // the commas between members: one fewer than the members
  let scanned = 0;
  let room = TRACESTATE_MAX_READ_CHARS;
  scan: for (let p = 0; p < parts.length && room > 0; p++) {
    const part = parts[p];
    if (typeof part !== 'string') continue;
    const cut = part.length > room;
    const text = cut ? part.slice(0, room) : part;
    room -= text.length + 1;
    const pieces = text.split(',', MAX_SCANNED + 1);
    // The last piece of a cut value is a member cut short: not a member.
    if (cut) pieces.pop();
    for (const raw of pieces) {
      if (++scanned > MAX_SCANNED) break scan;
      const member = raw.trim();
      const eq = member.indexOf('=');
      if (eq <= 0 || !isValidMember(member, eq)) continue;
      const key = member.slice(0, eq);
      if (keys.has(key)) continue;
      keys.add(key);
      members.push(member);
      length += member.length + 1;
    }
  }
  if (members.length === 0) return undefined;
  if (members.length <= MAX_MEMBERS && length <= MAX_LENGTH) return members.join(',');

  // Whole members go, and only until the list fits: long ones first (the last first), then
  // from the end.
  const over = () => members.length > MAX_MEMBERS || length > MAX_LENGTH;
  for (let i = members.length - 1; i >= 0 && over(); i--) {
    if (members[i]!.length > LONG_MEMBER) length -= members.splice(i, 1)[0]!.length + 1;
  }
  while (members.length > 0 && over()) length -= members.pop()!.length + 1;
  return members.length === 0 ? undefined : members.join(',');
}
