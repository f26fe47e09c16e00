/**
 * The virtual board shell's simple builtins, as busybox 1.4.2 ash has them: `echo`
 * (coreutils/echo.c bb_echo() with FEATURE_FANCY_ECHO: options `-n -e -E` only while
 * every letter of the argument is one of them; with `-e`, libbb's
 * bb_process_escape_sequence(): `\a \b \f \n \r \t \v \\`, octal `\0NNN` or `\NNN`,
 * hex `\xHH`, an unknown escape is kept as a backslash, and `\c` ends the output
 * without the newline), `:`, `true`, `false`, `export [NAME[=VALUE]]...`, `unset NAME...`.
 * The builtins that act on the shell itself (`exit`, `sh`, `wait`, `kill`, `jobs`) are
 * the interpreter's (interpreter.ts, jobs.ts).
 */
import type { Shell } from './state.ts';

export function echo(argv: string[], write: (s: string) => void): number {
  let k = 1;
  let newline = true;
  let escapes = false;
  for (; k < argv.length; k++) {
    const a = argv[k];
    if (!/^-[neE]+$/.test(a)) break;
    for (const c of a.slice(1)) {
      if (c === 'n') newline = false;
      else escapes = c === 'e';
    }
  }
  let out = '';
  const words = argv.slice(k);
  for (let w = 0; w < words.length; w++) {
    if (!escapes) {
      out += words[w];
    } else {
      const r = escapesOf(words[w]);
      out += r.text;
      if (r.stop) {
        write(out);
        return 0;
      }
    }
    if (w < words.length - 1) out += ' ';
  }
  write(out + (newline ? '\n' : ''));
  return 0;
}

/** bb_process_escape_sequence() over a word; `stop` at `\c`. */
function escapesOf(s: string): { text: string; stop: boolean } {
  const mnemonic: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\' || i === s.length - 1) {
      out += s[i];
      continue;
    }
    let j = i + 1;
    if (s[j] === 'c') return { text: out, stop: true };
    if (s[j] === '0' && /[0-7]/.test(s[j + 1] ?? '')) j++;
    const hex = s[j] === 'x';
    const digits = hex ? /^[0-9a-fA-F]{1,2}/.exec(s.slice(j + 1)) : /^[0-7]{1,3}/.exec(s.slice(j));
    if (digits) {
      let n = parseInt(digits[0], hex ? 16 : 8);
      let len = digits[0].length;
      // A third octal digit that would pass 255 is not part of the number.
      if (!hex && n > 255) {
        n = parseInt(digits[0].slice(0, 2), 8);
        len = 2;
      }
      out += String.fromCharCode(n);
      i = j + (hex ? 1 : 0) + len - 1;
      continue;
    }
    if (hex) {
      out += '\\';
      continue;
    }
    const m = mnemonic[s[j]];
    if (m !== undefined) {
      out += m;
      i = j;
    } else {
      out += '\\';
      i = j - 1;
    }
  }
  return { text: out, stop: false };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export [NAME[=VALUE]]...`; without operands, every exported variable as `export NAME='VALUE'`. */
export function exportBuiltin(args: string[], sh: Shell, out: (s: string) => void, err: (msg: string) => number): number {
  if (args.length === 0 || (args.length === 1 && args[0] === '-p')) {
    for (const [k, v] of [...sh.vars].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (v.exported) out(`export ${k}='${v.value.replace(/'/g, `'"'"'`)}'\n`);
    }
    return 0;
  }
  for (const a of args) {
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!NAME.test(name)) return err(`${name}: bad variable name`);
    const cur = sh.vars.get(name);
    sh.vars.set(name, { value: eq < 0 ? (cur?.value ?? '') : a.slice(eq + 1), exported: true });
  }
  return 0;
}

export function unsetBuiltin(args: string[], sh: Shell): number {
  for (const a of args) if (a !== '-v') sh.vars.delete(a);
  return 0;
}
