/**
 * Which commands a shell session may run without a new shell (the fast path: a
 * subshell of the session and `eval`, about 0.4 ms less than the fork and exec of
 * `sh -c` per command) and still give exactly what an exec channel gives: exit status,
 * stdout and stderr.
 *
 * An `eval` in the session's subshell differs from `sh -c` in what the shell itself
 * says and knows, never in what a command does:
 * - the shell's own messages: dash prefixes them with `eval: ` (`sh: 1: eval: foo: not
 *   found`), busybox ash and bash give the session's line number; they come from a
 *   command not found, a syntax error, a failed redirection, an expansion error
 *   (`${x?}`, `set -u`, `$((1/0))`) or a builtin's complaint;
 * - what the shell knows: `$$`, `$0`, `$-`, `$!`, `$PPID`, `LINENO`, the session's
 *   variables, functions and aliases (a login shell's profile may define them).
 *
 * So the fast path takes only commands that cannot meet any of these, decided from
 * the text by a deliberately small grammar (anything else goes to the exact path):
 * simple commands joined by `;`, `&&`, `||` and `|`, on one line; words of plain
 * characters, '...' and "..." without `$`, backquotes or backslashes (so no expansion
 * at all, no globs, no tilde, no comments); redirections only to /dev/null or between
 * stdout and stderr (they cannot fail); command names plain (no `/`, not reserved
 * words, not assignments), each either `echo`, `true`, `false`, `:` or `exit [0-255]`
 * (builtins that never complain) or a name that is not a builtin of dash, busybox ash
 * or bash (an external command, whose messages are its own).
 *
 * Whether those external names exist is decided on the board, when the command runs
 * (shell-script.ts): in the subshell, functions and aliases of those names are removed,
 * then `command -v` must find every one, else the subshell execs `sh -c` with the
 * command, the exact path, so "not found" reads as on an exec channel.
 */

/** What the fast path needs to know of a command: every command name in it. */
export interface FastPathPlan {
  /** Every command name, in order of first use (builtins of the allowlist included). */
  names: string[];
  /** The names that must be found on the board (`command -v`): not the allowlisted builtins. */
  external: string[];
  /** A `|` joins two of its commands (each side then runs in a process of its own). */
  pipeline: boolean;
}

/** Builtins that never write a message of the shell's own (with plain words as arguments). */
const QUIET_BUILTINS = new Set(['echo', 'true', 'false', ':', 'exit']);

/** Builtins and reserved words of dash, busybox ash and bash: the exact path. */
const SHELL_WORDS = new Set(
  (
    '. [ [[ ]] { } ! alias bg bind break builtin caller case cd chdir command compgen complete compopt continue coproc declare dirs disown do done elif else ' +
    'enable esac eval exec export fc fg fi for function getopts hash help history if in jobs kill let local logout mapfile popd printf pushd pwd read ' +
    'readarray readonly return select set shift shopt source suspend test then time times trap type typeset ulimit umask unalias unset until wait while'
  ).split(' '),
);

/** Redirections that cannot fail (no file is created), exactly as written. */
const SAFE_REDIRECTIONS = ['2>&1', '1>&2', '>&2', '2>/dev/null', '1>/dev/null', '>/dev/null', '</dev/null'];

/** Characters of an unquoted word: nothing the shell would expand, split or treat as syntax. */
const PLAIN = /[A-Za-z0-9_.\/,:=+%@^-]/;
const NAME = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*|:)$/;

/**
 * The fast-path plan of a command, or null when it must take the exact path (`sh -c`).
 * Bounded: one pass over the text.
 */
export function fastPathPlan(command: string): FastPathPlan | null {
  if (command.length === 0 || command.length > 4096) return null;
  const names: string[] = [];
  let pipeline = false;
  let words: string[] = [];
  let i = 0;
  const n = command.length;

  const endSimple = (): boolean => {
    if (words.length === 0) return false;
    const [name, ...args] = words;
    if (!NAME.test(name) || name.includes('=')) return false;
    if (QUIET_BUILTINS.has(name)) {
      if (name === 'exit' && !(args.length === 0 || (args.length === 1 && /^\d{1,3}$/.test(args[0]) && Number(args[0]) <= 255))) return false;
    } else if (SHELL_WORDS.has(name)) return false;
    if (!names.includes(name)) names.push(name);
    words = [];
    return true;
  };

  while (i < n) {
    const c = command[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    // Operators between simple commands (each must follow a command and be followed by one).
    const op = command.startsWith('&&', i) || command.startsWith('||', i) ? 2 : c === ';' || c === '|' ? 1 : 0;
    if (op > 0) {
      if (!endSimple()) return null;
      if (op === 1 && c === '|') pipeline = true;
      i += op;
      if (command.slice(i).trim() === '') return null;
      continue;
    }
    // A redirection that cannot fail, standing alone.
    const redirection = SAFE_REDIRECTIONS.find((r) => command.startsWith(r, i) && (i + r.length === n || /[ \t;|&]/.test(command[i + r.length])));
    if (redirection !== undefined && (i === 0 || /[ \t;|&]/.test(command[i - 1]))) {
      if (words.length === 0) return null; // a redirection before the command name: keep the grammar small
      i += redirection.length;
      continue;
    }
    // A word: plain characters and quoted pieces, up to a blank or an operator.
    let word = '';
    let quoted = false;
    while (i < n && !/[ \t;|&]/.test(command[i])) {
      const d = command[i];
      if (d === "'") {
        const end = command.indexOf("'", i + 1);
        if (end < 0) return null;
        word += command.slice(i + 1, end);
        quoted = true;
        i = end + 1;
      } else if (d === '"') {
        const end = command.indexOf('"', i + 1);
        if (end < 0) return null;
        const inner = command.slice(i + 1, end);
        if (/[$`\\]/.test(inner)) return null;
        word += inner;
        quoted = true;
        i = end + 1;
      } else if (PLAIN.test(d)) {
        word += d;
        i++;
      } else return null; // $ ` \ ( ) { } < > * ? [ ] ~ # ! newline ...: the exact path
    }
    if (c === '&') return null; // a lone & (background)
    // The command name must be a plain word (a quoted name is still a name to the shell, but keep it simple).
    if (words.length === 0 && quoted) return null;
    words.push(word);
  }
  if (!endSimple()) return null;
  return { names, external: names.filter((x) => !QUIET_BUILTINS.has(x)), pipeline };
}

/**
 * Commands of quiet builtins only (`echo`, `true`, `false`, `:`), no pipeline and no
 * `exit`: nothing in them can change the shell, hang or start a process, so the session's
 * shell runs them itself, without even a subshell (the fork is most of a fast command's
 * cost). Decided from the plan.
 */
export function runsInSessionShell(plan: FastPathPlan | null): boolean {
  return plan !== null && plan.external.length === 0 && !plan.pipeline && !plan.names.includes('exit');
}
