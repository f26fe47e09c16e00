/**
 * POSIX regular expressions (XBD 9: basic, and extended with `grep -E`) as JavaScript
 * RegExps, for busybox grep, which hands the pattern to uClibc's regcomp(). In a BRE
 * `\( \) \{ \}` group and count and `+ ? | ( ) { }` are ordinary characters (uClibc,
 * like glibc, also takes the GNU `\+ \? \|`); in an ERE they are the operators. A `*`
 * at the start of a BRE is literal. Bracket expressions keep their POSIX meaning
 * (`]` first is literal, `[:alpha:]` classes); backslash inside them is literal. A
 * pattern regcomp() refuses gives uClibc's regerror() wording.
 */

const CLASSES: Record<string, string> = {
  alpha: 'A-Za-z', digit: '0-9', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', print: ' -~', graph: '!-~', cntrl: '\\x00-\\x1f\\x7f', xdigit: '0-9A-Fa-f',
};

export class RegexError extends Error {}

const escapeJs = (c: string): string => (/[\\^$.*+?()[\]{}|\/-]/.test(c) ? `\\${c}` : c);

/** The JavaScript source of a POSIX BRE or ERE; a RegexError with regerror()'s message when it is not valid. */
export function posixToJs(pattern: string, extended: boolean): string {
  let out = '';
  let depth = 0;
  let atStart = true;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const start = atStart;
    atStart = false;
    if (c === '\\') {
      const e = pattern[i + 1];
      i++;
      if (e === undefined) throw new RegexError('Trailing backslash');
      if (!extended && '(){}|+?'.includes(e)) {
        if (e === '(') {
          depth++;
          atStart = true;
        } else if (e === ')') {
          if (depth-- === 0) throw new RegexError('Unmatched ) or \\)');
        } else if (e === '|') atStart = true;
        out += e === '{' ? interval(pattern, i) : e;
        if (e === '{') i = pattern.indexOf('\\}', i) + 1;
      } else if (/[1-9]/.test(e)) {
        out += `\\${e}`;
      } else {
        out += escapeJs(e);
      }
      continue;
    }
    if (c === '[') {
      const [cls, end] = bracket(pattern, i);
      out += cls;
      i = end;
      continue;
    }
    if (extended && '(){}|+?'.includes(c)) {
      if (c === '(') {
        depth++;
        atStart = true;
        out += '(';
      } else if (c === ')') {
        if (depth-- === 0) throw new RegexError('Unmatched ) or \\)');
        out += ')';
      } else if (c === '{') {
        const close = pattern.indexOf('}', i);
        if (close < 0 || !/^\d+(,\d*)?$/.test(pattern.slice(i + 1, close))) throw new RegexError('Invalid preceding regular expression');
        out += pattern.slice(i, close + 1);
        i = close;
      } else {
        if (c === '|') atStart = true;
        out += c;
      }
      continue;
    }
    if (c === '*' && start) {
      out += '\\*';
      continue;
    }
    if (c === '^') {
      out += start || extended ? '^' : '\\^';
      atStart = true;
      continue;
    }
    if (c === '$') {
      const end = i === pattern.length - 1 || pattern.startsWith('\\)', i + 1) || pattern.startsWith('\\|', i + 1);
      out += end || extended ? '$' : '\\$';
      continue;
    }
    out += c === '.' || c === '*' ? c : escapeJs(c);
  }
  if (depth > 0) throw new RegexError('Unmatched ( or \\(');
  return out;
}

/** `\{m,n\}` in a BRE, starting at the `{` (index i). */
function interval(pattern: string, i: number): string {
  const close = pattern.indexOf('\\}', i);
  const body = close < 0 ? '' : pattern.slice(i + 1, close);
  if (!/^\d+(,\d*)?$/.test(body)) throw new RegexError(close < 0 ? 'Unmatched \\{' : 'Invalid content of \\{\\}');
  return `{${body}}`;
}

/** A bracket expression starting at `[` (index i): its JS class and the index of its `]`. */
function bracket(pattern: string, i: number): [string, number] {
  let j = i + 1;
  let out = '[';
  if (pattern[j] === '^') {
    out += '^';
    j++;
  }
  let first = true;
  for (; j < pattern.length; j++) {
    const c = pattern[j];
    if (c === ']' && !first) return [`${out}]`, j];
    first = false;
    if (c === '[' && pattern[j + 1] === ':') {
      const end = pattern.indexOf(':]', j + 2);
      const name = end < 0 ? '' : pattern.slice(j + 2, end);
      if (!(name in CLASSES)) throw new RegexError('Invalid character class name');
      out += CLASSES[name];
      j = end + 1;
      continue;
    }
    out += c === '\\' || c === ']' || c === '[' || c === '^' ? `\\${c}` : c;
  }
  throw new RegexError('Unmatched [ or [^');
}
