import { generateKeyPair } from '../../rig/keys.ts';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BenchError } from '../errors.ts';
import { SshDevice, type SshConnectOptions } from '../controllers/ssh/ssh-device.ts';
import { startSshServer, type VirtualSshServer } from '../../rig/ssh/server.ts';
import type { ProcessIO, VirtualDevice } from '../../rig/ssh/types.ts';

const { utils } = ssh2;

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A test-only board: a few commands with the shapes the real ones have (streams, exit codes, signals). */
class TestBoard implements VirtualDevice {
  readonly name = 'testboard';
  readonly files = new Map<string, Buffer>();
  readonly events: string[] = [];
  active = 0;
  maxActive = 0;

  async run(argv: string[], io: ProcessIO): Promise<number> {
    const [cmd, ...args] = argv;
    switch (cmd) {
      case 'emit': {
        // emit N [ms]: N lines, a pause between them
        const n = Number(args[0] ?? 1);
        const ms = Number(args[1] ?? 2);
        for (let i = 1; i <= n && !io.abort.aborted; i++) {
          io.stdout.write(`line ${i}\n`);
          await delay(ms);
        }
        return io.abort.aborted ? 129 : 0;
      }
      case 'split':
        // Lines cut across writes (and so across SSH packets), CRLF, a last line without newline.
        for (const part of ['ab', 'c\r\nde', 'f\n', 'ta', 'il']) {
          io.stdout.write(part);
          await delay(15);
        }
        io.stderr.write('warn\n');
        return 0;
      case 'fail':
        io.stdout.write('some output\n');
        io.stderr.write('it failed\n');
        return 3;
      case 'nap': {
        this.active++;
        this.maxActive = Math.max(this.maxActive, this.active);
        await delay(Number(args[0] ?? 10));
        this.active--;
        io.stdout.write(`${args[1] ?? ''}\n`);
        return 0;
      }
      case 'ignore':
        // Ignores signals and abort alike: never ends by itself.
        io.stdout.write('ignoring\n');
        return new Promise<number>(() => {});
      case 'hang':
        await new Promise((resolve) => io.abort.addEventListener('abort', resolve));
        this.events.push('hang aborted');
        return 129;
      case 'sig':
        return new Promise<number>((resolve) => {
          io.onSignal((name) => {
            this.events.push(`sig ${name}`);
            io.stdout.write(`got ${name}\n`);
            resolve(128 + ({ INT: 2, TERM: 15 } as Record<string, number>)[name]);
          });
          io.stdout.write('ready\n');
        });
    }
    io.stderr.write(`sh: ${cmd}: not found\n`);
    return 127;
  }

  readFile(path: string): Buffer | undefined {
    return this.files.get(path);
  }

  writeFile(path: string, data: Buffer, append = false): void {
    const old = append ? (this.files.get(path) ?? Buffer.alloc(0)) : Buffer.alloc(0);
    this.files.set(path, Buffer.concat([old, data]));
  }
}

let dir: string;
let hostKey: string;
let clientKey: string;
let clientPub: string;
let otherKey: string;
let otherPub: string;
let clientKeyFile: string;
/** Every test server here uses the same host key: its fingerprint is pinned by `connect()`. */
let hostFp: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rig-ssh-test-'));
  const host = generateKeyPair('rig test');
  const client = generateKeyPair('rig test');
  const other = generateKeyPair('rig test');
  hostKey = host.private;
  const hostParsed = utils.parseKey(host.public);
  if (hostParsed instanceof Error) throw hostParsed;
  hostFp = SshDevice.fingerprintOf(hostParsed.getPublicSSH());
  clientKey = client.private;
  clientPub = client.public;
  otherKey = other.private;
  otherPub = other.public;
  clientKeyFile = join(dir, 'id_ed25519');
  await writeFile(clientKeyFile, clientKey, { mode: 0o600 });
  await chmod(clientKeyFile, 0o600);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(opts: { password?: string; port?: number; board?: TestBoard } = {}): Promise<{ srv: VirtualSshServer; board: TestBoard }> {
  const board = opts.board ?? new TestBoard();
  const srv = await startSshServer({
    device: board,
    hostKey,
    authorizedKeys: [clientPub],
    password: opts.password,
    port: opts.port,
  });
  cleanups.push(() => srv.close());
  return { srv, board };
}

async function connect(port: number, extra: Partial<SshConnectOptions> = {}): Promise<SshDevice> {
  const dev = await SshDevice.connect({
    name: 'ap1',
    host: '127.0.0.1',
    port,
    username: 'root',
    auth: { privateKey: clientKey },
    hostKeyFingerprint: hostFp,
    connectDeadlineMs: 5000,
    ...extra,
  });
  cleanups.push(() => dev.close());
  return dev;
}

/** A port nobody listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<BenchError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    return e as BenchError;
  }
  throw new Error('expected a rejection');
}

describe('SshDevice.exec', { timeout: 15_000 }, () => {
  it('returns exit code, separate stdout and stderr, duration', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port);
    const r = await dev.exec('echo hello; fail');
    expect(r).toMatchObject({
      command: 'echo hello; fail',
      exitCode: 3,
      stdout: 'hello\nsome output\n',
      stderr: 'it failed\n',
      timedOut: false,
    });
    expect(r.signal).toBeUndefined();
    expect(r.durationMs).toBeGreaterThan(0);
    expect((await dev.exec('true')).exitCode).toBe(0);
    expect((await dev.exec('nosuch')).stderr).toBe('sh: nosuch: not found\n');
  });

  it('feeds stdin, then EOF', async () => {
    const { srv, board } = await server();
    const dev = await connect(srv.port);
    const w = await dev.exec('cat > /tmp/f', { stdin: 'hello\nworld\n' });
    expect(w.exitCode).toBe(0);
    expect(board.files.get('/tmp/f')?.toString()).toBe('hello\nworld\n');
    expect((await dev.exec('cat /tmp/f')).stdout).toBe('hello\nworld\n');
    // Without stdin the command sees EOF at once instead of hanging.
    expect((await dev.exec('cat', { timeoutMs: 2000 })).timedOut).toBe(false);
  });

  it('runs 20 concurrent execs on one connection, at most 10 channels at once', async () => {
    const { srv, board } = await server();
    const dev = await connect(srv.port);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => dev.exec(`nap 40 n${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}\n`));
    expect(results.every((r) => r.exitCode === 0)).toBe(true);
    expect(board.maxActive).toBeGreaterThan(1);
    expect(board.maxActive).toBeLessThanOrEqual(10);
    expect(srv.connectionCount()).toBe(1);
  });

  it('times out: KILL, timedOut, exitCode null; the connection stays usable', async () => {
    const { srv, board } = await server();
    const dev = await connect(srv.port);
    const r = await dev.exec('echo started; hang', { timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.stdout).toBe('started\n');
    expect(r.durationMs).toBeGreaterThanOrEqual(190);
    expect(r.durationMs).toBeLessThan(3000);
    expect(dev.connected).toBe(true);
    expect((await dev.exec('echo still here')).stdout).toBe('still here\n');
    await delay(50);
    expect(board.events).toContain('hang aborted');
  });
});

describe('SshDevice.exec with a server channel limit', { timeout: 15_000 }, () => {
  it('a command that ignores everything still times out and frees its channel', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port, { maxSessions: 1 });
    const r = await dev.exec('ignore', { timeoutMs: 150 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null, stdout: 'ignoring\n' });
    // With one channel allowed, this only runs if the timed-out channel was closed.
    expect((await dev.exec('echo next', { timeoutMs: 3000 })).stdout).toBe('next\n');
  });

  it('a command that times out while queued for a channel never runs and leaks nothing', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port, { maxSessions: 1 });
    const first = dev.exec('nap 300 a');
    const queued = await dev.exec('echo b', { timeoutMs: 100 });
    expect(queued).toMatchObject({ timedOut: true, exitCode: null, stdout: '' });
    expect(queued.durationMs).toBeLessThan(290);
    expect((await first).stdout).toBe('a\n');
    expect((await dev.exec('echo c', { timeoutMs: 3000 })).stdout).toBe('c\n');
  });

  it('lowers its channel limit when the server refuses sessions, and queues', async () => {
    // A bare ssh2 server that allows two sessions at once (like a small MaxSessions).
    const raw = new ssh2.Server({ hostKeys: [hostKey] }, (conn) => {
      let open = 0;
      conn.on('error', () => {});
      conn.on('authentication', (ctx) => ctx.accept());
      conn.on('ready', () => {
        conn.on('session', (accept, reject) => {
          if (open >= 2) return reject();
          open++;
          const session = accept();
          session.on('close', () => open--);
          session.on('exec', (acceptExec, _rejectExec, info) => {
            const ch = acceptExec();
            setTimeout(() => {
              ch.write(`${info.command}\n`);
              ch.exit(0);
              ch.end();
            }, 30);
          });
        });
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => raw.close(() => r())));
    const logs: string[] = [];
    const dev = await connect((raw.address() as { port: number }).port, { log: (m) => logs.push(m) });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => dev.exec(`job${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 8 }, (_, i) => `job${i}\n`));
    expect(logs.some((l) => /limiting to 2/.test(l))).toBe(true);
  });
});

describe('SshDevice.stream', { timeout: 15_000 }, () => {
  it('KILL ends a command that ignores everything (exit-signal KILL)', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port);
    const p = dev.stream('ignore');
    p.onLine(() => p.signal('KILL'));
    const r = await p.done;
    expect(r.signal).toBe('KILL');
    expect(r.exitCode).toBeNull();
    expect(() => p.signal('NOPE')).toThrow(/unknown signal/);
  });

  it('delivers lines in order, stamped at arrival', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port);
    const before = Date.now();
    const p = dev.stream('emit 30 3');
    const lines: { line: string; at: number }[] = [];
    p.onLine((line, stream, at) => {
      expect(stream).toBe('stdout');
      lines.push({ line, at });
    });
    const r = await p.done;
    expect(r.exitCode).toBe(0);
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`));
    for (let i = 1; i < lines.length; i++) expect(lines[i].at).toBeGreaterThanOrEqual(lines[i - 1].at);
    expect(lines[0].at).toBeGreaterThanOrEqual(before);
    expect(lines[29].at).toBeGreaterThan(lines[0].at);
  });

  it('joins lines split across chunks, strips CR, keeps a last unterminated line', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port);
    const p = dev.stream('split');
    const got: string[] = [];
    p.onLine((line, stream) => got.push(`${stream}:${line}`));
    const r = await p.done;
    expect(r.exitCode).toBe(0);
    expect(got.filter((g) => g.startsWith('stdout:'))).toEqual(['stdout:abc', 'stdout:def', 'stdout:tail']);
    expect(got).toContain('stderr:warn');
  });

  it('delivers a signal (INT) and reports the exit signal', async () => {
    const { srv, board } = await server();
    const dev = await connect(srv.port);
    const p = dev.stream('sig');
    const lines: string[] = [];
    p.onLine((line) => {
      lines.push(line);
      if (line === 'ready') p.signal('INT');
    });
    const r = await p.done;
    expect(lines).toEqual(['ready', 'got INT']);
    expect(board.events).toEqual(['sig INT']);
    expect(r.signal).toBe('INT');
    expect(r.exitCode).toBeNull();
  });

  it('an unhandled signal ends the command with exit-signal', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port);
    const p = dev.stream('echo go; sleep 30; echo never');
    p.onLine((line) => line === 'go' && p.signal('TERM'));
    const r = await p.done;
    expect(r.signal).toBe('TERM');
    expect(r.durationMs).toBeLessThan(5000);
  });

  it('close() of the stream resolves done and stops the remote command', async () => {
    const { srv, board } = await server();
    const dev = await connect(srv.port);
    const p = dev.stream('echo first; hang');
    p.onLine(() => p.close());
    const r = await p.done;
    expect(r.exitCode).toBeNull();
    expect(r.stdout).toBe('first\n');
    await delay(50);
    expect(board.events).toContain('hang aborted');
    expect((await dev.exec('echo ok')).stdout).toBe('ok\n');
  });

  it('device close() during a stream resolves done', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port);
    const p = dev.stream('emit 100000 5');
    await new Promise<void>((resolve) => p.onLine(() => resolve()));
    await dev.close();
    const r = await p.done;
    expect(r.exitCode).toBeNull();
    expect(dev.connected).toBe(false);
    await dev.close(); // idempotent
    expect((await rejection(dev.exec('true'))).code).toBe('E_DISCONNECTED');
  });
});

describe('SshDevice.connect', { timeout: 15_000 }, () => {
  it('fails with E_CONNECT naming the device, address and cause, within the deadline, after retrying', async () => {
    const port = await freePort();
    const logs: string[] = [];
    const t0 = Date.now();
    const err = await rejection(
      SshDevice.connect({
        name: 'ap1',
        host: '127.0.0.1',
        port,
        username: 'root',
        auth: { privateKey: clientKey },
        acceptAnyHostKey: true,
        connectDeadlineMs: 700,
        log: (m) => logs.push(m),
      }),
    );
    const elapsed = Date.now() - t0;
    expect(err.code).toBe('E_CONNECT');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('ap1');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(elapsed).toBeGreaterThanOrEqual(600);
    expect(elapsed).toBeLessThan(700 + 1000);
    expect(logs.filter((l) => l.includes('retrying')).length).toBeGreaterThanOrEqual(1);
    expect(Number(/\((\d+) attempts\)/.exec(err.message)?.[1])).toBeGreaterThanOrEqual(2);
  });

  it('connects when the server comes up after the client started trying', async () => {
    const port = await freePort();
    const logs: string[] = [];
    const connecting = connect(port, { log: (m) => logs.push(m) });
    await delay(400);
    const { srv } = await server({ port });
    const dev = await connecting;
    expect(dev.connected).toBe(true);
    expect(logs.some((l) => l.includes('retrying'))).toBe(true);
    expect((await dev.exec('echo up')).stdout).toBe('up\n');
    expect(srv.connectionCount()).toBe(1);
  });

  it('retries through a board that refuses connections while it reboots', async () => {
    const { srv } = await server();
    srv.setRefusing(true);
    setTimeout(() => srv.setRefusing(false), 400);
    const t0 = Date.now();
    const dev = await connect(srv.port);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect((await dev.exec('echo back')).stdout).toBe('back\n');
  });

  it('checks the host key fingerprint; a mismatch is E_HOSTKEY at once, showing both', async () => {
    const { srv } = await server();
    const good = await connect(srv.port, { hostKeyFingerprint: srv.hostKeyFingerprint });
    expect(good.hostKeyFingerprint).toBe(srv.hostKeyFingerprint);
    expect(good.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);

    const parsed = utils.parseKey(otherPub);
    if (parsed instanceof Error) throw parsed;
    const wrong = SshDevice.fingerprintOf(parsed.getPublicSSH());
    const t0 = Date.now();
    const err = await rejection(connect(srv.port, { hostKeyFingerprint: wrong, connectDeadlineMs: 10_000 }));
    expect(err.code).toBe('E_HOSTKEY');
    expect(err.message).toContain('ap1');
    expect(err.message).toContain(wrong);
    expect(err.message).toContain(srv.hostKeyFingerprint);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('matches what ssh-keygen prints for the host key', async () => {
    const { srv } = await server();
    if (!existsSync('/usr/bin/ssh-keygen')) return;
    const pubFile = join(dir, 'host.pub');
    const parsed = utils.parseKey(hostKey);
    if (parsed instanceof Error) throw parsed;
    await writeFile(pubFile, `ssh-ed25519 ${parsed.getPublicSSH().toString('base64')}\n`);
    const out = await runProcess('/usr/bin/ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]);
    expect(out.stdout).toContain(srv.hostKeyFingerprint);
  });

  it('a wrong key is E_AUTH at once, naming device and user', async () => {
    const { srv } = await server();
    const t0 = Date.now();
    const err = await rejection(connect(srv.port, { auth: { privateKey: otherKey }, connectDeadlineMs: 10_000 }));
    expect(err.code).toBe('E_AUTH');
    expect(err.message).toContain('ap1');
    expect(err.message).toContain('"root"');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('password auth: the right password works, a wrong one is E_AUTH without the password in the message', async () => {
    const { srv } = await server({ password: 'sekrit-pw' });
    const dev = await connect(srv.port, { auth: { password: 'sekrit-pw' } });
    expect((await dev.exec('echo pw')).stdout).toBe('pw\n');
    const err = await rejection(connect(srv.port, { auth: { password: 'wrong-pw-123' } }));
    expect(err.code).toBe('E_AUTH');
    expect(err.message).not.toContain('wrong-pw-123');
    expect(err.message).not.toContain('sekrit-pw');
    const user = await rejection(connect(srv.port, { username: 'admin', auth: { password: 'sekrit-pw' } }));
    expect(user.code).toBe('E_AUTH');
    expect(user.message).toContain('"admin"');
  });

  it('accepts keepalive options and stays connected', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port, { keepaliveIntervalMs: 50, keepaliveCountMax: 2 });
    await delay(300);
    expect(dev.connected).toBe(true);
    expect((await dev.exec('echo alive')).stdout).toBe('alive\n');
  });
});

describe('faults', { timeout: 15_000 }, () => {
  it('dropConnections(): a pending exec rejects with E_DISCONNECTED and onDisconnect fires', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port);
    const reasons: string[] = [];
    dev.onDisconnect((r) => reasons.push(r));
    const pending = dev.exec('hang');
    const streaming = dev.stream('hang');
    await delay(100);
    expect(srv.connectionCount()).toBe(1);
    srv.dropConnections();
    const err = await rejection(pending);
    expect(err.code).toBe('E_DISCONNECTED');
    expect(err.message).toContain('ap1');
    const s = await streaming.done;
    expect(s.exitCode).toBeNull();
    expect((s as { error?: BenchError }).error?.code).toBe('E_DISCONNECTED');
    expect(reasons).toHaveLength(1);
    expect(dev.connected).toBe(false);
    expect((await rejection(dev.exec('true'))).code).toBe('E_DISCONNECTED');
    await delay(50);
    expect(srv.connectionCount()).toBe(0);
    // Reconnecting is explicit.
    const again = await connect(srv.port);
    expect((await again.exec('echo again')).stdout).toBe('again\n');
  });

  it('server close() ends live connections too', async () => {
    const { srv } = await server();
    const dev = await connect(srv.port);
    const lost = new Promise<string>((resolve) => dev.onDisconnect(resolve));
    await srv.close();
    expect(typeof (await lost)).toBe('string');
    expect(srv.connectionCount()).toBe(0);
  });
});

interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(cmd: string, args: string[], input?: string, timeoutMs = 15_000): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} timed out`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const hasOpenSsh = existsSync('/usr/bin/ssh');

describe.runIf(hasOpenSsh)('OpenSSH client against the virtual board', { timeout: 20_000 }, () => {
  const sshArgs = (port: number, ...extra: string[]) => [
    '-F', '/dev/null',
    '-p', String(port),
    '-i', clientKeyFile,
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'LogLevel=ERROR',
    '-o', 'ConnectTimeout=5',
    ...extra,
    'root@127.0.0.1',
  ];

  it('runs a command line with the expected output and exit status', async () => {
    const { srv } = await server();
    const r = await runProcess('/usr/bin/ssh', [...sshArgs(srv.port), 'echo hi; false || echo fallback']);
    expect(r).toMatchObject({ code: 0, stdout: 'hi\nfallback\n' });
  });

  it('propagates a nonzero exit status and stderr', async () => {
    const { srv } = await server();
    const r = await runProcess('/usr/bin/ssh', [...sshArgs(srv.port), 'fail']);
    expect(r).toEqual({ code: 3, stdout: 'some output\n', stderr: 'it failed\n' });
    const e = await runProcess('/usr/bin/ssh', [...sshArgs(srv.port), 'exit 7']);
    expect(e.code).toBe(7);
  });

  it('passes stdin through and quotes as a real shell would', async () => {
    const { srv, board } = await server();
    const r = await runProcess('/usr/bin/ssh', [...sshArgs(srv.port), `cat > /tmp/up && cat /tmp/up 'it'\\''s'`], 'payload\n');
    expect(r.stdout).toBe('payload\n');
    expect(r.stderr).toContain("cat: it's: No such file or directory"); // busybox 1.4.2 cat: bb_perror_msg("%s", name)
    expect(board.files.get('/tmp/up')?.toString()).toBe('payload\n');
  });

  it('gives a shell without a pty (script on stdin)', async () => {
    const { srv } = await server();
    const r = await runProcess('/usr/bin/ssh', [...sshArgs(srv.port, '-T')], 'echo a\nfail 2>/dev/null\necho "status $?"\n');
    expect(r).toMatchObject({ code: 0, stdout: 'a\nsome output\nstatus 3\n' });
  });

  it('gives an interactive prompt with a pty', async () => {
    const { srv } = await server();
    const r = await runProcess('/usr/bin/ssh', [...sshArgs(srv.port, '-tt')], 'echo interactive\nexit 4\n');
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('# ');
    expect(r.stdout).toContain('interactive\r\n');
  });

  it('refuses password auth when the server has no password', async () => {
    const { srv } = await server();
    const r = await runProcess('/usr/bin/ssh', [
      ...sshArgs(srv.port, '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no'),
      'true',
    ]);
    expect(r.code).toBe(255);
  });
});
