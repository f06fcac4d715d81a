/**
 * JSON encoding that never throws: run-time data (span attributes, user hooks' edits)
 * may hold cycles or BigInts, and a throw there would reach the host application.
 */

/**
 * `JSON.stringify` that never throws: on a cycle or a BigInt it encodes again, writing
 * BigInts as strings and `"[Circular]"` for an object met a second time. `undefined` → `null`.
 */
export function safeStringify(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  } catch {
    const seen = new WeakSet<object>();
    try {
      return (
        JSON.stringify(value, (_key, v: unknown) => {
          if (typeof v === 'bigint') return v.toString();
          if (typeof v === 'object' && v !== null) {
            if (seen.has(v)) return '[Circular]';
            seen.add(v);
          }
          return v;
        }) ?? 'null'
      );
    } catch {
      return 'null';
    }
  }
}
