import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainHeader, isPlainHeaderText, isSafeHeaderText } from '../src/header-value.js';
import { percentDecode } from '../src/percent-encoding.js';

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

describe('isSafeHeaderText', () => {
  it.each([
    ['plain', 'frontend%401.4.2', true],
    ['tab and space', 'a \tb', true],
    ['percent-encoded UTF-8', 'caf%C3%A9', true],
    ['a stray %', 'a%', true],
    ['a stray % then LF', 'a%\n', false],
    ['CR/LF', 'a\r\nb', false],
    ['NUL', 'a\u0000', false],
    ['DEL', 'a\u007f', false],
    ['non-ASCII', 'café', false],
    ['escaped CR', 'a%0D', false],
    ['escaped LF, lowercase', 'a%0a', false],
    ['escaped unit separator', '%1f', false],
    ['escaped DEL', '%7F', false],
    ['escaped DEL, lowercase', '%7f', false],
    ['%% then an escaped LF', '%%0A', false],
    ['escaped space', '%20', true],
    ['escaped "~"', '%7E', true],
  ])('%s', (_name, text, safe) => {
    expect(isSafeHeaderText(text, 0, text.length)).toBe(safe);
  });

  it('looks only at [start, end)', () => {
    expect(isSafeHeaderText('\nabc\n', 1, 4)).toBe(true);
    expect(isSafeHeaderText('ab%0A', 0, 4)).toBe(true);
  });

  it('is safe exactly when the text is header bytes and decodes without a control character', () => {
    const unit = fc.constantFrom(
      'a',
      ' ',
      '\t',
      '%',
      '0',
      'A',
      'f',
      '7',
      '1',
      '9',
      'D',
      '\n',
      '\u0000',
      '\u007f',
      'é',
      '%0A',
      '%7F',
      '%20',
    );
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 12 }).map((a) => a.join('')),
        (text) => {
          const raw = [...text].every((c) => c === '\t' || (c >= ' ' && c <= '~'));
          // A raw tab is a header byte; a decoded one (from `%09`) is a control character. The
          // oracle puts a space where a raw tab stood (removing it would join `%` and `0a` into
          // an escape the text does not hold).
          expect(isSafeHeaderText(text, 0, text.length)).toBe(
            raw && !hasControlCharacter(percentDecode(text.replaceAll('\t', ' '))),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('isPlainHeaderText (the whole-header fast check)', () => {
  const unit = fc.constantFrom(
    'a',
    'b',
    ' ',
    '~',
    '%',
    '0',
    '1',
    '7',
    'F',
    'f',
    'A',
    '\t',
    '\r',
    '\n',
    '\u0000',
    '\u001f',
    '\u007f',
    'é',
    '\u0080',
    '😀',
    '%0A',
    '%7F',
    '%41',
  );

  it('says "plain" exactly when the text is safe and holds no tab, at every length and alignment', () => {
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 40 }).map((a) => a.join('')),
        (text) => {
          expect(isPlainHeaderText(text)).toBe(isSafeHeaderText(text, 0, text.length) && !text.includes('\t'));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('says "not plain" of what is too long to check at once, and checks several values together', () => {
    expect(isPlainHeaderText('a'.repeat(32_769))).toBe(false);
    expect(isPlainHeaderText('a'.repeat(32_768))).toBe(true);
    expect(isPlainHeader(['a=b', 'c=d'])).toBe(true);
    expect(isPlainHeader(['a=b', 'c=\r'])).toBe(false);
    expect(isPlainHeader(['a'.repeat(20_000), 'b'.repeat(20_000)])).toBe(false);
    expect(isPlainHeader(undefined)).toBe(false);
  });
});
