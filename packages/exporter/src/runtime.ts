/**
 * What runtime the exporter runs in, where behaviour differs beyond what the export conditions
 * choose (the event's `platform`, the offline queue). Bun and Deno say `node` here too: they
 * run Node's APIs, which is what the question is about.
 */

/** Whether Node's APIs are here (Node, Bun, Deno). */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}
