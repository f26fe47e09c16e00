/**
 * The virtual board shell's parser: a command line into the syntax tree of ast.ts,
 * using mvdan/sh's parser (npm `mvdan-sh` 0.10.1, its `syntax` package in POSIX mode)
 * instead of a hand-written one. A line is parsed whole before anything of it runs; a
 * syntax error runs nothing and reads as busybox 1.4 ash's (shell/ash.c `synexpect()`,
 * `synerror()`: `Syntax error: ")" unexpected`, `Syntax error: end of file unexpected
 * (expecting "fi")`, `Syntax error: Unterminated quoted string`).
 *
 * Why mvdan-sh (checked in a scratch project against the other candidates, May 2025
 * versions): it is the only one of sh-syntax 0.7.0, mvdan-sh 0.10.1, bash-parser 0.5.0
 * (and its fork @ericcornelissen/bash-parser 0.5.3) and just-bash 3.4.2 that gives a
 * complete, typed POSIX tree, synchronously, in ~0.1 ms a line. sh-syntax (the same Go
 * parser in WASM, and its maintained successor) returns statements whose commands are
 * only positions (un-ts/sh-syntax#123, #128) and instantiates WASM per call (~26 ms);
 * bash-parser fails on `cmd 2>&1 >/dev/null` ("Unexpected IO_NUMBER") and keeps
 * `"\$x"` as `\$x`; just-bash is a whole simulated bash whose commands return their
 * output only when they end and whose abort drops it (no streaming ping or iwevent,
 * no signals), with `&` run in the foreground. mvdan-sh round-tripped 6,000 random
 * argv lists through the rig's quoting (src/controllers/ssh/quote.ts) exactly, except
 * that its reader drops a CR before LF even inside quotes: CRs (and lone UTF-16
 * surrogates, which GopherJS strings cannot hold) are swapped for unused private-use
 * characters before parsing and back after. Its author deprecated the GopherJS build
 * in favour of sh-syntax (mvdan/sh#1145); 0.10.1 is its last release, pinned by the lock file.
 *
 * What the shell does not run is refused here, as a syntax error, so nothing can be
 * smuggled through: command substitution, arithmetic, here-documents, functions,
 * `case`, and bash-only forms; file descriptors other than 0, 1 and 2.
 */
import sh, { type MvNode } from 'mvdan-sh';
import { ShellSyntaxError, type Assign, type Command, type ParamOp, type Redir, type Script, type Stmt, type Word, type WordPart } from './ast.ts';

const { syntax } = sh;
const parser = syntax.NewParser(syntax.Variant(syntax.LangPOSIX), syntax.KeepComments(false));
const type = (n: MvNode): string => syntax.NodeType(n);

/** mvdan/sh's operator numbers (they differ between its versions): read from probe lines. */
const OPS = (() => {
  const stmt = (src: string): MvNode => (parser.Parse(src, '').Stmts as MvNode[])[0];
  const binop = (src: string): number => stmt(src).Cmd?.Op as number;
  const redirs = (stmt(': >a >>a <a >&1 <&0 >|a <>a').Redirs ?? []).map((r) => r.Op as number);
  const params = ['-', ':-', '=', ':=', '+', ':+', '?', ':?'] as const;
  const exp = new Map<number, ParamOp>();
  for (const op of params) {
    const word = stmt(`: \${a${op}b}`).Cmd?.Args?.[1];
    exp.set(word?.Parts?.[0]?.Exp?.Op as number, op);
  }
  const redirNames = ['>', '>>', '<', '>&', '<&', '>|', '<>'] as const;
  return {
    and: binop('a && b'),
    or: binop('a || b'),
    pipe: binop('a | b'),
    redir: new Map<number, Redir['op']>(redirs.map((n, i) => [n, redirNames[i]])),
    exp,
  };
})();

/** Characters the parser would lose (CR before LF, lone surrogates): swapped for unused private-use characters. */
function protect(src: string): { text: string; restore: (s: string) => string } {
  const risky = /\r|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
  const found = [...new Set(src.match(risky) ?? [])];
  if (found.length === 0) return { text: src, restore: (s) => s };
  const swap = new Map<string, string>();
  const back = new Map<string, string>();
  for (let c = 0xe000; c <= 0xf8ff && swap.size < found.length; c++) {
    const p = String.fromCharCode(c);
    if (!src.includes(p)) {
      const orig = found[swap.size];
      swap.set(orig, p);
      back.set(p, orig);
    }
  }
  const text = src.replace(risky, (m) => swap.get(m) as string);
  const placeholders = new RegExp(`[${[...back.keys()].join('')}]`, 'g');
  return { text, restore: (s) => s.replace(placeholders, (m) => back.get(m) as string) };
}

/** The token at a character offset, as ash names it in "X unexpected". */
function tokenAt(src: string, at: number): string {
  const rest = src.slice(at).replace(/^[ \t]+/, '');
  if (rest === '' || rest.startsWith('#')) return 'end of file';
  if (rest.startsWith('\n')) return 'newline';
  const op = /^(&&|\|\||;;|[;&|()])/.exec(rest);
  if (op) return `"${op[1]}"`;
  const word = /^[^\s;&|()<>]+/.exec(rest)?.[0] ?? '';
  const keywords = ['!', 'case', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'if', 'in', 'then', 'until', 'while', '{', '}'];
  return keywords.includes(word) ? `"${word}"` : /^[<>]/.test(rest) ? 'redirection' : 'word';
}

/** mvdan/sh's error as ash 1.4 words it. */
function ashMessage(src: string, goMessage: string): string {
  const m = /^(\d+):(\d+): (.*)$/.exec(goMessage);
  const text = m ? m[3] : goMessage;
  if (/without closing quote `/.test(text)) return 'EOF in backquote substitution';
  if (/without closing quote/.test(text)) return 'Unterminated quoted string';
  const matching = /reached EOF without matching \S+ with (\S+)/.exec(text);
  if (matching) return `end of file unexpected (expecting "${matching[1]}")`;
  const expecting = /must (?:be followed by|end with) "([^"]+)"/.exec(text)?.[1];
  const suffix = expecting ? ` (expecting "${expecting}")` : '';
  if (/bash\/mksh feature|not supported/.test(text)) return text;
  if (!m) return text;
  // Offsets are in UTF-8 bytes of the line: back to a character offset.
  const lines = src.split('\n');
  const lineStart = lines.slice(0, Number(m[1]) - 1).reduce((n, l) => n + l.length + 1, 0);
  const col = Buffer.from(lines[Number(m[1]) - 1] ?? '', 'utf8').subarray(0, Number(m[2]) - 1).toString('utf8').length;
  let at = lineStart + col;
  // "X must be followed by ..." points at X: what was unexpected comes after it.
  if (/must be followed by|must end with/.test(text)) at = src.length;
  return `${tokenAt(src, at)} unexpected${suffix}`;
}

/**
 * True when `source` is a command line cut short: an open quote, or a compound
 * command without its end. An interactive shell then reads the next line into it
 * (ash prints PS2, `> `) instead of failing.
 */
export function isIncomplete(source: string): boolean {
  try {
    parse(source);
    return false;
  } catch (e) {
    if (!(e instanceof ShellSyntaxError)) return false;
    return /^(Unterminated quoted string|EOF in backquote substitution|end of file unexpected)/.test(e.message);
  }
}

/** The syntax tree of a whole command line; a ShellSyntaxError when any of it is not valid or not supported. */
export function parse(source: string): Script {
  const { text, restore } = protect(source);
  let file: MvNode;
  try {
    file = parser.Parse(text, '');
  } catch (e) {
    const msg = typeof (e as { Error?: () => string }).Error === 'function' ? (e as { Error: () => string }).Error() : String(e);
    throw new ShellSyntaxError(ashMessage(source, restore(msg)));
  }
  const bytes = Buffer.from(text, 'utf8');
  const conv = new Converter(restore, (n) => restore(bytes.subarray(n.Pos().Offset(), n.End().Offset()).toString('utf8')));
  return (file.Stmts ?? []).map((s) => conv.stmt(s));
}

class Converter {
  constructor(
    private readonly restore: (s: string) => string,
    private readonly sourceOf: (n: MvNode) => string,
  ) {}

  stmts(list: MvNode[] | undefined): Stmt[] {
    return (list ?? []).map((s) => this.stmt(s));
  }

  stmt(n: MvNode): Stmt {
    if (n.Coprocess) throw new ShellSyntaxError('coprocesses are not supported');
    if (!n.Cmd) throw new ShellSyntaxError('redirections without a command are not supported');
    return {
      cmd: this.command(n.Cmd),
      negated: n.Negated === true,
      background: n.Background === true,
      redirs: (n.Redirs ?? []).map((r) => this.redir(r)),
      line: n.Pos().Line(),
      text: this.sourceOf(n).replace(/\s*&$/, ''),
    };
  }

  command(n: MvNode): Command {
    switch (type(n)) {
      case 'CallExpr':
        return {
          kind: 'simple',
          assigns: (n.Assigns ?? []).map((a) => this.assign(a)),
          words: (n.Args ?? []).map((w) => this.word(w)),
        };
      case 'IfClause': {
        const branches: { cond: Stmt[]; body: Stmt[] }[] = [];
        let otherwise: Stmt[] | null = null;
        for (let c: MvNode | null | undefined = n; c; c = c.Else) {
          if ((c.Cond ?? []).length === 0) {
            otherwise = this.stmts(c.Then);
            break;
          }
          branches.push({ cond: this.stmts(c.Cond), body: this.stmts(c.Then) });
        }
        return { kind: 'if', branches, otherwise };
      }
      case 'ForClause': {
        const loop = n.Loop as MvNode;
        if (type(loop) !== 'WordIter') throw new ShellSyntaxError('C-style for loops are a bash feature');
        const name = this.restore(String((loop.Name as MvNode).Value));
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ShellSyntaxError('Bad for loop variable');
        const items = loop.Items ?? [];
        const hasIn = items.length > 0 || /^for\s+\S+\s+in\b/.test(this.sourceOf(n));
        return { kind: 'for', name, items: hasIn ? items.map((w) => this.word(w)) : null, body: this.stmts(n.Do) };
      }
      case 'WhileClause':
        return { kind: 'while', until: n.Until === true, cond: this.stmts(n.Cond), body: this.stmts(n.Do) };
      case 'Block':
        return { kind: 'group', body: this.stmts(n.Stmts) };
      case 'Subshell':
        return { kind: 'subshell', body: this.stmts(n.Stmts) };
      case 'BinaryCmd': {
        const x = this.stmt(n.X as MvNode);
        const y = this.stmt(n.Y as MvNode);
        if (n.Op === OPS.and) return { kind: 'and', left: x, right: y };
        if (n.Op === OPS.or) return { kind: 'or', left: x, right: y };
        if (n.Op === OPS.pipe) {
          const stages = x.cmd.kind === 'pipe' && !x.negated && x.redirs.length === 0 ? [...x.cmd.stages, y] : [x, y];
          return { kind: 'pipe', stages };
        }
        throw new ShellSyntaxError('|& is a bash feature');
      }
      case 'FuncDecl':
        throw new ShellSyntaxError('functions are not supported');
      case 'CaseClause':
        throw new ShellSyntaxError('case is not supported');
      default:
        throw new ShellSyntaxError(`${type(n)} is not supported`);
    }
  }

  assign(n: MvNode): Assign {
    if (n.Append || n.Naked || n.Index || n.Array) throw new ShellSyntaxError('this assignment is a bash feature');
    return { name: this.restore(String((n.Name as MvNode).Value)), value: n.Value ? this.word(n.Value as MvNode) : null };
  }

  redir(n: MvNode): Redir {
    const op = OPS.redir.get(n.Op as number);
    if (!op || n.Hdoc) throw new ShellSyntaxError('here-documents are not supported');
    const fd = n.N ? Number((n.N as MvNode).Value) : op === '<' || op === '<&' || op === '<>' ? 0 : 1;
    if (fd > 2) throw new ShellSyntaxError(`file descriptor ${fd} is not supported`);
    return { fd, op, target: this.word(n.Word as MvNode) };
  }

  word(n: MvNode): Word {
    const parts: WordPart[] = [];
    for (const p of n.Parts ?? []) this.part(p, false, parts);
    return { parts };
  }

  private part(p: MvNode, inDouble: boolean, out: WordPart[]): void {
    switch (type(p)) {
      case 'Lit': {
        const raw = this.restore(String(p.Value));
        out.push({ kind: 'lit', text: inDouble ? unescapeDouble(raw) : unescapeBare(raw), quoted: inDouble });
        return;
      }
      case 'SglQuoted':
        // POSIX has no $'...': the $ is literal.
        out.push({ kind: 'lit', text: (p.Dollar ? '$' : '') + this.restore(String(p.Value)), quoted: true });
        return;
      case 'DblQuoted':
        if (p.Dollar) out.push({ kind: 'lit', text: '$', quoted: false });
        out.push({ kind: 'lit', text: '', quoted: true });
        for (const q of p.Parts ?? []) this.part(q, true, out);
        return;
      case 'ParamExp':
        out.push(this.param(p, inDouble));
        return;
      case 'CmdSubst':
        throw new ShellSyntaxError('command substitution not supported');
      case 'ArithmExp':
        throw new ShellSyntaxError('arithmetic expansion not supported');
      default:
        throw new ShellSyntaxError(`${type(p)} is not supported`);
    }
  }

  private param(p: MvNode, quoted: boolean): WordPart {
    if (p.Excl || p.Width || p.Index || p.Slice || p.Repl || p.Names) throw new ShellSyntaxError('this parameter expansion is a bash feature');
    const name = this.restore(String((p.Param as MvNode).Value));
    const part: WordPart = { kind: 'param', name, quoted };
    if (p.Length) part.length = true;
    if (p.Exp) {
      const op = OPS.exp.get(p.Exp.Op);
      if (!op) throw new ShellSyntaxError('pattern removal ${...%...} is not supported');
      part.op = op;
      part.arg = p.Exp.Word ? this.word(p.Exp.Word) : { parts: [] };
    }
    return part;
  }
}

/** Unquoted text: a backslash quotes the next character; backslash-newline is removed (XCU 2.2.1). */
function unescapeBare(s: string): string {
  return s.replace(/\\(\n|[\s\S])?/g, (_m, c: string | undefined) => (c === undefined ? '\\' : c === '\n' ? '' : c));
}

/** Inside double quotes a backslash quotes only $ ` " \ and newline (XCU 2.2.3). */
function unescapeDouble(s: string): string {
  return s.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c));
}
