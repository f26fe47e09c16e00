/**
 * The virtual board shell's syntax tree: what syntax.ts makes of mvdan/sh's tree and
 * the interpreter runs. The grammar is the POSIX sh grammar (XCU 2.10) as far as a
 * busybox 1.4 ash on a 2007 board is used by hand: lists, and-or lists, pipelines,
 * `!`, `&`, simple commands with assignments and redirections, `if`, `for`, `while`,
 * `until`, `{ ...; }` and `( ... )`. Words are already quote-removed into literal and
 * parameter parts (XCU 2.6: only parameter expansion is done; no command substitution,
 * arithmetic or pathname expansion).
 */

/** `${NAME<op>WORD}` (XCU 2.6.2). */
export type ParamOp = '-' | ':-' | '=' | ':=' | '+' | ':+' | '?' | ':?';

export type WordPart =
  /** Text after quote removal; `quoted` when it came from quotes (never split, never a tilde). */
  | { kind: 'lit'; text: string; quoted: boolean }
  /** `$NAME`, `${NAME}`, `$?`, `${#NAME}`, `${NAME:-word}`...; `quoted` inside double quotes. */
  | { kind: 'param'; name: string; quoted: boolean; length?: boolean; op?: ParamOp; arg?: Word };

export interface Word {
  parts: WordPart[];
}

export interface Redir {
  /** The file descriptor redirected (0, 1, 2; others are refused). */
  fd: number;
  op: '>' | '>>' | '<' | '>|' | '<>' | '>&' | '<&';
  target: Word;
}

export interface Assign {
  name: string;
  value: Word | null;
}

export type Command =
  | { kind: 'simple'; assigns: Assign[]; words: Word[] }
  | { kind: 'if'; branches: { cond: Stmt[]; body: Stmt[] }[]; otherwise: Stmt[] | null }
  | { kind: 'for'; name: string; items: Word[] | null; body: Stmt[] }
  | { kind: 'while'; until: boolean; cond: Stmt[]; body: Stmt[] }
  | { kind: 'group'; body: Stmt[] }
  | { kind: 'subshell'; body: Stmt[] }
  | { kind: 'and' | 'or'; left: Stmt; right: Stmt }
  | { kind: 'pipe'; stages: Stmt[] };

export interface Stmt {
  cmd: Command;
  /** `! pipeline`. */
  negated: boolean;
  /** `list &`: an asynchronous list (a background job). */
  background: boolean;
  redirs: Redir[];
  /** Line in its script (ash names it in a builtin's error message). */
  line: number;
  /** Its source text (what `jobs` shows). */
  text: string;
}

export type Script = Stmt[];

/** A line the shell refuses to run (nothing of it runs): `sh: Syntax error: MESSAGE`, status 2. */
export class ShellSyntaxError extends Error {}
