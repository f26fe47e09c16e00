/**
 * `test` / `[` as busybox 1.4.2 ash runs them (coreutils/test.c bb_test(), the
 * shell's builtin): POSIX's special cases for 0 to 4 arguments, then the recursive
 * grammar `-o` over `-a` over `!` over primaries and `( )`; unary file tests over the
 * board's files (`-e -f -d -s -r -w -x -c`; folders are implicit, /dev/null is a
 * character device), string tests `-n -z = == != < >`, integer tests `-eq -ne -lt
 * -le -gt -ge` (strtol: leading blanks fine, an empty string is 0, anything else
 * `X: bad number`). Errors go out as bb_error_msg() from the shell (`sh: missing ]`,
 * `sh: X: unknown operand`, `sh: argument expected`), status 2.
 */
import type { VirtualDevice } from '../types.ts';

const UNARY = new Set(['-r', '-w', '-x', '-e', '-f', '-d', '-c', '-b', '-p', '-u', '-g', '-k', '-s', '-t', '-z', '-n', '-h', '-O', '-G', '-L', '-S']);
const BINARY = new Set(['=', '==', '!=', '<', '>', '-eq', '-ne', '-ge', '-gt', '-le', '-lt', '-nt', '-ot', '-ef']);

class TestError extends Error {}

/** Kind of a path on the board: a file, a folder, /dev/null, or nothing. */
function kindOf(device: VirtualDevice, p: string): 'file' | 'dir' | 'chr' | null {
  if (p === '/dev/null') return 'chr';
  if (device.readFile(p) !== undefined) return 'file';
  const dir = p.replace(/(.)\/+$/, '$1');
  const base = ['/', '/bin', '/dev', '/etc', '/lib', '/proc', '/root', '/sbin', '/tmp', '/usr', '/var', '/var/run'];
  if (base.includes(dir)) return 'dir';
  const prefix = dir === '/' ? '/' : `${dir}/`;
  return device.listFiles?.().some((f) => f.startsWith(prefix)) ? 'dir' : null;
}

function getn(s: string): number {
  const m = /^\s*([+-]?\d*)\s*$/.exec(s);
  if (!m || (m[1] !== '' && !/\d/.test(m[1]))) throw new TestError(`${s}: bad number`);
  return m[1] === '' ? 0 : Number(m[1]);
}

/** Run `test ARGS` (argv[0] `test` or `[`); stderr messages are written with `write`. Returns the status. */
export function testBuiltin(argv: string[], device: VirtualDevice, write: (msg: string) => void): number {
  let args = argv.slice(1);
  if (argv[0] === '[' || argv[0] === '[[') {
    const close = argv[0] === '[' ? ']' : ']]';
    if (args[args.length - 1] !== close) {
      write(`sh: missing ${close}\n`);
      return 2;
    }
    args = args.slice(0, -1);
  }
  try {
    return evaluate(args, device);
  } catch (e) {
    if (e instanceof TestError) {
      write(`sh: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

function evaluate(args: string[], device: VirtualDevice): number {
  const binop = (a: string, op: string, b: string): boolean => {
    switch (op) {
      case '=':
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '<':
        return a < b;
      case '>':
        return a > b;
      case '-eq':
        return getn(a) === getn(b);
      case '-ne':
        return getn(a) !== getn(b);
      case '-ge':
        return getn(a) >= getn(b);
      case '-gt':
        return getn(a) > getn(b);
      case '-le':
        return getn(a) <= getn(b);
      case '-lt':
        return getn(a) < getn(b);
      default:
        // -nt -ot -ef: the board keeps no times or inodes; two existing paths are "equal" only if the same.
        return op === '-ef' && a === b && kindOf(device, a) !== null;
    }
  };
  // POSIX special cases.
  switch (args.length) {
    case 0:
      return 1;
    case 1:
      return args[0] === '' ? 1 : 0;
    case 2:
      if (args[0] === '!') return args[1] === '' ? 0 : 1;
      break;
    case 3:
      if (args[0] !== '!' && BINARY.has(args[1])) return binop(args[0], args[1], args[2]) ? 0 : 1;
      break;
    case 4:
      if (args[0] === '!' && BINARY.has(args[2])) return binop(args[1], args[2], args[3]) ? 1 : 0;
      break;
  }
  let p = 0;
  const peek = (k = 0): string | undefined => args[p + k];
  const unary = (op: string, a: string): boolean => {
    const kind = kindOf(device, a);
    switch (op) {
      case '-z':
        return a.length === 0;
      case '-n':
        return a.length !== 0;
      case '-t':
        return false;
      case '-e':
      case '-r':
      case '-w':
        return kind !== null;
      case '-x':
        return kind === 'dir';
      case '-f':
        return kind === 'file';
      case '-d':
        return kind === 'dir';
      case '-c':
        return kind === 'chr';
      case '-s':
        return kind === 'file' && (device.readFile(a)?.length ?? 0) > 0;
      case '-O':
      case '-G':
        return kind !== null;
      default:
        return false;
    }
  };
  const primary = (): boolean => {
    const t = peek();
    if (t === undefined) throw new TestError('argument expected');
    if (t === '(') {
      p++;
      const r = oexpr();
      if (peek() !== ')') throw new TestError('closing paren expected');
      p++;
      return r;
    }
    if (UNARY.has(t)) {
      const a = peek(1);
      if (a === undefined) throw new TestError(`${t}: argument expected`);
      p += 2;
      return unary(t, a);
    }
    const op = peek(1);
    if (op !== undefined && BINARY.has(op)) {
      const b = peek(2);
      if (b === undefined) throw new TestError(`${op}: argument expected`);
      p += 3;
      return binop(t, op, b);
    }
    p++;
    return t.length > 0;
  };
  const nexpr = (): boolean => {
    if (peek() === '!') {
      p++;
      return !nexpr();
    }
    return primary();
  };
  const aexpr = (): boolean => {
    const r = nexpr();
    if (peek() === '-a') {
      p++;
      return aexpr() && r;
    }
    return r;
  };
  const oexpr = (): boolean => {
    const r = aexpr();
    if (peek() === '-o') {
      p++;
      return oexpr() || r;
    }
    return r;
  };
  const r = oexpr();
  if (p < args.length) throw new TestError(`${args[p]}: unknown operand`);
  return r ? 0 : 1;
}
