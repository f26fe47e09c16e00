/**
 * The virtual board shell's syntax tree (what the parser builds and the interpreter
 * runs) and its syntax error. The grammar is a strict subset of the POSIX sh grammar
 * (XCU 2.10): lists of and-or lists of pipelines of simple commands with redirections.
 */

/** A piece of a word: literal text, or `$?`. */
export type Part = { kind: 'lit'; text: string } | { kind: 'status' };

export interface Word {
  parts: Part[];
}

export type Redir =
  | { kind: 'file'; fd: 0 | 1 | 2; op: '>' | '>>' | '<'; target: Word }
  | { kind: 'dup'; fd: 1 | 2; to: 1 | 2 };

export interface SimpleCommand {
  words: Word[];
  redirs: Redir[];
}

export type Pipeline = SimpleCommand[];

export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
}

export type Script = AndOr[];

/** A line the shell refuses to run (nothing of it runs): `sh: syntax error: MESSAGE`, status 2. */
export class ShellSyntaxError extends Error {}
