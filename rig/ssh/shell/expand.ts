/**
 * Word expansion in the virtual board shell (XCU 2.6), in POSIX order: tilde expansion
 * of an unquoted leading `~` or `~/` (HOME), parameter expansion (`$NAME`, `${NAME}`,
 * the special parameters, `${#NAME}`, `${NAME-word}` `:-` `=` `:=` `+` `:+` `?` `:?`),
 * then field splitting of what unquoted expansions produced, on IFS (2.6.5: IFS white
 * space collapses and is trimmed, other IFS characters delimit one field each), and
 * quote removal (already done by the parser). `"$@"` gives one field per positional
 * parameter. No command substitution, arithmetic or pathname expansion: `*` stays `*`.
 */
import type { ParamOp, Word, WordPart } from './ast.ts';
import type { Shell } from './state.ts';

/** `${NAME?word}` on an unset NAME: the shell prints the message and the line ends (status 2). */
export class ExpansionError extends Error {}

interface Segment {
  text: string;
  /** From an unquoted expansion: split on IFS. */
  split: boolean;
  /** From quotes: makes a field exist even if empty. */
  quoted: boolean;
  /** `"$@"`: a field boundary after this segment. */
  boundary?: boolean;
}

/** A word as the fields it expands to (command words, for-loop items). */
export function expandFields(word: Word, sh: Shell): string[] {
  const segs = segments(word, sh);
  const ifs = sh.get('IFS') ?? ' \t\n';
  const fields: string[] = [];
  let cur = '';
  let has = false;
  const push = (): void => {
    fields.push(cur);
    cur = '';
    has = false;
  };
  for (const s of segs) {
    if (!s.split || ifs === '') {
      cur += s.text;
      if (s.text !== '' || s.quoted) has = true;
    } else {
      for (const c of s.text) {
        if (!ifs.includes(c)) {
          cur += c;
          has = true;
        } else if (/[ \t\n]/.test(c)) {
          if (has) push();
        } else {
          push();
        }
      }
    }
    if (s.boundary) push();
  }
  if (has) push();
  return fields;
}

/** A word as one string, never split (assignments, redirection targets). */
export function expandString(word: Word, sh: Shell): string {
  return segments(word, sh)
    .map((s) => s.text)
    .join('');
}

function segments(word: Word, sh: Shell): Segment[] {
  const out: Segment[] = [];
  word.parts.forEach((p, i) => {
    if (p.kind === 'lit') {
      const text = i === 0 && !p.quoted ? tilde(p.text, sh) : p.text;
      out.push({ text, split: false, quoted: p.quoted });
      return;
    }
    if (p.name === '@' && p.quoted && !p.op && !p.length) {
      // "$@": each positional parameter its own field.
      sh.positional.forEach((v, k) => out.push({ text: v, split: false, quoted: true, boundary: k < sh.positional.length - 1 }));
      if (sh.positional.length === 0) out.push({ text: '', split: false, quoted: false });
      return;
    }
    out.push({ text: paramValue(p, sh), split: !p.quoted, quoted: p.quoted });
  });
  return out;
}

function tilde(text: string, sh: Shell): string {
  if (text === '~' || text.startsWith('~/')) return (sh.get('HOME') ?? '/') + text.slice(1);
  return text;
}

function paramValue(p: Extract<WordPart, { kind: 'param' }>, sh: Shell): string {
  const value = sh.param(p.name);
  if (p.length) return String((value ?? '').length);
  if (!p.op) return value ?? '';
  const op: ParamOp = p.op;
  const colon = op.startsWith(':');
  const missing = value === undefined || (colon && value === '');
  const arg = (): string => expandString(p.arg ?? { parts: [] }, sh);
  switch (op.replace(':', '')) {
    case '-':
      return missing ? arg() : (value as string);
    case '=': {
      if (!missing) return value as string;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name)) throw new ExpansionError(`${p.name}: bad variable name`);
      const v = arg();
      sh.set(p.name, v);
      return v;
    }
    case '+':
      return missing ? '' : arg();
    case '?': {
      if (!missing) return value as string;
      const msg = arg();
      throw new ExpansionError(`${p.name}: ${msg === '' ? 'parameter not set' : msg}`);
    }
  }
  return value ?? '';
}
