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
 */
import { shellQuote } from './quote.ts';

/** The tags of the markers (after the nonce). */
export const TAG = {
  hello: 'h',
  pid: 'p',
  status: 's',
  stderrEnd: 'e',
} as const;

/** The first line: says the session is up and which login shell it runs (`$SHELL`). */
export function helloLine(nonce: string): string {
  return `echo "${nonce}${TAG.hello}0:$SHELL"; echo ${nonce}${TAG.stderrEnd}0 >&2\n`;
}

/** The shell an exec channel would run a command with: the basename of the login shell (`sh` when unknown). */
export function execShellName(loginShell: string): string {
  const base = loginShell.trim().split('/').pop() ?? '';
  return /^[A-Za-z0-9_.+-]+$/.test(base) ? base : 'sh';
}

/** The line that runs command `id`. */
export function commandLine(nonce: string, id: number, shell: string, command: string): string {
  return (
    `${shellQuote(shell)} -c ${shellQuote(command)} </dev/null & ` +
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
