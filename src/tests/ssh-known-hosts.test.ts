/**
 * Host key pinning: the known_hosts reader/writer, and SshDevice's host key policy
 * against the virtual board's SSH server (fingerprint, known_hosts, both, none).
 */
import { generateKeyPair } from '../../rig/keys.ts';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BenchError, ConfigError, RigError } from '../errors.ts';
import {
  checkKnownHost,
  fingerprintOf,
  hostPatternsMatch,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  lookupKnownHosts,
  recordKnownHost,
} from '../controllers/ssh/known-hosts.ts';
import { SshDevice, type SshConnectOptions } from '../controllers/ssh/ssh-device.ts';
import { startSshServer, type VirtualSshServer } from '../../rig/ssh/server.ts';
import type { ProcessIO, VirtualDevice } from '../../rig/ssh/types.ts';
import { runCli } from './helpers/cli.ts';
import { writeRealInventory, type RealSshServer } from './helpers/real-ssh-servers.ts';

const { utils } = ssh2;

function pub(k: { public: string }): Buffer {
  const p = utils.parseKey(k.public);
  if (p instanceof Error) throw p;
  return (Array.isArray(p) ? p[0] : p).getPublicSSH();
}

const hostPair = generateKeyPair('rig test');
const otherPair = generateKeyPair('rig test');
const clientPair = generateKeyPair('rig test');
const HOST = pub(hostPair);
const OTHER = pub(otherPair);
const RSA = pub(utils.generateKeyPairSync('rsa', { bits: 1024 }));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rig-known-hosts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const file = (text?: string): string => {
  const f = join(dir, `kh-${++n}`);
  if (text !== undefined) writeFileSync(f, text);
  return f;
};
const b64 = (b: Buffer) => b.toString('base64');
const hashed = (name: string): string => {
  const salt = randomBytes(20);
  return `|1|${b64(salt)}|${b64(createHmac('sha1', salt).update(name).digest())}`;
};

describe('known_hosts format', () => {
  it('names a host as OpenSSH does: bare on port 22, [host]:port otherwise, IPv6 too', () => {
    expect(knownHostsName('10.0.0.5', 22)).toBe('10.0.0.5');
    expect(knownHostsName('AP1.lab.example', 2222)).toBe('[ap1.lab.example]:2222');
    expect(knownHostsName('fd00::5', 2222)).toBe('[fd00::5]:2222');
    expect(knownHostsLine('127.0.0.1', 2222, HOST)).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${b64(HOST)}`);
    expect(keyTypeOf(RSA)).toBe('ssh-rsa');
    expect(() => keyTypeOf(Buffer.from('x'))).toThrow(/not an SSH public key/);
  });

  it('matches patterns: lists, wildcards, negation, case, hashed names', () => {
    expect(hostPatternsMatch('ap1,[127.0.0.1]:2222', '[127.0.0.1]:2222')).toBe(true);
    expect(hostPatternsMatch('[127.0.0.1]:2222', '127.0.0.1')).toBe(false);
    expect(hostPatternsMatch('*.lab.example', 'ap1.lab.example')).toBe(true);
    expect(hostPatternsMatch('*.lab.example,!ap2.lab.example', 'ap2.lab.example')).toBe(false);
    expect(hostPatternsMatch('ap?', 'AP1')).toBe(true);
    expect(hostPatternsMatch('ap1.lab.example', 'ap1xlab.example')).toBe(false); // "." is not a wildcard
    expect(hostPatternsMatch(hashed('[127.0.0.1]:2222'), '[127.0.0.1]:2222')).toBe(true);
    expect(hostPatternsMatch(hashed('[127.0.0.1]:2222'), '[127.0.0.1]:2223')).toBe(false);
  });

  it('looks keys up for host:port, skipping comments, damaged lines, CA lines; reports @revoked keys', () => {
    const f = file(
      [
        '# a comment',
        '',
        `[127.0.0.1]:2222 ssh-ed25519 ${b64(HOST)} ap1`,
        `127.0.0.1 ssh-ed25519 ${b64(OTHER)}`, // port 22: another host
        `[127.0.0.1]:2222 ssh-rsa ${b64(HOST)}`, // type does not match the blob: never used
        `[127.0.0.1]:2222 ssh-ed25519 !!!notbase64`,
        `@cert-authority * ssh-ed25519 ${b64(OTHER)}`,
        `@revoked [127.0.0.1]:2222 ssh-ed25519 ${b64(OTHER)}`,
        `${hashed('[127.0.0.1]:2222')} ssh-rsa ${b64(RSA)}`,
      ].join('\n'),
    );
    const l = lookupKnownHosts(f, '127.0.0.1', 2222);
    expect(l.fileExists).toBe(true);
    expect(l.keys.map((k) => [k.type, k.line])).toEqual([
      ['ssh-ed25519', 3],
      ['ssh-rsa', 9],
    ]);
    expect(l.keys[0].fingerprint).toBe(fingerprintOf(HOST));
    expect(l.revoked.map((k) => k.line)).toEqual([8]);
    expect(checkKnownHost(l, HOST)).toBe('known');
    expect(checkKnownHost(l, RSA)).toBe('known');
    expect(checkKnownHost(l, OTHER)).toBe('revoked');
    expect(checkKnownHost(lookupKnownHosts(f, '127.0.0.1', 22), HOST)).toBe('mismatch');
    expect(checkKnownHost(lookupKnownHosts(f, '10.9.9.9', 22), HOST)).toBe('unknown');
    expect(lookupKnownHosts(join(dir, 'missing'), 'h', 22)).toEqual({ keys: [], revoked: [], fileExists: false });
  });

  it('records a key: creates file and folder, leaves other lines alone, is idempotent', () => {
    const f = join(dir, 'new-folder', 'sub', 'known_hosts');
    const line = recordKnownHost(f, '127.0.0.1', 2222, HOST, { comment: 'ap1 of bench lab\nsecond line' });
    expect(line).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${b64(HOST)}`);
    expect(readFileSync(f, 'utf8')).toBe(`# ap1 of bench lab second line\n${line}\n`);
    expect(statSync(f).mode & 0o777).toBe(0o644);
    expect(recordKnownHost(f, '127.0.0.1', 2222, HOST)).toBeNull();
    recordKnownHost(f, '127.0.0.1', 2223, OTHER);
    expect(readFileSync(f, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('refuses to record over another key for the host unless told to replace it', () => {
    const keep = `other.example ssh-ed25519 ${b64(OTHER)}`;
    const f = file(`# header\n[127.0.0.1]:2222 ssh-ed25519 ${b64(OTHER)}\n${keep}\n`);
    expect(() => recordKnownHost(f, '127.0.0.1', 2222, HOST)).toThrow(/line 2 has another key for \[127\.0\.0\.1\]:2222/);
    const line = recordKnownHost(f, '127.0.0.1', 2222, HOST, { replace: true });
    expect(readFileSync(f, 'utf8')).toBe(`# header\n${keep}\n${line}\n`);
    // A pattern list shared with other hosts is never rewritten.
    const shared = file(`ap1,[127.0.0.1]:2222 ssh-ed25519 ${b64(OTHER)}\n`);
    expect(() => recordKnownHost(shared, '127.0.0.1', 2222, HOST, { replace: true })).toThrow(/edit that line by hand/);
  });

  it.runIf(existsSync('/usr/bin/ssh-keygen'))('writes lines ssh-keygen finds, and reads files ssh-keygen hashed', () => {
    const f = join(dir, 'interop');
    recordKnownHost(f, '127.0.0.1', 2222, HOST);
    recordKnownHost(f, 'ap1.lab.example', 22, RSA);
    const find = (name: string) => spawnSync('/usr/bin/ssh-keygen', ['-F', name, '-f', f], { encoding: 'utf8' });
    expect(find('[127.0.0.1]:2222').stdout).toContain(b64(HOST));
    expect(find('ap1.lab.example').stdout).toContain(b64(RSA));
    expect(find('[127.0.0.1]:2223').status).not.toBe(0);
    const h = spawnSync('/usr/bin/ssh-keygen', ['-H', '-f', f], { encoding: 'utf8' });
    expect(h.status).toBe(0);
    expect(readFileSync(f, 'utf8')).not.toContain('127.0.0.1');
    expect(checkKnownHost(lookupKnownHosts(f, '127.0.0.1', 2222), HOST)).toBe('known');
    expect(checkKnownHost(lookupKnownHosts(f, 'ap1.lab.example', 22), RSA)).toBe('known');
    expect(checkKnownHost(lookupKnownHosts(f, '127.0.0.1', 2222), OTHER)).toBe('mismatch');
  });
});

class EchoBoard implements VirtualDevice {
  readonly name = 'echo';
  async run(argv: string[], io: ProcessIO): Promise<number> {
    io.stdout.write(`${argv.join(' ')}\n`);
    return 0;
  }
  readFile(): Buffer | undefined {
    return undefined;
  }
  writeFile(): void {}
}

describe('SshDevice host key policy', { timeout: 20_000 }, () => {
  let srv: VirtualSshServer;
  const devices: SshDevice[] = [];
  beforeAll(async () => {
    srv = await startSshServer({ device: new EchoBoard(), hostKey: hostPair.private, authorizedKeys: [clientPair.public] });
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
  });
  afterAll(() => srv?.close());

  const connect = async (extra: Partial<SshConnectOptions>): Promise<SshDevice> => {
    const d = await SshDevice.connect({
      name: 'ap1',
      host: '127.0.0.1',
      port: srv.port,
      username: 'root',
      auth: { privateKey: clientPair.private },
      connectDeadlineMs: 5000,
      // EchoBoard answers every command by echoing it, `eval` and `command -v` included: no
      // shell a session could run on (its fast-path check would be fooled). Host keys are the point here.
      commandChannel: 'exec',
      ...extra,
    });
    devices.push(d);
    return d;
  };
  const failure = async (p: Promise<unknown>): Promise<RigError> => {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(RigError);
      return e as RigError;
    }
    throw new Error('expected a rejection');
  };

  it('refuses to connect with no pinned key at all, before any connection, naming rig trust', async () => {
    const before = srv.connectionCount();
    const err = await failure(connect({}));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('E_HOSTKEY_UNPINNED');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('ap1');
    expect(err.message).toContain('`rig trust ap1`');
    expect(srv.connectionCount()).toBe(before);
  });

  it('connects with a known_hosts file listing the key (plain or hashed)', async () => {
    const f = file(`${knownHostsLine('127.0.0.1', srv.port, HOST)}\n`);
    const d = await connect({ knownHosts: f });
    expect(d.hostKeyFingerprint).toBe(srv.hostKeyFingerprint);
    expect(d.hostKeyType).toBe('ssh-ed25519');
    expect((await d.exec('hello')).stdout).toBe('hello\n');
    const h = file(`${hashed(`[127.0.0.1]:${srv.port}`)} ssh-ed25519 ${b64(HOST)}\n`);
    expect((await connect({ knownHosts: h })).connected).toBe(true);
  });

  it('a different key in known_hosts is E_HOSTKEY at once, showing both fingerprints and the line', async () => {
    const f = file(`# x\n${knownHostsLine('127.0.0.1', srv.port, OTHER)}\n`);
    const t0 = Date.now();
    const err = await failure(connect({ knownHosts: f, connectDeadlineMs: 10_000 }));
    expect(err).toBeInstanceOf(BenchError);
    expect(err.code).toBe('E_HOSTKEY');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(fingerprintOf(OTHER));
    expect(err.message).toContain(srv.hostKeyFingerprint);
    expect(err.message).toContain('line 2');
    expect(err.message).toContain('rig trust ap1 --replace');
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a host missing from known_hosts (or a missing file) is E_HOSTKEY_UNKNOWN, showing the key to check', async () => {
    for (const f of [file(`other.example ssh-ed25519 ${b64(OTHER)}\n`), join(dir, 'does-not-exist')]) {
      const err = await failure(connect({ knownHosts: f }));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.code).toBe('E_HOSTKEY_UNKNOWN');
      expect(err.message).toContain(srv.hostKeyFingerprint);
      expect(err.message).toContain('ssh-ed25519');
      expect(err.message).toContain('`rig trust ap1`');
    }
  });

  it('known_hosts lists only a key type the board no longer has: E_ALGORITHMS saying why, and trust --replace', async () => {
    const f = file(`${knownHostsLine('127.0.0.1', srv.port, RSA)}\n`);
    const err = await failure(connect({ knownHosts: f }));
    expect(err.code).toBe('E_ALGORITHMS');
    expect(err.message).toContain('no common host key algorithm (the server offers ssh-ed25519)');
    expect(err.message).toContain('lists only ssh-rsa keys');
    expect(err.message).toContain('`rig trust ap1 --replace`');
  });

  it('a key marked @revoked is refused even when also listed', async () => {
    const f = file(`${knownHostsLine('127.0.0.1', srv.port, HOST)}\n@revoked * ssh-ed25519 ${b64(HOST)}\n`);
    const err = await failure(connect({ knownHosts: f }));
    expect(err.code).toBe('E_HOSTKEY');
    expect(err.message).toContain('@revoked');
  });

  it('with both a fingerprint and known_hosts, the key must match both', async () => {
    const good = file(`${knownHostsLine('127.0.0.1', srv.port, HOST)}\n`);
    expect((await connect({ knownHosts: good, hostKeyFingerprint: srv.hostKeyFingerprint })).connected).toBe(true);
    const e1 = await failure(connect({ knownHosts: good, hostKeyFingerprint: fingerprintOf(OTHER) }));
    expect(e1.code).toBe('E_HOSTKEY');
    const bad = file(`${knownHostsLine('127.0.0.1', srv.port, OTHER)}\n`);
    const e2 = await failure(connect({ knownHosts: bad, hostKeyFingerprint: srv.hostKeyFingerprint }));
    expect(e2.code).toBe('E_HOSTKEY');
  });

  it('a malformed fingerprint is a ConfigError; an unreadable known_hosts too', async () => {
    expect((await failure(connect({ hostKeyFingerprint: 'MD5:aa:bb' }))).code).toBe('E_CONFIG');
    expect((await failure(connect({ knownHosts: dir }))).code).toBe('E_KNOWN_HOSTS');
  });

  it('scanHostKey takes the key without logging in (no credentials)', async () => {
    const locked = await startSshServer({ device: new EchoBoard(), hostKey: hostPair.private, authorizedKeys: [] });
    try {
      const k = await SshDevice.scanHostKey({ name: 'ap1', host: '127.0.0.1', port: locked.port, timeoutMs: 5000 });
      expect(k.fingerprint).toBe(locked.hostKeyFingerprint);
      expect(k.type).toBe('ssh-ed25519');
      expect(k.blob.equals(HOST)).toBe(true);
    } finally {
      await locked.close();
    }
  });

  it('scanHostKey on a closed port is E_CONNECT', async () => {
    const s = await startSshServer({ device: new EchoBoard(), hostKey: hostPair.private, authorizedKeys: [] });
    const port = s.port;
    await s.close();
    const err = await failure(SshDevice.scanHostKey({ name: 'ap2', host: '127.0.0.1', port, timeoutMs: 2000 }));
    expect(err.code).toBe('E_CONNECT');
    expect(err.message).toContain('ap2');
  });
});

describe('rig roam on a real bench without pinned host keys', { timeout: 60_000 }, () => {
  it('is refused before any connection: exit 2, telling the user to run rig trust', async () => {
    const key = join(dir, 'id_cli');
    writeFileSync(key, clientPair.private, { mode: 0o600 });
    const nobody = { port: 1, user: 'root' } as RealSshServer; // nothing listens on port 1: a connection attempt would be E_CONNECT, exit 3
    const inv = writeRealInventory(key, dir, 'unpinned.yaml', { ap1: nobody, ap2: nobody, client: nobody }, {});
    const reports = join(dir, 'reports-unpinned');
    const t0 = Date.now();
    const r = await runCli(['roam', '--inventory', inv, '--count', '1', '--reports', reports], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rig: ap1: refusing to connect to 127\.0\.0\.1:1 without a pinned host key: .*`rig trust ap1`/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(Date.now() - t0).toBeLessThan(10_000 + 5000); // well under the 10 s connect deadline plus startup
  });
});
