// Just enough Bicep reading for the infrastructure cross-checks (no Bicep compiler can be installed here):
// comments and string contents are masked so that braces, brackets and colons are found only in code, then
// named `var`/`param` declarations, object keys and string arrays are read from the original text.

/**
 * The text with comments replaced by spaces and the inside of string literals by `_` (quotes, newlines and
 * positions kept), so brackets can be matched on it and slices taken from the original at the same offsets.
 */
export function mask(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number, fill: string): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = fill;
  };
  // Each frame: a string (with the brace depth of the interpolation it sits in) or code inside `${...}`.
  type Frame = { kind: 'string' } | { kind: 'interp'; depth: number };
  const stack: Frame[] = [];
  let i = 0;
  while (i < src.length) {
    const top = stack[stack.length - 1];
    const c = src[i] as string;
    if (top?.kind === 'string') {
      if (c === '\\') {
        blank(i, i + 2, '_');
        i += 2;
      } else if (c === "'") {
        stack.pop();
        if (stack[stack.length - 1]?.kind === 'interp') blank(i, i + 1, '_');
        i += 1;
      } else if (c === '$' && src[i + 1] === '{') {
        blank(i, i + 2, '_');
        stack.push({ kind: 'interp', depth: 0 });
        i += 2;
      } else {
        blank(i, i + 1, '_');
        i += 1;
      }
      continue;
    }
    // Code (top level or inside an interpolation, which is masked as part of its string).
    const inInterp = top?.kind === 'interp';
    if (src.startsWith("'''", i)) {
      const end = src.indexOf("'''", i + 3);
      const stop = end < 0 ? src.length : end + 3;
      blank(i + 3, Math.max(i + 3, stop - 3), '_');
      if (inInterp) blank(i, stop, '_');
      i = stop;
    } else if (src.startsWith('//', i)) {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      blank(i, stop, ' ');
      i = stop;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      blank(i, stop, ' ');
      i = stop;
    } else if (c === "'") {
      if (inInterp) blank(i, i + 1, '_');
      stack.push({ kind: 'string' });
      i += 1;
    } else {
      if (inInterp) {
        if (c === '{') top.depth += 1;
        else if (c === '}') {
          if (top.depth === 0) stack.pop();
          else top.depth -= 1;
        }
        blank(i, i + 1, '_');
      }
      i += 1;
    }
  }
  return out.join('');
}

const CLOSE: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

/** Offset of the bracket closing the one at `open` (in masked text), or -1. */
function matching(masked: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < masked.length; i++) {
    const c = masked[i] as string;
    if (c in CLOSE) stack.push(CLOSE[c] as string);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

export interface Block {
  /** Original text between the brackets. */
  text: string;
  /** The same, masked. */
  masked: string;
}

/** The `{...}` or `[...]` right after the first match of `header` (a regex ending just before the bracket). */
export function blockAfter(src: string, header: RegExp): Block | undefined {
  const masked = mask(src);
  const m = new RegExp(header.source, header.flags.includes('m') ? header.flags : `${header.flags}m`).exec(masked);
  if (!m) return undefined;
  const open = m.index + m[0].length + (/^\s*/.exec(masked.slice(m.index + m[0].length))?.[0].length ?? 0);
  if (!(masked[open] as string) || !('{[('.includes(masked[open] as string))) return undefined;
  const close = matching(masked, open);
  if (close < 0) return undefined;
  return { text: src.slice(open + 1, close), masked: masked.slice(open + 1, close) };
}

export interface Entry {
  key: string;
  value: string;
}

/** The top-level `key: value` entries of an object block (one per line, as Bicep writes multi-line objects). */
export function objectEntries(block: Block): Entry[] {
  const entries: Entry[] = [];
  let depth = 0;
  let offset = 0;
  for (const line of block.masked.split('\n')) {
    const original = block.text.slice(offset, offset + line.length);
    offset += line.length + 1;
    if (depth === 0) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*|'[^'\n]*')\s*:/.exec(line);
      if (m) {
        const rawKey = original.slice(m.index, m.index + m[0].length).replace(/:\s*$/, '').trim();
        const key = rawKey.startsWith("'") ? rawKey.slice(1, -1) : rawKey;
        entries.push({ key, value: original.slice(m[0].length, line.trimEnd().length).trim() });
      }
    }
    for (const c of line) {
      if (c === '{' || c === '[' || c === '(') depth++;
      else if (c === '}' || c === ']' || c === ')') depth--;
    }
  }
  return entries;
}

/** The string literals of an array block (plain strings, one or more per line). */
export function arrayStrings(block: Block): string[] {
  const values: string[] = [];
  for (const m of block.masked.matchAll(/'(_*)'/g)) values.push(block.text.slice(m.index + 1, m.index + m[0].length - 1));
  return values;
}

export interface Param {
  name: string;
  type: string;
  /** The default value when it is a literal (string, number or boolean), else undefined. */
  literalDefault?: string | number | boolean;
  /** The default expression as written, if any. */
  defaultExpression?: string;
}

/** `param name type = default` declarations. */
export function params(src: string): Map<string, Param> {
  const masked = mask(src).split('\n');
  const lines = src.split('\n');
  const found = new Map<string, Param>();
  masked.forEach((line, i) => {
    const m = /^param\s+([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z_][A-Za-z0-9_]*)(\s*=)?/.exec(line);
    if (!m) return;
    const param: Param = { name: m[1] as string, type: m[2] as string };
    if (m[3]) {
      const expression = (lines[i] as string).slice(m[0].length, line.trimEnd().length).trim();
      param.defaultExpression = expression;
      const literal = /^'((?:[^'\\]|\\.)*)'$/.exec(expression);
      if (literal && !expression.includes('${')) param.literalDefault = (literal[1] as string).replace(/\\(.)/g, '$1');
      else if (/^-?\d+$/.test(expression)) param.literalDefault = Number(expression);
      else if (expression === 'true' || expression === 'false') param.literalDefault = expression === 'true';
    }
    found.set(param.name, param);
  });
  return found;
}

/** `output NAME type = expression` declarations, name → expression. */
export function outputs(src: string): Map<string, string> {
  const masked = mask(src).split('\n');
  const lines = src.split('\n');
  const found = new Map<string, string>();
  masked.forEach((line, i) => {
    const m = /^output\s+([A-Za-z_][A-Za-z0-9_]*)\s+[A-Za-z_][A-Za-z0-9_]*\s*=/.exec(line);
    if (m) found.set(m[1] as string, (lines[i] as string).slice(m[0].length, line.trimEnd().length).trim());
  });
  return found;
}
