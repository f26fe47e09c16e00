/**
 * The virtual board shell's parser: tokens into a syntax tree (lists of and-or lists
 * of pipelines of simple commands), after the POSIX sh grammar (XCU 2.10). The whole
 * line is parsed before anything runs. Only file descriptors 0, 1 and 2 can be
 * redirected; anything else is a syntax error.
 */
import { ShellSyntaxError, type AndOr, type Pipeline, type Script, type SimpleCommand } from './ast.ts';
import { lex, type Token } from './lexer.ts';

/** What a token is called in a syntax error. */
function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'end of input';
    case 'op':
      return t.op === '\n' ? 'newline' : `"${t.op}"`;
    case 'redir':
      return `"${t.op}"`;
    case 'dup':
      return `"${t.op}"`;
    case 'word':
      return 'word';
  }
}

/** The syntax tree of a whole command line; a ShellSyntaxError when any of it is not valid. */
export function parse(src: string): Script {
  const tokens = lex(src);
  let p = 0;
  const peek = (): Token => tokens[p];
  const isOp = (op: string): boolean => {
    const t = peek();
    return t.type === 'op' && t.op === op;
  };
  const skipNewlines = (): void => {
    while (isOp('\n')) p++;
  };

  const parseCommand = (): SimpleCommand => {
    const cmd: SimpleCommand = { words: [], redirs: [] };
    for (;;) {
      const t = peek();
      if (t.type === 'word') {
        cmd.words.push(t.word);
        p++;
      } else if (t.type === 'redir') {
        p++;
        const target = peek();
        if (target.type !== 'word') throw new ShellSyntaxError(`unexpected ${describe(target)} after ${t.op}`);
        p++;
        if (t.op === '<' && t.fd !== 0) throw new ShellSyntaxError(`unsupported redirection ${t.fd}<`);
        if (t.op !== '<' && t.fd !== 1 && t.fd !== 2) {
          throw new ShellSyntaxError(`unsupported file descriptor ${t.fd}`);
        }
        cmd.redirs.push({ kind: 'file', fd: t.fd as 0 | 1 | 2, op: t.op, target: target.word });
      } else if (t.type === 'dup') {
        p++;
        if (t.op === '<&' || (t.fd !== 1 && t.fd !== 2) || (t.to !== 1 && t.to !== 2)) {
          throw new ShellSyntaxError(`unsupported redirection ${t.fd}${t.op}${t.to}`);
        }
        cmd.redirs.push({ kind: 'dup', fd: t.fd, to: t.to });
      } else {
        break;
      }
    }
    if (cmd.words.length === 0 && cmd.redirs.length === 0) {
      throw new ShellSyntaxError(`unexpected ${describe(peek())}`);
    }
    return cmd;
  };

  const parsePipeline = (): Pipeline => {
    const cmds = [parseCommand()];
    while (isOp('|')) {
      p++;
      skipNewlines();
      cmds.push(parseCommand());
    }
    return cmds;
  };

  const parseAndOr = (): AndOr => {
    const node: AndOr = { first: parsePipeline(), rest: [] };
    for (;;) {
      const t = peek();
      if (t.type === 'op' && (t.op === '&&' || t.op === '||')) {
        p++;
        skipNewlines();
        node.rest.push({ op: t.op, pipeline: parsePipeline() });
      } else {
        return node;
      }
    }
  };

  const script: Script = [];
  for (;;) {
    skipNewlines();
    if (peek().type === 'eof') break;
    script.push(parseAndOr());
    const t = peek();
    if (t.type === 'eof') break;
    if (t.type === 'op' && (t.op === ';' || t.op === '\n')) {
      p++;
      continue;
    }
    throw new ShellSyntaxError(`unexpected ${describe(t)}`);
  }
  return script;
}
