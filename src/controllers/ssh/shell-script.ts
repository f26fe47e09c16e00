/**
 * The lines a shell session (shell-session.ts) writes to a board's login shell, and
 * the command that kills a timed-out one. Plain POSIX sh as busybox 1.4's ash, dash,
 * bash and the virtual boards' shell all read it: no functions, no `$(...)`, no
 * arithmetic, file descriptors 0-2 only.
 *
 * Each command runs as `SHELL -c 'COMMAND'` in the background, with stdin from
 * /dev/null, and the session waits for it:
 * - the same shell and `$0` as an exec channel (sshd and dropbear run `basename($SHELL)
 *   -c COMMAND`), so the exit status, the output and the shell's own messages
 *   (`sh: 1: foo: not found`) are the same, and whatever the command does (`exit`,
 *   `cd`, `set -e`, a syntax error) cannot touch the session;
 * - the command travels quoted (quote.ts), so no text of it can end the line early;
 * - its pid (`$!`) comes back first, so a command past its timeout can be killed;
 * - then its exit status on stdout, and a marker on stderr: once both arrived, all of
 *   the command's output on both streams has arrived (each stream keeps its order).
 *
 * The fast path (fast-path.ts says which commands may take it, and only where the hello
 * found `eval`, `command -v` and `exec` working): the command runs in a subshell of the
 * session, `( ... ) </dev/null &`, by `eval`, without a new shell. In the subshell,
 * functions and aliases of its command names are removed first (a login shell's profile
 * may define some), and when `command -v` does not find every external name the
 * subshell execs `SHELL -c 'COMMAND'` instead: the exact path, in the same process.
 * Commands of quiet builtins only (`echo`, `true`, `false`, `:`; no pipeline, no `exit`)
 * need no subshell either: the session's shell evals them itself, pid 0, its status kept
 * in `rig_status` before the markers.
 */
import { fastPathPlan, runsInSessionShell } from './fast-path.ts';
import { shellQuote } from './quote.ts';

/** The tags of the markers (after the nonce). */
export const TAG = {
  hello: 'h',
  pid: 'p',
  status: 's',
  stderrEnd: 'e',
} as const;

/**
 * The first line: says the session is up, whether the fast path works in this shell
 * (`1:` or `0:`: a subshell can `eval`, `command -v` and `exec`), and which login shell
 * it runs (`$SHELL`).
 */
export function helloLine(nonce: string): string {
  return (
    `if ( eval 'command -v true && exec true' ) </dev/null >/dev/null 2>&1; then echo "${nonce}${TAG.hello}0:1:$SHELL"; ` +
    `else echo "${nonce}${TAG.hello}0:0:$SHELL"; fi; echo ${nonce}${TAG.stderrEnd}0 >&2\n`
  );
}

/** The hello's value: whether the fast path works, and the login shell. */
export function parseHello(value: string): { fast: boolean; loginShell: string } {
  const m = /^([01]):(.*)$/s.exec(value);
  return m ? { fast: m[1] === '1', loginShell: m[2] } : { fast: false, loginShell: value };
}

/** The shell an exec channel would run a command with: the basename of the login shell (`sh` when unknown). */
export function execShellName(loginShell: string): string {
  const base = loginShell.trim().split('/').pop() ?? '';
  return /^[A-Za-z0-9_.+-]+$/.test(base) ? base : 'sh';
}

/** How command `id` starts, in the background with stdin from /dev/null: the exact path, or the fast one when allowed and possible. */
function startCommand(shell: string, command: string, fast: boolean): string {
  const exact = `${shellQuote(shell)} -c ${shellQuote(command)}`;
  const plan = fast ? fastPathPlan(command) : null;
  if (!plan) return `${exact} </dev/null & `;
  const names = plan.names.filter((x) => x !== ':').map(shellQuote).join(' ');
  const clear = names ? `unset -f ${names} 2>/dev/null; unalias ${names} 2>/dev/null; ` : '';
  const found = plan.external.map((x) => `command -v ${shellQuote(x)} >/dev/null 2>&1`).join(' && ');
  const run = found ? `if ${found}; then eval ${shellQuote(command)}; else exec ${exact}; fi` : `eval ${shellQuote(command)}`;
  return `( ${clear}${run} ) </dev/null & `;
}

/** The line that runs command `id` (`fast`: the session's shell passed the hello's fast-path check). */
export function commandLine(nonce: string, id: number, shell: string, command: string, fast = false): string {
  const plan = fast ? fastPathPlan(command) : null;
  if (runsInSessionShell(plan)) {
    // No process at all: its pid is 0 (nothing to kill), its status kept before the markers.
    const names = plan!.names.filter((x) => x !== ':').map(shellQuote).join(' ');
    const clear = names ? `unset -f ${names} 2>/dev/null; unalias ${names} 2>/dev/null; ` : '';
    return `${clear}eval ${shellQuote(command)} </dev/null; rig_status=$?; echo "${nonce}${TAG.pid}${id}:0"; echo "${nonce}${TAG.status}${id}:$rig_status"; echo ${nonce}${TAG.stderrEnd}${id} >&2\n`;
  }
  return (
    startCommand(shell, command, fast) +
    `echo "${nonce}${TAG.pid}${id}:$!"; wait $! 2>/dev/null; echo "${nonce}${TAG.status}${id}:$?"; echo ${nonce}${TAG.stderrEnd}${id} >&2\n`
  );
}

/**
 * Kill a process and everything it started: stop it, collect its descendants from
 * /proc (parent pid, the 4th field of /proc/PID/stat), then KILL them all. Where there
 * is no /proc or no `read` (the virtual boards), only the process itself is killed.
 */
export function killTreeCommand(pid: number): string {
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`killTreeCommand: bad pid ${pid}`);
  return (
    `p=${pid}; kill -STOP $p 2>/dev/null; a=$p; n=$p; ` +
    `while [ -n "$n" ]; do c=; for f in /proc/[0-9]*/stat; do read -r x y z q r < "$f" 2>/dev/null || continue; ` +
    `for i in $n; do [ "$q" = "$i" ] && c="$c $x"; done; done; a="$a $c"; n=$c; done; ` +
    `kill -KILL $a 2>/dev/null; kill -KILL $p 2>/dev/null; true`
  );
}

/** A parsed marker: which, for which command, and its value (pid, status, login shell). */
export interface Marker {
  tag: (typeof TAG)[keyof typeof TAG];
  id: number;
  value: string;
}

export function parseMarker(text: string): Marker | undefined {
  const m = /^([hpse])(\d+)(?::(.*))?$/s.exec(text);
  if (!m) return undefined;
  return { tag: m[1] as Marker['tag'], id: Number(m[2]), value: m[3] ?? '' };
}
