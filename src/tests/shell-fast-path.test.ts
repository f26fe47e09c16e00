/**
 * Which commands a shell session runs without a new shell (src/controllers/ssh/fast-path.ts)
 * and the line it writes for them (shell-script.ts): only commands in which the shell
 * itself can have nothing to say (no expansion, redirections that cannot fail, builtins
 * that never complain) take the fast path; external names are checked on the board with
 * `command -v`, and a miss runs the exact `sh -c` in the same subshell. Equivalence with
 * exec channels on real servers is ssh-shell-session.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fastPathPlan, runsInSessionShell } from '../controllers/ssh/fast-path.ts';
import { commandLine } from '../controllers/ssh/shell-script.ts';

describe('fast path: which commands', () => {
  it.each([
    ['true', [], ['true'], false],
    ['iwconfig ath0', ['iwconfig'], ['iwconfig'], false],
    ['iwlist ath0 scan 2>/dev/null', ['iwlist'], ['iwlist'], false],
    ["echo 'a b' >&2 && exit 3", [], ['echo', 'exit'], false],
    ['cat /proc/uptime; date +%s', ['cat', 'date'], ['cat', 'date'], false],
    ["head -c 10 /dev/zero | tr '\\0' x", ['head', 'tr'], ['head', 'tr'], true],
    ['insmod /tmp/rig-flash/ath_pci.ko autocreate=ap', ['insmod'], ['insmod'], false],
    ['echo "plain text" 2>&1 | cat', ['cat'], ['echo', 'cat'], true],
  ])('fast: %s', (command, external, names, pipeline) => {
    expect(fastPathPlan(command)).toEqual({ external, names, pipeline });
  });

  it.each([
    ['true', true],
    ["echo 'a b' >&2 && false || :", true],
    ['echo -n x; echo y 2>/dev/null', true],
    ['echo a | true', false],
    ['echo a; exit 3', false],
    ['iwconfig ath0', false],
    ['echo $$', false],
  ])('in the session shell itself (no process): %s -> %s', (command, inShell) => {
    expect(runsInSessionShell(fastPathPlan(command))).toBe(inShell);
  });

  it.each([
    ['echo $$', 'an expansion ($$, $0, $-, variables)'],
    ['echo "$HOME"', 'an expansion inside double quotes'],
    ['echo `date`', 'a command substitution'],
    ['echo $(date)', 'a command substitution'],
    ['echo x > /tmp/out', 'a redirection to a file (can fail: "cannot create")'],
    ['cat < /etc/passwd', 'a redirection from a file'],
    ['cd /tmp', 'a builtin that complains (cd)'],
    ['kill -0 1', 'a builtin that complains (kill)'],
    ['[ -f /x ]', 'test'],
    ['set -u; echo a', 'set'],
    ['eval true', 'eval'],
    ['exit 256', 'exit with a status the shell refuses'],
    ['exit foo', 'exit with a word'],
    ['FOO=1 env', 'an assignment'],
    ['/bin/true', 'a name with a slash'],
    ["'true'", 'a quoted command name'],
    ['if true; then echo; fi', 'a reserved word'],
    ['sleep 1 &', 'a background job'],
    ['echo a\necho b', 'more than one line'],
    ['ls *.ko', 'a glob'],
    ['echo ~', 'a tilde'],
    ['echo a # note', 'a comment'],
    ['echo a;', 'a trailing operator'],
    ['echo a \\; b', 'a backslash'],
    ['( true )', 'a subshell'],
    ['', 'nothing'],
  ])('exact: %s (%s)', (command) => {
    expect(fastPathPlan(command)).toBeNull();
  });
});

describe('fast path: the line', () => {
  it('a fast command: functions and aliases of its names removed, every external found, else the exact sh -c in the same subshell', () => {
    const line = commandLine('N', 7, 'sh', 'iwconfig ath0 | grep ESSID', true);
    expect(line).toBe(
      "( unset -f iwconfig grep 2>/dev/null; unalias iwconfig grep 2>/dev/null; " +
        "if command -v iwconfig >/dev/null 2>&1 && command -v grep >/dev/null 2>&1; then eval 'iwconfig ath0 | grep ESSID'; " +
        "else exec sh -c 'iwconfig ath0 | grep ESSID'; fi ) </dev/null & " +
        'echo "Np7:$!"; wait $! 2>/dev/null; echo "Ns7:$?"; echo Ne7 >&2\n',
    );
  });

  it('quiet builtins only: run by the session shell itself, pid 0, the status kept before the markers', () => {
    expect(commandLine('N', 3, 'sh', "echo 'a b' >&2 && false", true)).toBe(
      "unset -f echo false 2>/dev/null; unalias echo false 2>/dev/null; eval 'echo '\\''a b'\\'' >&2 && false' </dev/null; rig_status=$?; " +
        'echo "Np3:0"; echo "Ns3:$rig_status"; echo Ne3 >&2\n',
    );
  });

  it('an exact command, or a shell without the fast path: sh -c as an exec channel runs it', () => {
    const exact = "sh -c 'echo $$' </dev/null & echo \"Np1:$!\"; wait $! 2>/dev/null; echo \"Ns1:$?\"; echo Ne1 >&2\n";
    expect(commandLine('N', 1, 'sh', 'echo $$', true)).toBe(exact);
    expect(commandLine('N', 1, 'sh', 'echo $$', false)).toBe(exact);
    expect(commandLine('N', 2, 'sh', 'true', false)).toMatch(/^sh -c true <\/dev\/null & /);
  });
});
