/**
 * The virtual boards' shell as a person reaches it: every construct and applet through
 * the real SSH server (rig/ssh/server.ts, with ssh2's client for exit statuses,
 * signals and stdin), one session with the real OpenSSH `ssh`, and `scp` with the real
 * OpenSSH client in both directions over both protocols (SFTP, and `-O`: the legacy
 * `scp -t` / `scp -f` over exec).
 *
 * Expected output comes from the tools' sources, never from a run of the rig: busybox
 * 1.4.2 (March 2007: shell/ash.c, coreutils/{head,tail,wc,echo,test}.c,
 * findutils/grep.c, procps/{uptime,kill}.c, include/usage.h), POSIX sh (XCU 2), Linux
 * 2.6.16 (init/version.c, net/core/dev.c, fs/proc/proc_misc.c), wireless-tools 29
 * iwpriv.c with madwifi's ieee80211_priv_args[], iputils ping_common.c.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Client as SshClient } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientBoard } from '../../rig/device/client-board.ts';
import { VirtualKernel } from '../../rig/device/kernel.ts';
import { generateKeyPair } from '../../rig/keys.ts';
import { startSshServer, type VirtualSshServer } from '../../rig/ssh/server.ts';
import type { PingFlavour } from '../../rig/world/ping.ts';
import { World } from '../../rig/world/world.ts';

const hostKey = generateKeyPair('virtual shell host').private;
const clientKey = generateKeyPair('virtual shell client');
const haveOpenSsh = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).error === undefined;

interface Board {
  world: World;
  board: ClientBoard;
  srv: VirtualSshServer;
}

async function startBoard(flavour: PingFlavour): Promise<Board> {
  const world = new World({
    seed: 7,
    timeScale: 1,
    accessPoints: [],
    paths: [],
    client: { name: 'client', mac: '00:03:7F:0C:00:01', variant: 'stock' },
  });
  const board = new ClientBoard('client', world, { radio: 'wifi0' }, flavour);
  const srv = await startSshServer({ device: board, hostKey, authorizedKeys: [clientKey.public] });
  return { world, board, srv };
}

function connect(port: number): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('ready', () => resolve(c)).on('error', reject);
    c.connect({ host: '127.0.0.1', port, username: 'root', privateKey: clientKey.private });
  });
}

interface Result {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** One exec channel: stdin written and closed, a signal sent once stdout matches `signalWhen`. */
async function exec(port: number, command: string, opts: { stdin?: string; signal?: string; signalWhen?: RegExp } = {}): Promise<Result> {
  const c = await connect(port);
  try {
    return await new Promise<Result>((resolve, reject) => {
      c.exec(command, (err, ch) => {
        if (err) return reject(err);
        const r: Result = { code: null, signal: null, stdout: '', stderr: '' };
        let signalled = false;
        ch.on('data', (d: Buffer) => {
          r.stdout += d.toString('utf8');
          if (opts.signal && !signalled && opts.signalWhen?.test(r.stdout)) {
            signalled = true;
            ch.signal(opts.signal);
          }
        });
        ch.stderr.on('data', (d: Buffer) => (r.stderr += d.toString('utf8')));
        ch.on('exit', (code: number | null, signal?: string) => {
          r.code = code;
          r.signal = signal ?? null;
        });
        ch.on('close', () => resolve(r));
        // ssh2's client sends a signal only on a channel still open for writing: keep stdin open then.
        if (opts.signal) ch.write(opts.stdin ?? '');
        else ch.end(opts.stdin ?? '');
      });
    });
  } finally {
    c.end();
  }
}

/** Run a program without blocking the event loop (the SSH server lives in this process). */
function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
  });
}

/** busybox 1.4.2 bb_show_usage(): BANNER, blank line, `Usage: NAME TRIVIAL_USAGE`, blank line. */
const usage = (name: string, trivial: string): string =>
  `BusyBox v1.4.2 (2007-03-20 10:05:12 CET) multi-call binary\n\nUsage: ${name} ${trivial}\n\n`;

let b: Board;
let port: number;
beforeAll(async () => {
  b = await startBoard('iputils');
  port = b.srv.port;
});
afterAll(async () => {
  await b?.srv.close();
  b?.world.stop();
});

describe('the shell grammar, through the SSH server', { timeout: 30_000 }, () => {
  it('variables: assignment, $VAR, ${VAR}, field splitting, an assignment before a command', async () => {
    const r = await exec(port, 'x=1; y="$x two"; echo $x ${y}x "[$y]"; v="a  b"; for w in $v; do echo "<$w>"; done; echo "<$v>"; z=9 true; echo "[$z]"');
    // XCU 2.6.5: the unquoted $y splits into two fields; "$v" stays one. 2.9.1: `z=9 true` does not set z in the shell.
    expect(r).toEqual({ code: 0, signal: null, stdout: '1 1 twox [1 two]\n<a>\n<b>\n<a  b>\n[]\n', stderr: '' });
  });

  it('parameter expansion forms and the special parameters $? $$ $!', async () => {
    const r = await exec(port, 'echo ${u-def} ${u:-d2} [${e-x}] ${#HOME} ${u:=set} $u ${HOME:+alt}; false; echo $?; echo $$ $$; sleep 1 & echo $!');
    const lines = r.stdout.split('\n');
    // e is unset, so ${e-x} is x; HOME=/root (5 characters) from the session environment.
    expect(lines[0]).toBe('def d2 [x] 5 set set alt');
    expect(lines[1]).toBe('1');
    const [a, c] = lines[2].split(' ');
    expect(a).toMatch(/^\d+$/);
    expect(c).toBe(a); // $$ is the same shell each time
    expect(lines[3]).toMatch(/^\d+$/);
    expect(Number(lines[3])).not.toBe(Number(a)); // the job has its own pid
  });

  it('if / elif / else, for, while, until, break', async () => {
    const r = await exec(
      port,
      'for n in 1 5 9; do if [ $n -lt 3 ]; then echo "$n small"; elif [ $n -lt 7 ]; then echo "$n mid"; else echo "$n big"; fi; done; ' +
        's=; while [ "$s" != xxx ]; do s="${s}x"; echo $s; done; until [ -f /tmp/flag ]; do echo make; echo > /tmp/flag; done; ' +
        'for i in a b c; do [ $i = b ] && break; echo $i; done',
    );
    expect(r.stdout).toBe('1 small\n5 mid\n9 big\nx\nxx\nxxx\nmake\na\n');
    expect(r.code).toBe(0);
  });

  it('&&, ||, ! and ; with their statuses', async () => {
    const r = await exec(port, '! false && echo a || echo b; ! true; echo $?; false || true; echo $?; true && false; echo $?');
    expect(r.stdout).toBe('a\n1\n0\n1\n');
  });

  it('pipes run together, the last status counts, a stage is a subshell', async () => {
    const r = await exec(port, 'echo hello | grep -c l; echo abc | false; echo $?; x=out; echo | x=in; echo $x; exit 3 | true; echo $?');
    expect(r.stdout).toBe('1\n1\nout\n0\n');
  });

  it('a pipeline streams: ping | grep prints lines as ping does, and INT over the channel stops both', async () => {
    const t0 = Date.now();
    const r = await exec(port, 'ping -i 0.2 127.0.0.1 | grep ttl', { signal: 'INT', signalWhen: /icmp_seq=3 .*\n/ });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.stdout).toMatch(/^64 bytes from 127\.0\.0\.1: icmp_seq=1 ttl=64 time=/);
    expect(r.stdout).not.toMatch(/PING|statistics/); // grep dropped them
  });

  it('`cmd | head -n 2` ends once head has its lines (the writer gets SIGPIPE)', async () => {
    const r = await exec(port, 'ping -i 0.2 127.0.0.1 | head -n 2; echo "head $?"');
    expect(r.stdout).toMatch(/^PING 127\.0\.0\.1 \(127\.0\.0\.1\) 56\(84\) bytes of data\.\n64 bytes from 127\.0\.0\.1: icmp_seq=1 .*\nhead 0\n$/);
    expect(r.code).toBe(0);
  });

  it('background jobs: $!, jobs, wait, kill %1, kill PID', async () => {
    const r = await exec(
      port,
      'sleep 100 & jobs; kill %1; wait %1; echo "term $?"; sleep 100 & p=$!; kill -9 $p; wait $p; echo "kill $?"; wait 4242; echo "none $?"; sleep 0 & wait; echo "all $?"',
    );
    // ash showjob(): "[1] + Running" padded to column 33, then the command, which a shell without job control
    // (not interactive) never recorded (forkparent(): ps->cmd = nullstr); wait: 128+15, 128+9; an unknown pid 127.
    expect(r.stdout).toBe(`${'[1] + Running'.padEnd(33)}\nterm 143\nkill 137\nnone 127\nall 0\n`);
    expect(r.stderr).toBe('');
  });

  it('a background job writing to the session keeps it open until it is done; INT to the session reaches it', async () => {
    const t0 = Date.now();
    const r = await exec(port, 'sleep 1 & echo started');
    expect(r.stdout).toBe('started\n');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // sshd waits for the output to close
    const s = await exec(port, 'sleep 100 & echo started', { signal: 'INT', signalWhen: /started/ });
    expect(s.stdout).toBe('started\n');
  });

  it('kill and wait fail as ash does', async () => {
    const r = await exec(port, 'kill 4242; echo "a $?"; kill %7; echo "b $?"; kill -FOO 1; echo "c $?"; kill; echo "d $?"');
    expect(r.stdout).toBe('a 1\nb 2\nc 2\nd 2\n');
    // ash.c killcmd(): sh_warnx("(%d) - %m"), getjob() "No such job: %s", nextopt() "Illegal option -%c", the usage.
    expect(r.stderr).toBe(
      'sh: kill: 1: (4242) - No such process\n' +
        'sh: kill: 1: No such job: %7\n' +
        'sh: kill: 1: Illegal option -F\n' +
        'sh: kill: 1: Usage: kill [-s sigspec | -signum | -sigspec] [pid | job]... or\nkill -l [exitstatus]\n',
    );
  });

  it('redirections: > >> < 2>&1 2>/dev/null, and a missing input file', async () => {
    const r = await exec(port, 'echo one > /tmp/r; echo two >> /tmp/r; cat < /tmp/r; grep x /nope 2>/dev/null; echo "s $?"; grep x /nope 2>&1 | wc -l; cat < /nope; echo "m $?"');
    expect(r.stdout).toBe('one\ntwo\ns 2\n1\nm 2\n');
    expect(r.stderr).toBe('sh: cannot open /nope: No such file\n');
    expect(b.board.readFile('/tmp/r')?.toString()).toBe('one\ntwo\n');
  });

  it('quotes and backslashes as POSIX sh', async () => {
    const r = await exec(port, `x=v; echo 'a $x \\' "b $x \\$x \\\\ \\a \\"" c\\ d \\$x "it's" 'it'\\''s'`);
    expect(r.stdout).toBe('a $x \\ b v $x \\ \\a " c d $x it\'s it\'s\n');
  });

  it('a syntax error runs nothing: status 2, ash 1.4.2 wording', async () => {
    const r = await exec(port, 'echo before; if true; then echo inside');
    expect(r).toEqual({ code: 2, signal: null, stdout: '', stderr: 'sh: Syntax error: end of file unexpected (expecting "fi")\n' });
    const q = await exec(port, "echo 'open");
    expect(q.stderr).toBe('sh: Syntax error: Unterminated quoted string\n');
  });

  it('an interactive login shell (pty): variables and jobs across lines, `-sh` in its messages, exit N', async () => {
    const c = await connect(port);
    try {
      const r = await new Promise<{ out: string; code: number | null }>((resolve, reject) => {
        c.shell({ term: 'vt100' }, (err, ch) => {
          if (err) return reject(err);
          let out = '';
          let code: number | null = null;
          ch.on('data', (d: Buffer) => (out += d.toString('utf8')));
          ch.on('exit', (n: number | null) => (code = n));
          ch.on('close', () => resolve({ out, code }));
          ch.write('x=42\necho $x $0\nsleep 5 &\njobs\nnosuch\nexit 3\n');
        });
      });
      expect(r.code).toBe(3);
      const text = r.out.replace(/\r\n/g, '\n');
      // dropbear starts a login shell: $0 is -sh; exvwarning() prints arg0, and an interactive shell records job text.
      expect(text).toContain('42 -sh\n');
      expect(text).toContain(`${'[1] + Running'.padEnd(33)}sleep 5\n`);
      expect(text).toContain('-sh: nosuch: not found\n');
    } finally {
      c.end();
    }
  });

  it('an unknown command: sh: NAME: not found, 127', async () => {
    expect(await exec(port, 'frobnicate')).toEqual({ code: 127, signal: null, stdout: '', stderr: 'sh: frobnicate: not found\n' });
  });
});

describe('busybox applets, through the SSH server', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    await exec(port, 'echo l1 > /tmp/t; for n in 2 3 4 5 6 7 8 9 10 11 12; do echo l$n >> /tmp/t; done');
  });

  it('head: -n N, 10 by default, legacy -N, headers for several files', async () => {
    const r = await exec(port, 'head -n 2 /tmp/t; head /tmp/t | wc -l; head -3 /tmp/t | tail -n 1; echo x > /tmp/u; head -n 1 /tmp/t /tmp/u');
    expect(r.stdout).toBe('l1\nl2\n10\nl3\n==> /tmp/t <==\nl1\n\n==> /tmp/u <==\nx\n');
  });

  it('head fails as busybox: a bad number, a missing file, an unknown option', async () => {
    const a = await exec(port, 'head -n x /tmp/t');
    expect(a).toEqual({ code: 1, signal: null, stdout: '', stderr: "head: invalid number 'x'\n" });
    // Two files: headers; head.c switches to the "\n==> %s <==\n" format after the first file even though it failed.
    const m = await exec(port, 'echo x > /tmp/u; head /nope /tmp/u');
    expect(m).toEqual({ code: 1, signal: null, stdout: '\n==> /tmp/u <==\nx\n', stderr: 'head: /nope: No such file or directory\n' });
    const o = await exec(port, 'head -z /tmp/t');
    expect(o).toEqual({ code: 1, signal: null, stdout: '', stderr: `head: invalid option -- z\n${usage('head', '[OPTION]... [FILE]...')}` });
  });

  it('tail: -n N, -n +N, stdin, a last line without newline', async () => {
    const r = await exec(port, 'tail -n 2 /tmp/t; tail -n +11 /tmp/t; echo -n "a\nb" | tail -n 1; echo; cat /tmp/t | tail -1');
    expect(r.stdout).toBe('l11\nl12\nl11\nl12\nb\nl12\n');
  });

  it('tail fails as busybox: an unknown option, nothing to open', async () => {
    const o = await exec(port, 'tail -x /tmp/t');
    expect(o).toEqual({ code: 1, signal: null, stdout: '', stderr: `tail: invalid option -- x\n${usage('tail', '[OPTION]... [FILE]...')}` });
    const n = await exec(port, 'tail /nope');
    expect(n).toEqual({ code: 1, signal: null, stdout: '', stderr: 'tail: /nope: No such file or directory\ntail: no files\n' });
  });

  it('grep: basic regex, -v -i -c -q -E, fixed strings, several files, exit statuses', async () => {
    const r = await exec(
      port,
      'echo x > /tmp/u; grep "l1[0-9]*$" /tmp/t | wc -l; grep -c l /tmp/t; grep -v "l[0-9]$" /tmp/t | head -n 1; echo ABC | grep -i abc; ' +
        'grep -q l7 /tmp/t; echo "q $?"; grep -E "l(1|2)$" /tmp/t; grep "l\\(1\\)\\{1\\}2" /tmp/t; grep -F "l1[" /tmp/t; echo "F $?"; ' +
        'grep l2 /tmp/t /tmp/u; grep zzz /tmp/t; echo "none $?"; grep -c zzz /tmp/t',
    );
    expect(r.stdout).toBe('4\n12\nl10\nABC\nq 0\nl1\nl2\nl12\nF 1\n/tmp/t:l2\nnone 1\n0\n');
  });

  it('grep fails as busybox: a missing file (2), -q with a match still 0, no pattern (usage), a bad regex', async () => {
    const m = await exec(port, 'grep l /nope');
    expect(m).toEqual({ code: 2, signal: null, stdout: '', stderr: 'grep: /nope: No such file or directory\n' });
    const q = await exec(port, 'grep -q l1 /nope /tmp/t');
    expect(q.code).toBe(0); // "If the -q option is specified, the exit status shall be zero if an input line is selected, even if an error was detected."
    const u = await exec(port, 'grep');
    expect(u).toEqual({ code: 1, signal: null, stdout: '', stderr: usage('grep', '[-rihHnqvsoE] PATTERN [FILEs...]') });
    const x = await exec(port, 'grep "a\\(b" /tmp/t');
    expect(x).toEqual({ code: 1, signal: null, stdout: '', stderr: 'grep: xregcomp: Unmatched ( or \\(\n' });
  });

  it('wc: -l -w -c, all three by default, from stdin just the number', async () => {
    const r = await exec(port, 'echo "one two  three" | wc -w; echo abc | wc -c; wc -l /tmp/t; echo "a b" > /tmp/w; wc /tmp/w; wc -l /tmp/w /tmp/t');
    // wc.c: stdin with one count "%u"; else "%9u" per count, " NAME"; a total line for several files.
    expect(r.stdout).toBe('3\n4\n       12 /tmp/t\n        1         2         4 /tmp/w\n        1 /tmp/w\n       12 /tmp/t\n       13 total\n');
    const m = await exec(port, 'wc -l /nope');
    expect(m).toEqual({ code: 1, signal: null, stdout: '', stderr: 'wc: /nope: No such file or directory\n' });
  });

  it('echo -n -e, a non-option, true and false', async () => {
    const r = await exec(port, "echo -n a; echo -e 'b\\tc\\101\\0102\\x43\\c'; echo d; echo -x; echo -e 'no\\qescape'; true; echo $?; false; echo $?");
    expect(r.stdout).toBe('ab\tcABCd\n-x\nno\\qescape\n0\n1\n');
  });

  it('test / [: numbers, strings, files, -a -o ! ( ), and its errors', async () => {
    const r = await exec(
      port,
      '[ 2 -lt 10 ] && echo a; [ 2 \\< 10 ] || echo b; [ -d /tmp ] && echo c; [ -f /tmp ] || echo d; [ -f /tmp/t -a -s /tmp/t ] && echo e; ' +
        '[ ! -e /nope ] && echo f; [ \\( 1 = 2 \\) -o x = x ] && echo g; test -z "" && echo h; [ "" ] || echo i',
    );
    expect(r.stdout).toBe('a\nb\nc\nd\ne\nf\ng\nh\ni\n');
    const e = await exec(port, '[ 1 -eq x ]; echo $?; [ 1 = 1; echo $?; [ a b c ]; echo $?');
    expect(e.stdout).toBe('2\n2\n2\n');
    expect(e.stderr).toBe('sh: x: bad number\nsh: missing ]\nsh: b: unknown operand\n');
  });

  it('sleep: its usage and a bad number', async () => {
    expect(await exec(port, 'sleep')).toEqual({ code: 1, signal: null, stdout: '', stderr: usage('sleep', '[N]...') });
    expect(await exec(port, 'sleep 1x')).toEqual({ code: 1, signal: null, stdout: '', stderr: "sleep: invalid number '1x'\n" });
  });

  it('kill -l: the signals of a MIPS board, seven to a line', async () => {
    const r = await exec(port, 'kill -l');
    expect(r.stdout).toBe(
      ' 1) HUP    2) INT    3) QUIT   4) ILL    5) TRAP   6) ABRT   8) FPE   \n' +
        ' 9) KILL  11) SEGV  13) PIPE  14) ALRM  15) TERM  16) USR1  17) USR2  \n' +
        '18) CHLD  23) STOP  24) TSTP  25) CONT  26) TTIN  27) TTOU  \n',
    );
  });

  it('uptime: busybox 1.4.2 format, from the board clock and /proc/uptime', async () => {
    const r = await exec(port, 'uptime; cat /proc/uptime; cat /proc/loadavg');
    const [up, proc, load] = r.stdout.split('\n');
    expect(up).toMatch(/^ \d\d:\d\d:\d\d up (\d+ min|[ \d]\d:\d\d), load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d$/);
    expect(proc).toMatch(/^\d+\.\d\d \d+\.\d\d$/);
    const minutes = Math.floor(Number(proc.split(' ')[0]) / 60);
    expect(up).toContain(` up ${minutes} min,`);
    expect(up.endsWith(`load average: ${load.split(' ').slice(0, 3).join(', ')}`)).toBe(true);
    const now = new Date(b.board.nowMs());
    expect(up.slice(1, 3)).toBe(String(now.getUTCHours()).padStart(2, '0'));
  });

  it('uname as busybox 1.4 answers: -n the hostname, fields in s n r v m p order whatever the flags order, a bad flag exit 1', async () => {
    const host = (await exec(port, 'hostname')).stdout.trim();
    const r = await exec(port, 'uname; uname -n; uname -nr; uname -r -s');
    expect(r.stdout.split('\n').slice(0, 4)).toEqual(['Linux', host, `${host} 2.6.16`, 'Linux 2.6.16']);
    const bad = await exec(port, 'uname -x');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^uname: invalid option -- x\n/);
  });

  it('cat /proc/version: the kernel banner, the same line the kernel logs at boot, consistent with uname', async () => {
    const r = await exec(port, 'cat /proc/version; uname -r; uname -a');
    const [version, release, all] = r.stdout.split('\n');
    expect(version).toBe('Linux version 2.6.16 (build@rig) (gcc version 3.4.4) #1 Tue Mar 20 10:12:44 CET 2007');
    expect(release).toBe('2.6.16');
    expect(all).toContain('2.6.16 #1 Tue Mar 20 10:12:44 CET 2007 mips');
    const world = new World({ seed: 1, timeScale: 1000, accessPoints: [], paths: [], client: { name: 'c', mac: '00:03:7F:0C:00:02', variant: 'stock' } });
    try {
      const board = new ClientBoard('c', world, { radio: 'wifi0' }, 'iputils');
      const kernel = new VirtualKernel(board, { release: '2.6.16', vermagic: 'x', moduleDir: '/lib/modules/2.6.16/net', wait: async () => {} });
      kernel.boot();
      expect(kernel.dmesg()[0]).toBe(version);
      expect(board.readFile('/proc/version')?.toString()).toBe(`${version}\n`);
    } finally {
      world.stop();
    }
  });

  it('cat /proc/net/dev: the kernel format, lo and eth0, then the radio and the VAP once it exists', async () => {
    const header =
      'Inter-|   Receive                                                |  Transmit\n' +
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
    // dev_seq_printf_stats(): "%6s:%8lu %7lu %4lu %4lu %4lu %5lu %10lu %9lu %8lu %7lu %4lu %4lu %4lu %5lu %7lu %10lu\n".
    const zeros = (name: string): string =>
      `${name.padStart(6)}:${'0'.padStart(8)} ${'0'.padStart(7)}${' '.repeat(4)}0${' '.repeat(4)}0${' '.repeat(4)}0${' '.repeat(5)}0${' '.repeat(10)}0${' '.repeat(9)}0` +
      ` ${'0'.padStart(8)} ${'0'.padStart(7)}${' '.repeat(4)}0${' '.repeat(4)}0${' '.repeat(4)}0${' '.repeat(5)}0${' '.repeat(7)}0${' '.repeat(10)}0\n`;
    await exec(port, 'wlanconfig ath0 destroy');
    const before = await exec(port, 'cat /proc/net/dev');
    const lines = before.stdout.split(/(?<=\n)/);
    expect(lines.slice(0, 2).join('')).toBe(header);
    expect(lines[2]).toBe(zeros('lo'));
    // eth0 is the management port: the SSH connections this test made are its traffic.
    const eth0 = /^  eth0:([ \d]{8}) ([ \d]{7}) {4}0 {4}0 {4}0 {5}0 {10}0 {9}0 ([ \d]{8}) ([ \d]{7}) {4}0 {4}0 {4}0 {5}0 {7}0 {10}0\n$/.exec(lines[3]);
    expect(eth0, lines[3]).not.toBeNull();
    const [rxBytes, rxPackets, txBytes, txPackets] = (eth0 as RegExpExecArray).slice(1).map(Number);
    expect(rxBytes).toBeGreaterThan(1000);
    expect(txBytes).toBeGreaterThan(1000);
    expect(rxPackets).toBeGreaterThan(0);
    expect(txPackets).toBeGreaterThan(0);
    expect(lines).toHaveLength(4);
    await exec(port, 'wlanconfig ath0 create wlandev wifi0 wlanmode sta');
    const after = await exec(port, 'cat /proc/net/dev');
    const more = after.stdout.split(/(?<=\n)/);
    expect(more.map((l) => l.slice(0, 7))).toEqual(['Inter-|', ' face |', '    lo:', '  eth0:', ' wifi0:', '  ath0:']);
    expect(more.slice(4).join('')).toBe(zeros('wifi0') + zeros('ath0'));
    expect(Number(more[3].slice(7, 15))).toBeGreaterThan(rxBytes); // the connection since counted too
  });

  it("iwpriv ath0: madwifi's private ioctls in wireless-tools' format; none on lo", async () => {
    const r = await exec(port, 'iwpriv ath0');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('ath0      Available private ioctls :');
    // "          %-16.16s (%.4X) : set %3d %s & get %3d %s": IEEE80211_PARAM_ROAMING is 12, ROAM_RSSI_11G 49, SCANVALID 46, BGSCAN 40.
    for (const row of [
      '          hostroaming      (000C) : set   1 int   & get   0      ',
      '          get_hostroaming  (000C) : set   0       & get   1 int  ',
      '          rssi11a          (002F) : set   1 int   & get   0      ',
      '          get_rssi11b      (0030) : set   0       & get   1 int  ',
      '          rssi11g          (0031) : set   1 int   & get   0      ',
      '          scanvalid        (002E) : set   1 int   & get   0      ',
      '          get_scanvalid    (002E) : set   0       & get   1 int  ',
      '          bgscan           (0028) : set   1 int   & get   0      ',
      '          setparam         (8BE0) : set   2 int   & get   0      ',
      '          getparam         (8BE1) : set   1 int   & get   1 int  ',
      '          mode             (8BE2) : set   6 char  & get   0      ',
      '          addmac           (8BF6) : set   1 addr  & get   0      ',
    ]) {
      expect(lines).toContain(row);
    }
    expect(r.stdout.endsWith('\n\n')).toBe(true);
    const lo = await exec(port, 'iwpriv lo');
    expect(lo).toEqual({ code: 0, signal: null, stdout: '', stderr: 'lo        no private ioctls.\n\n' });
  });

  it('ping -V per flavour: iputils s20121221 (has -D and -O), s20070202, busybox prints its usage', async () => {
    expect(await exec(port, 'ping -V')).toEqual({ code: 0, signal: null, stdout: 'ping utility, iputils-s20121221\n', stderr: '' });
    for (const [flavour, expected] of [
      ['iputils-old', { code: 0, stdout: 'ping utility, iputils-s20070202\n' }],
      ['busybox', { code: 1, stdout: '' }],
    ] as const) {
      const other = await startBoard(flavour);
      try {
        const r = await exec(other.srv.port, 'ping -V');
        expect(r).toMatchObject(expected);
        if (flavour === 'busybox') expect(r.stderr).toMatch(/^ping: invalid option -- 'V'\nBusyBox v1\.\d+\.\d+ .*multi-call binary\.\n\nUsage: ping /);
      } finally {
        await other.srv.close();
        other.world.stop();
      }
    }
  });

  it('rm and cat fail as busybox', async () => {
    const r = await exec(port, 'echo x > /tmp/u; rm /tmp/nope; echo "rm $?"; rm -f /tmp/nope; echo "f $?"; cat /tmp/u /nope; echo "cat $?"');
    expect(r.stdout).toBe('rm 1\nf 0\nx\ncat 1\n');
    expect(r.stderr).toBe("rm: cannot remove '/tmp/nope': No such file or directory\ncat: /nope: No such file or directory\n");
  });
});

describe.skipIf(!haveOpenSsh)('the real OpenSSH client against a virtual board', { timeout: 60_000 }, () => {
  let dir: string;
  let keyFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rig-vshell-'));
    keyFile = join(dir, 'id');
    writeFileSync(keyFile, clientKey.private);
    chmodSync(keyFile, 0o600);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const common = () => ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes'];

  it("ssh -p PORT -i KEY root@127.0.0.1 'for i in 1 2 3; do echo $i; done | tail -n 1'", async () => {
    const r = await run('ssh', ['-p', String(port), ...common(), 'root@127.0.0.1', 'for i in 1 2 3; do echo $i; done | tail -n 1']);
    expect(r).toEqual({ status: 0, stdout: '3\n', stderr: '' });
    const f = await run('ssh', ['-p', String(port), ...common(), 'root@127.0.0.1', 'grep -c x /nope']);
    expect(f).toEqual({ status: 2, stdout: '', stderr: 'grep: /nope: No such file or directory\n' });
  });

  for (const legacy of [false, true]) {
    const mode = legacy ? 'scp -O (scp -t / scp -f over exec)' : 'scp (SFTP)';
    it(`${mode}: upload and download, byte for byte; a missing file fails`, async () => {
      const local = join(dir, `up-${legacy}.bin`);
      const data = randomBytes(150_000);
      writeFileSync(local, data);
      const flags = [...(legacy ? ['-O'] : []), '-P', String(port), ...common()];
      const up = await run('scp', [...flags, local, `root@127.0.0.1:/tmp/scp-${legacy}.bin`]);
      expect(up.status, up.stderr).toBe(0);
      expect(b.board.readFile(`/tmp/scp-${legacy}.bin`)?.equals(data)).toBe(true);
      const intoDir = await run('scp', [...flags, local, 'root@127.0.0.1:/tmp/']);
      expect(intoDir.status, intoDir.stderr).toBe(0);
      expect(b.board.readFile(`/tmp/up-${legacy}.bin`)?.equals(data)).toBe(true);
      const back = join(dir, `back-${legacy}.bin`);
      const down = await run('scp', [...flags, `root@127.0.0.1:/tmp/scp-${legacy}.bin`, back]);
      expect(down.status, down.stderr).toBe(0);
      expect(readFileSync(back).equals(data)).toBe(true);
      const missing = await run('scp', [...flags, 'root@127.0.0.1:/tmp/nope', join(dir, 'nope')]);
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toMatch(/\/tmp\/nope: No such file or directory/);
    });
  }
});
