/**
 * The virtual board shell's lexer: a command line into tokens (words, operators,
 * redirections), following the token recognition rules of POSIX sh (XCU 2.3) for
 * the subset the shell supports:
 * - words with '...' (literal), "..." (only `$?` expands; `\"`, `\\`, `\$`, `` \` ``
 *   escapes), backslash escapes, `\`-newline continuation, `#` comments;
 * - operators `;`, newline, `&&`, `||`, `|`;
 * - redirections with an optional IO number (`2>`, `>>`, `<`, `>&2`, `1>&2`).
 * Refused as syntax errors, so nothing can be smuggled through: command substitution
 * (`$(...)`, backquotes), `${...}` and `$NAME` variables, `&`, subshells `( )`.
 */
import { ShellSyntaxError, type Part, type Word } from './ast.ts';

export type Token =
  | { type: 'word'; word: Word }
  | { type: 'op'; op: ';' | '&&' | '||' | '|' | '\n' }
  | { type: 'redir'; fd: number; op: '>' | '>>' | '<' }
  | { type: 'dup'; fd: number; op: '>&' | '<&'; to: number }
  | { type: 'eof' };

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

/** The tokens of a command line, ending with `eof`; a ShellSyntaxError for what the shell refuses. */
export function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;

  const readDollar = (parts: Part[], push: (s: string) => void): void => {
    // src[i] === '$'
    const next = src[i + 1];
    if (next === '?') {
      parts.push({ kind: 'status' });
      i += 2;
      return;
    }
    if (next === '(') throw new ShellSyntaxError('command substitution not supported');
    if (next === '{' || (next !== undefined && /[A-Za-z0-9_@*#!$-]/.test(next))) {
      throw new ShellSyntaxError(`variable expansion not supported: $${next === '{' ? '{' : next}`);
    }
    push('$');
    i += 1;
  };

  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\n' || c === ';') {
      tokens.push({ type: 'op', op: c });
      i++;
      continue;
    }
    if (c === '&') {
      if (src[i + 1] === '&') {
        tokens.push({ type: 'op', op: '&&' });
        i += 2;
        continue;
      }
      throw new ShellSyntaxError('background jobs (&) not supported');
    }
    if (c === '|') {
      if (src[i + 1] === '|') {
        tokens.push({ type: 'op', op: '||' });
        i += 2;
      } else {
        tokens.push({ type: 'op', op: '|' });
        i += 1;
      }
      continue;
    }
    if (c === '(' || c === ')') throw new ShellSyntaxError(`unexpected "${c}" (subshells not supported)`);

    // A redirection, possibly with an IO number in front (`2>`, `1>&2`).
    const io = /^(\d*)(>>|>&|<&|>|<)/.exec(src.slice(i, i + 12));
    if (io && (io[1] !== '' || c === '<' || c === '>')) {
      const op = io[2] as '>>' | '>&' | '<&' | '>' | '<';
      const fd = io[1] === '' ? (op.startsWith('<') ? 0 : 1) : Number(io[1]);
      i += io[0].length;
      if (op === '>&' || op === '<&') {
        while (src[i] === ' ' || src[i] === '\t') i++;
        const m = /^\d+/.exec(src.slice(i));
        if (!m) throw new ShellSyntaxError(`${op} must be followed by a file descriptor number`);
        i += m[0].length;
        if (i < n && !META.has(src[i])) throw new ShellSyntaxError(`bad file descriptor after ${op}`);
        tokens.push({ type: 'dup', fd, op, to: Number(m[0]) });
      } else {
        if (src[i] === '|' || src[i] === '>' || src[i] === '<') {
          throw new ShellSyntaxError(`unexpected "${src[i]}" after ${op}`);
        }
        tokens.push({ type: 'redir', fd, op });
      }
      continue;
    }

    // A word.
    const parts: Part[] = [];
    let lit = '';
    const push = (s: string): void => {
      lit += s;
    };
    const flush = (): void => {
      if (lit !== '') parts.push({ kind: 'lit', text: lit });
      lit = '';
    };
    let quotedEmpty = false;
    while (i < n && !META.has(src[i]) && src[i] !== '\r') {
      const ch = src[i];
      if (ch === "'") {
        const end = src.indexOf("'", i + 1);
        if (end < 0) throw new ShellSyntaxError('unterminated quoted string');
        push(src.slice(i + 1, end));
        quotedEmpty = true;
        i = end + 1;
      } else if (ch === '"') {
        i++;
        quotedEmpty = true;
        for (;;) {
          if (i >= n) throw new ShellSyntaxError('unterminated quoted string');
          const d = src[i];
          if (d === '"') {
            i++;
            break;
          }
          if (d === '\\') {
            const e = src[i + 1];
            if (e === '"' || e === '\\' || e === '$' || e === '`') {
              push(e);
              i += 2;
            } else if (e === '\n') {
              i += 2;
            } else {
              push('\\');
              i += 1;
            }
          } else if (d === '`') {
            throw new ShellSyntaxError('command substitution not supported');
          } else if (d === '$') {
            flush();
            readDollar(parts, push);
          } else {
            push(d);
            i++;
          }
        }
      } else if (ch === '\\') {
        const e = src[i + 1];
        if (e === undefined) {
          push('\\');
          i += 1;
        } else if (e === '\n') {
          i += 2;
        } else {
          push(e);
          i += 2;
        }
      } else if (ch === '`') {
        throw new ShellSyntaxError('command substitution not supported');
      } else if (ch === '$') {
        flush();
        readDollar(parts, push);
      } else {
        push(ch);
        i++;
      }
    }
    flush();
    if (parts.length === 0 && quotedEmpty) parts.push({ kind: 'lit', text: '' });
    if (parts.length > 0) tokens.push({ type: 'word', word: { parts } });
    else if (i < n && src[i] === '\r') i++;
  }
  tokens.push({ type: 'eof' });
  return tokens;
}
