/**
 * Stack trace text (V8, Firefox and Safari formats) to Sentry frames, oldest call first.
 * A hand-written scanner rather than regular expressions: stack traces are attacker-influenced
 * text (exception messages, file names) and must not make a regex backtrack.
 */

/** One Sentry stack frame. */
export interface StackFrame {
  function: string;
  filename?: string;
  abs_path?: string;
  lineno?: number;
  colno?: number;
  in_app: boolean;
}

/** Most frames kept (the innermost ones); Sentry shows 50. */
export const MAX_FRAMES = 50;
/** Longest stack text read. */
const MAX_STACK_CHARS = 64 * 1024;

function isDigits(text: string): boolean {
  if (text === '') return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function frameAt(fn: string, location: string): StackFrame {
  let loc = location;
  let lineno: number | undefined;
  let colno: number | undefined;
  const last = loc.lastIndexOf(':');
  if (last !== -1 && isDigits(loc.slice(last + 1))) {
    const before = loc.lastIndexOf(':', last - 1);
    if (before !== -1 && isDigits(loc.slice(before + 1, last))) {
      lineno = Number(loc.slice(before + 1, last));
      colno = Number(loc.slice(last + 1));
      loc = loc.slice(0, before);
    } else {
      lineno = Number(loc.slice(last + 1));
      loc = loc.slice(0, last);
    }
  }
  const frame: StackFrame = { function: fn || '?', in_app: isInApp(loc) };
  if (loc !== '') {
    const path = loc.startsWith('file://') ? loc.slice(7) : loc;
    frame.filename = path;
    frame.abs_path = path;
  }
  if (lineno !== undefined) frame.lineno = lineno;
  if (colno !== undefined) frame.colno = colno;
  return frame;
}

function isInApp(filename: string): boolean {
  if (filename === '' || filename === 'native' || filename === '<anonymous>' || filename === '[native code]')
    return false;
  if (filename.startsWith('node:') || filename.startsWith('internal/')) return false;
  return !filename.includes('/node_modules/') && !filename.includes('\\node_modules\\');
}

function parseV8(rest: string): StackFrame {
  let fn = '';
  let loc = rest;
  if (rest.endsWith(')')) {
    const open = rest.indexOf(' (');
    if (open !== -1) {
      fn = rest.slice(0, open);
      loc = rest.slice(open + 2, -1);
    }
  }
  if (fn.startsWith('async ')) fn = fn.slice(6);
  // `eval at f (file:1:2), <anonymous>:1:3`: the code that ran eval is the useful place.
  if (loc.startsWith('eval at ')) {
    const inner = loc.indexOf('(');
    const close = loc.indexOf(')', inner);
    if (inner !== -1 && close !== -1) loc = loc.slice(inner + 1, close);
  }
  return frameAt(fn, loc);
}

function parseGecko(line: string, at: number): StackFrame {
  return frameAt(line.slice(0, at), line.slice(at + 1));
}

/**
 * Parses a stack trace into frames, oldest call first, keeping the innermost
 * {@link MAX_FRAMES}. Lines it cannot read (the message line, `[native code]`) are skipped.
 * Never throws.
 */
export function parseStackTrace(stack: string | undefined): StackFrame[] {
  if (typeof stack !== 'string' || stack === '') return [];
  const text = stack.length > MAX_STACK_CHARS ? stack.slice(0, MAX_STACK_CHARS) : stack;
  const frames: StackFrame[] = [];
  let start = 0;
  while (start <= text.length && frames.length < MAX_FRAMES) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    if (line.startsWith('at ')) {
      frames.push(parseV8(line.slice(3)));
      continue;
    }
    const at = line.indexOf('@');
    // Firefox / Safari: `fn@url:line:col` or `@url:line:col`; a bare message line has no `:line`.
    if (at !== -1 && line.indexOf(':', at) !== -1) {
      const frame = parseGecko(line, at);
      if (frame.lineno !== undefined) frames.push(frame);
    }
  }
  return frames.reverse();
}
