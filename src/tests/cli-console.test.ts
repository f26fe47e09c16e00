/**
 * `rig console DEVICE` through the real CLI against virtual boards' serial consoles
 * (telnet console ports with the boot log, getty login and the board's shell):
 * - attached: what is typed reaches the board (Enter as a terminal sends it, CR), what the
 *   board prints comes back, Ctrl-] leaves with exit 0;
 * - input from a pipe: the console is left once the input ended and the board went quiet;
 * - `-- CMD`: logged in on the console, the command's output and exit status passed through;
 * - a device with no console, an unknown device: exit 2 saying what is missing.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, inventoryCopy, ROOT, runCli, tempDir } from './helpers/cli.ts';
import { startLabProcess, type RunningLab } from './helpers/lab.ts';

const noTrace = (s: string): void => expect(s).not.toMatch(/\n\s+at /);

interface Attached {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Wait (bounded) until stdout after `from` matches. */
  waitOut(re: RegExp, from: number, ms?: number): Promise<string>;
  exited: Promise<number | null>;
}

function attach(args: string[]): Attached {
  const child = spawn(process.execPath, [BIN, 'console', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitOut = (re: RegExp, from: number, ms = 20_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = re.exec(out.slice(from));
        if (!m) return false;
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(out.slice(from));
        return true;
      };
      const timer = setTimeout(() => {
        child.stdout.off('data', check);
        reject(new Error(`no ${re} on the console within ${ms} ms; stdout after ${from}:\n${out.slice(from)}\nstderr:\n${err}`));
      }, ms);
      child.stdout.on('data', check);
      check();
    });
  return { child, stdout: () => out, stderr: () => err, waitOut, exited };
}

async function exitWithin(a: Attached, ms: number): Promise<number | null> {
  const t = setTimeout(() => a.child.kill('SIGKILL'), ms);
  const code = await a.exited;
  clearTimeout(t);
  return code;
}

/** Bring the console to the shell prompt: Enter, and log in as root when getty asks. */
async function toShell(a: Attached): Promise<void> {
  const from = a.stdout().length;
  a.child.stdin.write('\r');
  const seen = await a.waitOut(/(login: |# )$/, from);
  if (/login: $/.test(seen)) {
    const at = a.stdout().length;
    a.child.stdin.write('root\r');
    await a.waitOut(/# $/, at);
  }
}

describe('rig console', () => {
  let lab: RunningLab;
  let inv: string;
  beforeAll(async () => {
    const dir = tempDir();
    inv = join(dir, 'lab.yaml');
    lab = await startLabProcess(['--inventory', inventoryCopy(dir), '--time-scale', '1', '--write-inventory', inv]);
  });
  afterAll(async () => {
    await lab.stop(5000);
  });

  it('attached: typed lines reach the board, its output comes back, Ctrl-] leaves with exit 0', async () => {
    const a = attach(['client', '--inventory', inv]);
    try {
      await a.waitOut(/$/, 0, 100); // the process is up
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "Ctrl-] leaves" within 20 s:\n${a.stderr()}`)), 20_000);
        const check = (): void => {
          if (a.stderr().includes('Ctrl-] leaves')) {
            clearTimeout(timer);
            resolve();
          }
        };
        a.child.stderr.on('data', check);
        check();
      });
      expect(a.stderr()).toMatch(/client's console at telnet:\/\/127\.0\.0\.1:\d+/);
      await toShell(a);
      const from = a.stdout().length;
      a.child.stdin.write('cat /proc/version\r');
      // The board's shell ran it: its kernel, of the board's era.
      const seen = await a.waitOut(/# $/, from + 1);
      expect(seen).toMatch(/Linux version 2\.6\.16/);
      a.child.stdin.write(Buffer.from([0x1d]));
      const code = await exitWithin(a, 20_000);
      noTrace(a.stderr());
      expect(code, a.stderr()).toBe(0);
      expect(a.stderr()).toMatch(/left client's console \(Ctrl-\]\)/);
    } finally {
      a.child.kill('SIGKILL');
    }
  });

  it('input from a pipe: sent as it is, the console left when the input ended and the board went quiet', async () => {
    const a = attach(['ap1', '--inventory', inv]);
    try {
      // Lines as a script pipes them (LF): log in if asked, then a command with a mark of its own.
      a.child.stdin.write('\n');
      const seen = await a.waitOut(/(login: |# )$/, 0);
      if (/login: $/.test(seen)) a.child.stdin.write('root\n');
      a.child.stdin.end('echo console-mark ; uname -n\n');
      const code = await exitWithin(a, 30_000);
      noTrace(a.stderr());
      expect(code, a.stderr()).toBe(0);
      // What the board printed, each on a line of its own (the echoed command line holds both words on one).
      expect(a.stdout()).toMatch(/^console-mark\r?$/m);
      expect(a.stdout()).toMatch(/^ap1\r?$/m);
      expect(a.stderr()).toMatch(/left ap1's console \(end of input\)/);
    } finally {
      a.child.kill('SIGKILL');
    }
  });

  it('-- CMD: logged in on the console, output and exit status passed through', async () => {
    const ok = await runCli(['console', 'client', '--inventory', inv, '--', 'cat', '/proc/version'], { timeoutMs: 60_000 });
    noTrace(ok.stderr);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^Linux version 2\.6\.16/m);
    const fail = await runCli(['console', 'client', '--inventory', inv, '--json', '--', 'grep', 'nosuchthing', '/proc/version'], { timeoutMs: 60_000 });
    expect(fail.code, fail.stderr).toBe(1);
    const j = JSON.parse(fail.stdout) as { exitCode: number; timedOut: boolean; address: string };
    expect(j.exitCode).toBe(1);
    expect(j.timedOut).toBe(false);
    expect(j.address).toMatch(/^telnet:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a device with no console, an unknown device: exit 2 saying what is missing', async () => {
    const dir = tempDir();
    const noConsole = inventoryCopy(dir, (doc) => doc.deleteIn(['benches', 'virtual', 'devices', 'client', 'console']));
    const r = await runCli(['console', 'client', '--inventory', noConsole], { timeoutMs: 60_000 });
    noTrace(r.stderr);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/client has no serial console.*devices\.client\.console/);
    const u = await runCli(['console', 'ap3', '--inventory', inv, '--', 'true'], { timeoutMs: 60_000 });
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/no device "ap3": the bench has ap1, ap2, client/);
  });
});
