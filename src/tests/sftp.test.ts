/**
 * The virtual boards' SFTP subsystem (rig/ssh/sftp.ts): ssh2's client and the real
 * OpenSSH `sftp` / `scp` against it, uploads through the device's writeFile, large
 * files in many chunks, and the per-device switch that leaves a board without SFTP.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Client as SshClient, SFTPWrapper } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../rig/keys.ts';
import { startSshServer, type VirtualSshServer } from '../../rig/ssh/server.ts';
import type { ProcessIO, VirtualDevice } from '../../rig/ssh/types.ts';

/** A board with files only (what the SFTP server needs), counting writes. */
class FilesBoard implements VirtualDevice {
  readonly files = new Map<string, Buffer>();
  writes = 0;
  constructor(readonly name: string) {}
  async run(argv: string[], io: ProcessIO): Promise<number> {
    io.stderr.write(`sh: ${argv[0]}: not found\n`);
    return 127;
  }
  readFile(p: string): Buffer | undefined {
    return this.files.get(p);
  }
  writeFile(p: string, d: Buffer, append = false): void {
    this.writes++;
    const old = append ? this.files.get(p) : undefined;
    this.files.set(p, old ? Buffer.concat([old, d]) : d);
  }
  removeFile(p: string): boolean {
    return this.files.delete(p);
  }
  listFiles(): string[] {
    return [...this.files.keys()];
  }
}

const hostKey = generateKeyPair('sftp test host').private;
const client = generateKeyPair('sftp test client');
let dir: string;
let keyFile: string;
const withSftp = new FilesBoard('withsftp');
const noSftp = new FilesBoard('nosftp');
let srv: VirtualSshServer;
let srvNo: VirtualSshServer;

function connect(port: number): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('ready', () => resolve(c)).on('error', reject);
    c.connect({ host: '127.0.0.1', port, username: 'root', privateKey: client.private });
  });
}
function openSftp(c: SshClient): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => c.sftp((err, s) => (err ? reject(err) : resolve(s))));
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
const p = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rig-sftp-'));
  keyFile = join(dir, 'id');
  writeFileSync(keyFile, client.private);
  chmodSync(keyFile, 0o600);
  srv = await startSshServer({ device: withSftp, hostKey, authorizedKeys: [client.public] });
  srvNo = await startSshServer({ device: noSftp, hostKey, authorizedKeys: [client.public], sftp: false });
});
afterAll(async () => {
  await Promise.all([srv?.close(), srvNo?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('virtual board SFTP (ssh2 client)', () => {
  it('uploads, reads back, stats, lists, renames and removes files', async () => {
    const c = await connect(srv.port);
    try {
      const s = await openSftp(c);
      await p<void>((cb) => s.writeFile('/tmp/a.ko', Buffer.from('module bytes\n'), cb));
      expect(withSftp.files.get('/tmp/a.ko')?.toString()).toBe('module bytes\n');
      expect((await p<Buffer>((cb) => s.readFile('/tmp/a.ko', cb))).toString()).toBe('module bytes\n');
      const st = await p<{ size: number; isFile(): boolean }>((cb) => s.stat('/tmp/a.ko', cb));
      expect(st.size).toBe(13);
      expect(st.isFile()).toBe(true);
      expect((await p<{ isDirectory(): boolean }>((cb) => s.stat('/tmp', cb))).isDirectory()).toBe(true);
      const list = await p<{ filename: string; longname: string }[]>((cb) => s.readdir('/tmp', cb));
      expect(list.map((e) => e.filename)).toContain('a.ko');
      expect(list.find((e) => e.filename === 'a.ko')?.longname).toMatch(/^-rw-r--r-- .* 13 .* a\.ko$/);
      await p<void>((cb) => s.rename('/tmp/a.ko', '/tmp/b.ko', cb));
      expect(withSftp.files.has('/tmp/a.ko')).toBe(false);
      await p<void>((cb) => s.mkdir('/tmp/stage', cb));
      expect((await p<{ filename: string }[]>((cb) => s.readdir('/tmp', cb))).map((e) => e.filename)).toEqual(expect.arrayContaining(['b.ko', 'stage']));
      await p<void>((cb) => s.unlink('/tmp/b.ko', cb));
      expect(withSftp.files.has('/tmp/b.ko')).toBe(false);
      const missing = await p<Buffer>((cb) => s.readFile('/tmp/nope', cb)).catch((e: { code?: number }) => e);
      expect((missing as { code?: number }).code).toBe(2); // NO_SUCH_FILE
      expect((await p<string>((cb) => s.realpath('.', cb)))).toBe('/root');
      s.end();
    } finally {
      c.end();
    }
  });

  it('a large file arrives intact in many chunks, every write through the device', async () => {
    const c = await connect(srv.port);
    try {
      const s = await openSftp(c);
      const data = randomBytes(300 * 1024);
      const before = withSftp.writes;
      await p<void>((cb) => s.writeFile('/lib/modules/2.6.16/net/big.ko', data, cb));
      expect(createHash('sha256').update(withSftp.files.get('/lib/modules/2.6.16/net/big.ko') as Buffer).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      expect(withSftp.writes - before).toBeGreaterThan(3);
      const back = await p<Buffer>((cb) => s.readFile('/lib/modules/2.6.16/net/big.ko', cb));
      expect(back.equals(data)).toBe(true);
      s.end();
    } finally {
      c.end();
    }
  });

  it('a board with sftp: false refuses the subsystem (exec still works)', async () => {
    const c = await connect(srvNo.port);
    try {
      await expect(openSftp(c)).rejects.toThrow();
      const out = await new Promise<string>((resolve, reject) =>
        c.exec('whatever', (err, ch) => {
          if (err) return reject(err);
          let text = '';
          ch.resume();
          ch.stderr.on('data', (d: Buffer) => (text += d));
          ch.on('close', () => resolve(text));
        }),
      );
      expect(out).toMatch(/not found/);
    } finally {
      c.end();
    }
  });
});

const haveOpenSsh = spawnSync('sftp', ['-h'], { encoding: 'utf8' }).error === undefined;
describe.skipIf(!haveOpenSsh)('virtual board SFTP (OpenSSH sftp and scp)', () => {
  const opts = (port: number) => ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-P', String(port)];

  it('sftp -b: put, ls, get, rename, rm', async () => {
    const local = join(dir, 'up.bin');
    writeFileSync(local, randomBytes(70_000));
    const batch = join(dir, 'batch');
    writeFileSync(batch, [`put ${local} /tmp/up.bin`, 'ls -l /tmp', `get /tmp/up.bin ${join(dir, 'down.bin')}`, 'rename /tmp/up.bin /tmp/up2.bin', 'rm /tmp/up2.bin', ''].join('\n'));
    const r = await run('sftp', [...opts(srv.port), '-b', batch, 'root@127.0.0.1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/up\.bin/);
    expect(readFileSync(join(dir, 'down.bin')).equals(readFileSync(local))).toBe(true);
    expect(withSftp.files.has('/tmp/up2.bin')).toBe(false);
  });

  it('scp uploads to a board with SFTP and fails against one without', async () => {
    const local = join(dir, 'scp.bin');
    writeFileSync(local, 'scp me\n');
    const ok = await run('scp', [...opts(srv.port), local, 'root@127.0.0.1:/tmp/scp.bin']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(withSftp.files.get('/tmp/scp.bin')?.toString()).toBe('scp me\n');
    const no = await run('scp', [...opts(srvNo.port), local, 'root@127.0.0.1:/tmp/scp.bin']);
    expect(no.status).not.toBe(0);
    expect(noSftp.files.has('/tmp/scp.bin')).toBe(false);
  });
});
