import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FRAMES, parseStackTrace } from '../src/stack-parser.js';

describe('parseStackTrace', () => {
  it('reads V8 stacks, oldest frame first', () => {
    const stack = [
      'TypeError: boom',
      '    at inner (/app/src/a.js:10:5)',
      '    at async Server.handler (file:///app/src/b.mjs:20:7)',
      '    at /app/node_modules/express/lib/router.js:3:1',
      '    at new Foo (node:internal/x:1:2)',
      '    at eval (eval at run (/app/c.js:5:9), <anonymous>:1:1)',
    ].join('\n');
    const frames = parseStackTrace(stack);
    expect(frames).toHaveLength(5);
    expect(frames[4]).toEqual({
      function: 'inner',
      filename: '/app/src/a.js',
      abs_path: '/app/src/a.js',
      lineno: 10,
      colno: 5,
      in_app: true,
    });
    expect(frames[3]).toMatchObject({ function: 'Server.handler', filename: '/app/src/b.mjs', lineno: 20, colno: 7 });
    expect(frames[2]).toMatchObject({ function: '?', lineno: 3, in_app: false });
    expect(frames[1]).toMatchObject({ function: 'new Foo', filename: 'node:internal/x', in_app: false });
    expect(frames[0]).toMatchObject({ function: 'eval', filename: '/app/c.js', lineno: 5, colno: 9 });
  });

  it('reads Firefox and Safari stacks', () => {
    const stack = [
      'handler@https://site.io/app.js:12:34',
      '@https://site.io/app.js:1:2',
      'global code@https://site.io/x.js:7:1',
      '[native code]',
    ].join('\n');
    const frames = parseStackTrace(stack);
    expect(frames.map((f) => f.function)).toEqual(['global code', '?', 'handler']);
    expect(frames[2]).toMatchObject({ filename: 'https://site.io/app.js', lineno: 12, colno: 34 });
  });

  it('keeps at most MAX_FRAMES frames', () => {
    const stack = Array.from({ length: 200 }, (_, i) => `    at f${i} (/a.js:${i + 1}:1)`).join('\n');
    const frames = parseStackTrace(stack);
    expect(frames).toHaveLength(MAX_FRAMES);
    expect(frames[frames.length - 1]!.function).toBe('f0');
  });

  it('never throws and gives well-formed frames for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        const frames = parseStackTrace(text);
        for (const f of frames) {
          expect(typeof f.function).toBe('string');
          if (f.lineno !== undefined) expect(Number.isInteger(f.lineno)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is linear on hostile input', () => {
    const hostile = `    at ${'('.repeat(50_000)}:${'1:'.repeat(20_000)}`;
    const start = performance.now();
    parseStackTrace(hostile);
    expect(performance.now() - start).toBeLessThan(500);
  });
});
