/**
 * Small JSON writers for the hot path. `JSON.stringify` of one short string or number costs
 * several times more than checking it and writing it: most span fields (hex ids, ops,
 * statuses, timestamps) need no escaping at all.
 */

/** A string as a JSON string literal. */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Control characters, `"`, `\` and surrogates (a lone one must be escaped) take the general path.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/** A finite number as JSON (`null` for NaN and infinities, as `JSON.stringify` does). */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/**
 * A string as a JSON literal, plus whether it holds at least `minDigits` digits: one scan for
 * the two questions the span hot path asks of every attribute value (escape it? could it hold
 * a card number?). Returns the literal, or `undefined` when the digit count says the caller must
 * look closer first.
 */
export function jsonStringUnlessDigits(text: string, minDigits: number): string | undefined {
  let needsEscape = false;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits >= minDigits) return undefined;
    } else if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      needsEscape = true;
    }
  }
  return needsEscape ? JSON.stringify(text) : `"${text}"`;
}
