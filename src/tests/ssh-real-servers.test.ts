/**
 * The SSH controller against real servers: Debian's OpenSSH sshd and dropbear, started
 * here on loopback ports with throwaway keys and configuration (helpers/real-ssh-servers.ts)
 * and stopped in afterAll.
 *
 * - sshd: commands, exit status, stderr, stdin, timeouts (the remote process is gone),
 *   signals, concurrency, host key pinning by fingerprint and known_hosts (checked
 *   against what OpenSSH's own `ssh` accepts), `rig trust` end to end through the CLI.
 * - sshd limited to the algorithms of a 2007 board (diffie-hellman-group1-sha1, ssh-rsa,
 *   aes128-cbc, hmac-sha1): refused by default with a clear E_ALGORITHMS, accepted with
 *   the inventory's `algorithms: { legacy: true }`, through BenchSession and `rig trust`.
 * - dropbear: the same basics; a stream on a pty (stdin left open); dropbear 2022.83's channel race (#321) is survived; the
 *   oldest algorithms Debian's build has (group14-sha1, ssh-rsa, aes128-ctr, hmac-sha1).
 *   Debian's dropbear cannot be limited to the 2007 set (no such option; group1 and CBC
 *   are compiled out): the test shows it, and ssh-algorithms.test.ts emulates that board.
 *
 * Skipped with the reason when sshd/dropbear are missing, unless RIG_REAL_SSH=1 (CI),
 * which makes their absence a failure.
 */
import { generateKeyPair } from '../../rig/keys.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchError, ConfigError, RigError } from '../errors.ts';
import { sshAlgorithms } from '../controllers/ssh/algorithms.ts';
import { knownHostsLine, recordKnownHost } from '../controllers/ssh/known-hosts.ts';
import { SshDevice, type SshConnectOptions } from '../controllers/ssh/ssh-device.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { BenchSession } from '../bench/session.ts';
import { trust } from '../cli/trust.ts';
import { runCli } from './helpers/cli.ts';
import {
  dropbearUnavailable,
  isRoot,
  sshdUnavailable,
  startDropbear,
  startSshd,
  sshClientArgs,
  writeRealInventory,
  type RealSshServer,
} from './helpers/real-ssh-servers.ts';

const { utils } = ssh2;
const SSH = existsSync('/usr/bin/ssh') ? '/usr/bin/ssh' : undefined;
const REQUIRED = process.env.RIG_REAL_SSH === '1';
const sshdWhy = sshdUnavailable();
const dropbearWhy = dropbearUnavailable();

describe('real SSH servers are available', () => {
  it.runIf(REQUIRED)('sshd and dropbear can be started (RIG_REAL_SSH=1)', () => {
    expect(sshdWhy ?? 'ok').toBe('ok');
    expect(dropbearWhy ?? 'ok').toBe('ok');
  });
  it.skipIf(REQUIRED)('reports why real-server tests are skipped here', () => {
    if (sshdWhy) console.warn(`sshd tests skipped: ${sshdWhy}`);
    if (dropbearWhy) console.warn(`dropbear tests skipped: ${dropbearWhy}`);
  });
});

const LEGACY_SSHD_CONFIG = ['KexAlgorithms diffie-hellman-group1-sha1', 'HostKeyAlgorithms ssh-rsa', 'Ciphers aes128-cbc', 'MACs hmac-sha1'];
const OLD_SET = { kex: 'diffie-hellman-group1-sha1', serverHostKey: 'ssh-rsa', cipher: 'aes128-cbc', mac: 'hmac-sha1' };

let work: string;
let keyFile: string;
const client = generateKeyPair('rig test');
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rig-real-ssh-'));
  keyFile = join(work, 'id_ed25519');
  writeFileSync(keyFile, client.private, { mode: 0o600 });
  writeFileSync(`${keyFile}.pub`, client.public);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const opts = (s: RealSshServer, extra: Partial<SshConnectOptions> = {}): SshConnectOptions => ({
  name: 'ap1',
  host: s.host,
  port: s.port,
  username: s.user,
  auth: { privateKey: client.private },
  hostKeyFingerprint: s.hostKeys[0].fingerprint,
  connectDeadlineMs: 10_000,
  ...extra,
});

async function rejected(p: Promise<unknown>): Promise<RigError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RigError);
    return e as RigError;
  }
  throw new Error('expected a rejection');
}

function runSsh(s: RealSshServer, knownHosts: string, ...extra: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(SSH!, [...sshClientArgs(s.port, keyFile, knownHosts, ...extra), `${s.user}@127.0.0.1`, 'echo via-openssh'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** True when no process on this machine has `pattern` in its command line (like `pgrep -f`, without procps). */
function noProcess(pattern: string): boolean {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    if (Number(pid) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').includes(pattern)) return false;
    } catch {
      /* gone meanwhile */
    }
  }
  return true;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

/** The basics every server must pass, whatever it is. */
function commonCases(server: () => RealSshServer, label: string, marker: string, signals: boolean): void {
  it(`${label}: exit status, separate stdout/stderr, stdin, a real shell`, async () => {
    const d = await SshDevice.connect(opts(server()));
    try {
      const r = await d.exec('echo out; echo err >&2; exit 3');
      expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
      expect(r.durationMs).toBeGreaterThan(0);
      expect((await d.exec('cat', { stdin: 'line 1\nline 2\n' })).stdout).toBe('line 1\nline 2\n');
      expect((await d.exec(`printf '%s\\n' "$((6 * 7))" 'a b'`)).stdout).toBe('42\na b\n');
      expect((await d.exec('exit 0')).exitCode).toBe(0);
    } finally {
      await d.close();
    }
  });

  it(`${label}: a command past its timeout is gone from the server; the connection stays usable`, async () => {
    const d = await SshDevice.connect(opts(server()));
    try {
      // KILL is sent, then the channel closed: without signals (see the top) the command dies of SIGPIPE on its next write.
      const r = await d.exec(`while :; do echo ${marker}1; sleep 0.1; done`, { timeoutMs: 300 });
      expect(r).toMatchObject({ timedOut: true, exitCode: null });
      expect(await waitFor(() => noProcess(`${marker}1`), 3000)).toBe(true);
      expect((await d.exec('echo still here')).stdout).toBe('still here\n');
      if (signals) {
        const k = await d.exec(`exec sleep ${marker}9`, { timeoutMs: 300 });
        expect(k.timedOut).toBe(true);
        expect(await waitFor(() => noProcess(`sleep ${marker}9`), 3000)).toBe(true);
      }
    } finally {
      await d.close();
    }
  });

  it(`${label}: streams lines in order; close() ends the remote command`, async () => {
    const d = await SshDevice.connect(opts(server()));
    try {
      const p = d.stream(`i=0; while :; do i=$((i+1)); echo ${marker}8 $i; sleep 0.05; done`);
      const lines: string[] = [];
      p.onLine((l, stream) => stream === 'stdout' && lines.push(l));
      expect(await waitFor(() => lines.length >= 3, 5000)).toBe(true);
      expect(lines.slice(0, 3)).toEqual([1, 2, 3].map((i) => `${marker}8 ${i}`));
      expect(noProcess(`${marker}8`)).toBe(false); // the check below can see it
      p.close();
      await p.done;
      expect(await waitFor(() => noProcess(`${marker}8`), 3000)).toBe(true);
    } finally {
      await d.close();
    }
  });

  it.runIf(signals)(`${label}: delivers signals: a trap runs, or the command ends with the exit signal`, async () => {
    const d = await SshDevice.connect(opts(server()));
    try {
      const p = d.stream(`trap 'echo got INT; exit 130' INT; i=0; while :; do i=$((i+1)); echo line $i; sleep 0.05; done`);
      const lines: string[] = [];
      p.onLine((l, stream) => stream === 'stdout' && lines.push(l));
      await waitFor(() => lines.length >= 3, 5000);
      p.signal('INT');
      const r = await p.done;
      expect(r.exitCode).toBe(130);
      expect(lines.at(-1)).toBe('got INT');
      const s = d.stream('exec sleep 30');
      await new Promise((res) => setTimeout(res, 200));
      s.signal('TERM');
      const sr = await s.done;
      expect(sr.exitCode).toBeNull();
      expect(sr.signal).toBe('TERM');
    } finally {
      await d.close();
    }
  });

  it(`${label}: 30 concurrent commands on one connection all succeed`, async () => {
    const d = await SshDevice.connect(opts(server()));
    try {
      const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => d.exec(`echo ${i}`)));
      expect(rs.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, i) => `${i}\n`));
      expect(d.connected).toBe(true);
    } finally {
      await d.close();
    }
  });

  it(`${label}: a wrong pinned fingerprint is E_HOSTKEY at once, showing both`, async () => {
    const other = generateKeyPair('rig test');
    const parsed = utils.parseKey(other.public);
    if (parsed instanceof Error) throw parsed;
    const wrong = SshDevice.fingerprintOf((Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH());
    const err = await rejected(SshDevice.connect(opts(server(), { hostKeyFingerprint: wrong })));
    expect(err.code).toBe('E_HOSTKEY');
    expect(err.message).toContain(wrong);
    expect(err.message).toContain(server().hostKeys[0].fingerprint);
  });

  it.runIf(SSH)(`${label}: known_hosts lines rig writes are what OpenSSH accepts, and rig refuses what OpenSSH refuses`, async () => {
    const s = server();
    const kh = join(work, `kh-${label}-${Date.now()}`);
    // Only the second key (RSA): both clients must ask for, and get, that one.
    recordKnownHost(kh, s.host, s.port, s.hostKeys[1].blob);
    const d = await SshDevice.connect(opts(s, { hostKeyFingerprint: undefined, knownHosts: kh }));
    expect(d.hostKeyType).toBe('ssh-rsa');
    expect(d.hostKeyFingerprint).toBe(s.hostKeys[1].fingerprint);
    await d.close();
    const ok = runSsh(s, kh);
    expect(ok.stderr).toBe('');
    expect(ok).toMatchObject({ status: 0, stdout: 'via-openssh\n' });

    const other = generateKeyPair('rig test');
    const parsed = utils.parseKey(other.public);
    if (parsed instanceof Error) throw parsed;
    const bad = join(work, `kh-bad-${label}`);
    writeFileSync(bad, `${knownHostsLine(s.host, s.port, (Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH())}\n`);
    const err = await rejected(SshDevice.connect(opts(s, { hostKeyFingerprint: undefined, knownHosts: bad })));
    expect(err.code).toBe('E_HOSTKEY');
    const refused = runSsh(s, bad);
    expect(refused.status).toBe(255);
    expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });
}

describe.skipIf(sshdWhy && !REQUIRED)('OpenSSH sshd', { timeout: 30_000 }, () => {
  let sshd: RealSshServer;
  beforeAll(async () => {
    sshd = await startSshd({ authorizedKeys: [client.public], hostKeyTypes: ['ed25519', 'rsa'] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  // OpenSSH refuses signal requests for root sessions ("session signalling requires privilege
  // separation": a root login is served without the privilege-separated child).
  commonCases(() => sshd, 'sshd', '31.4159', !isRoot);

  it.runIf(isRoot)('sshd as root: signal requests are refused (an OpenSSH limit the rig must live with)', async () => {
    const d = await SshDevice.connect(opts(sshd));
    try {
      const p = d.stream(`trap 'echo got INT; exit 130' INT; while :; do echo 31.41597; sleep 0.05; done`);
      await new Promise((res) => setTimeout(res, 200));
      p.signal('INT');
      const r = await Promise.race([p.done.then(() => 'ended'), new Promise((res) => setTimeout(() => res('still running'), 1000))]);
      expect(r).toBe('still running');
      expect(sshd.log()).toContain('session signalling requires privilege separation');
      p.close();
      await p.done;
    } finally {
      await d.close();
    }
  });

  it('sshd: the handshake settles on modern algorithms by default', async () => {
    const d = await SshDevice.connect(opts(sshd));
    try {
      expect(d.serverSoftware).toMatch(/^OpenSSH_/);
      expect(d.negotiated?.kex).toMatch(/curve25519|ecdh|group1[4-8]-sha(256|512)/);
      expect(d.negotiated?.serverHostKey).toBe('ssh-ed25519');
    } finally {
      await d.close();
    }
  });
});

describe.skipIf(sshdWhy && !REQUIRED)('sshd limited to the algorithms of a 2007 board', { timeout: 30_000 }, () => {
  let old: RealSshServer;
  let dir: string;
  beforeAll(async () => {
    old = await startSshd({ authorizedKeys: [client.public], hostKeyTypes: ['rsa'], config: LEGACY_SSHD_CONFIG });
    dir = mkdtempSync(join(tmpdir(), 'rig-legacy-inv-'));
  });
  afterAll(async () => {
    await old?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('by default: E_ALGORITHMS at once, naming what the board offers and the inventory setting', async () => {
    const t0 = Date.now();
    const err = await rejected(SshDevice.connect(opts(old, { name: 'client' })));
    expect(err).toBeInstanceOf(BenchError);
    expect(err.code).toBe('E_ALGORITHMS');
    expect(err.message).toContain('diffie-hellman-group1-sha1');
    expect(err.message).toContain('aes128-cbc');
    expect(err.message).toMatch(/SSH-2\.0-OpenSSH_/);
    expect(err.message).toContain('`algorithms: { legacy: true }`');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('with legacy algorithms: connects with exactly the old set and runs commands', async () => {
    const d = await SshDevice.connect(opts(old, { algorithms: sshAlgorithms({ legacy: true }) }));
    try {
      expect(d.negotiated).toEqual(OLD_SET);
      expect((await d.exec('echo old board')).stdout).toBe('old board\n');
    } finally {
      await d.close();
    }
  });

  it('the inventory enables it per device, off by default: BenchSession connects only the devices that have it', async () => {
    const kh = join(dir, 'known_hosts');
    recordKnownHost(kh, old.host, old.port, old.hostKeys[0].blob);
    const file = writeRealInventory(keyFile, dir, 'legacy.yaml', { ap1: old, ap2: old, client: old }, { knownHosts: kh, algorithms: { legacy: true } });
    const { bench } = selectBench(await loadInventory(file));
    expect(bench.devices.ap1.algorithms).toEqual({ legacy: true });
    const session = await BenchSession.open(bench, { timeScale: 1 });
    try {
      for (const name of ['ap1', 'ap2', 'client'] as const) {
        expect(session.devices[name].negotiated).toEqual(OLD_SET);
        expect((await session.devices[name].exec('echo up')).stdout).toBe('up\n');
      }
    } finally {
      await session.close();
    }
    const off = writeRealInventory(keyFile, dir, 'modern.yaml', { ap1: old, ap2: old, client: old }, { knownHosts: kh });
    const err = await rejected(BenchSession.open(selectBench(await loadInventory(off)).bench, { timeScale: 1 }));
    expect(err.code).toBe('E_ALGORITHMS');
    const unpinned = writeRealInventory(keyFile, dir, 'unpinned.yaml', { ap1: old, ap2: old, client: old }, { algorithms: { legacy: true } });
    const e2 = await rejected(BenchSession.open(selectBench(await loadInventory(unpinned)).bench, { timeScale: 1 }));
    expect(e2).toBeInstanceOf(ConfigError);
    expect(e2.code).toBe('E_HOSTKEY_UNPINNED');
    expect(e2.message).toMatch(/`rig trust (ap1|ap2|client)`/);
  });

  it('rig trust uses the inventory algorithms too (CLI)', async () => {
    const kh = join(dir, 'trust_known_hosts');
    const withLegacy = writeRealInventory(keyFile, dir, 'trust-legacy.yaml', { ap1: old, ap2: old, client: old }, { knownHosts: kh, algorithms: { legacy: true } });
    const ok = await runCli(['trust', 'client', '--inventory', withLegacy, '--yes'], { timeoutMs: 60_000 });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(old.hostKeys[0].fingerprint);
    expect(readFileSync(kh, 'utf8')).toContain(`[127.0.0.1]:${old.port} ssh-rsa `);
    const without = writeRealInventory(keyFile, dir, 'trust-modern.yaml', { ap1: old, ap2: old, client: old }, { knownHosts: kh });
    const bad = await runCli(['trust', 'client', '--inventory', without, '--yes'], { timeoutMs: 60_000 });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('legacy: true');
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe.skipIf((sshdWhy && !REQUIRED) || !SSH)('rig trust against sshd (CLI)', { timeout: 120_000 }, () => {
  let sshd: RealSshServer;
  let dir: string;
  let inv: string;
  let kh: string;
  beforeAll(async () => {
    sshd = await startSshd({ authorizedKeys: [client.public] });
    dir = mkdtempSync(join(tmpdir(), 'rig-trust-'));
    kh = join(dir, 'lab', 'known_hosts');
    inv = writeRealInventory(keyFile, dir, 'inventory.yaml', { ap1: sshd, ap2: sshd, client: sshd }, { knownHosts: 'lab/known_hosts' }, ['ap2']);
  });
  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('without --yes and without a terminal: shows the key, records nothing, exit 2', async () => {
    const r = await runCli(['trust', 'ap1', '--inventory', inv], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`ap1 (127.0.0.1:${sshd.port}) presents a ssh-ed25519 host key: ${sshd.hostKeys[0].fingerprint}`);
    expect(r.stderr).toContain('--yes');
    expect(existsSync(kh)).toBe(false);
  });

  it('--yes records it in OpenSSH format; ssh -o UserKnownHostsFile= accepts it; a second run changes nothing', async () => {
    const r = await runCli(['trust', 'ap1', '--inventory', inv, '--yes'], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const line = `[127.0.0.1]:${sshd.port} ssh-ed25519 ${sshd.hostKeys[0].blob.toString('base64')}`;
    expect(r.stdout).toContain(`recorded in ${kh}: ${line}`);
    expect(readFileSync(kh, 'utf8')).toContain(`${line}\n`);
    expect(runSsh(sshd, kh)).toMatchObject({ status: 0, stdout: 'via-openssh\n' });
    const d = await SshDevice.connect(opts(sshd, { hostKeyFingerprint: undefined, knownHosts: kh }));
    await d.close();
    const before = readFileSync(kh, 'utf8');
    const again = await runCli(['trust', 'ap1', '--inventory', inv, '--yes'], { timeoutMs: 60_000 });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already trusted');
    expect(readFileSync(kh, 'utf8')).toBe(before);
  });

  it('--json: the result as one JSON document on stdout, the messages on stderr', async () => {
    const other = join(dir, 'json-known-hosts');
    const r = await runCli(['trust', 'ap1', '--inventory', inv, '--yes', '--known-hosts', other, '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ device: 'ap1', keyType: 'ssh-ed25519', fingerprint: sshd.hostKeys[0].fingerprint, recorded: true, file: other, exitCode: 0 });
    expect(readFileSync(other, 'utf8')).toContain(`${j.line as string}\n`);
    expect(r.stderr).toContain('presents a ssh-ed25519 host key');
  });

  it('a device without knownHosts: shows the key and the line to pin, exit 2; --known-hosts FILE records there', async () => {
    const r = await runCli(['trust', 'ap2', '--inventory', inv, '--yes'], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(sshd.hostKeys[0].fingerprint);
    expect(r.stdout).toContain(`known_hosts line: [127.0.0.1]:${sshd.port} ssh-ed25519 `);
    expect(r.stderr).toContain(`hostKeyFingerprint: "${sshd.hostKeys[0].fingerprint}"`);
    const other = join(dir, 'elsewhere');
    const ok = await runCli(['trust', 'ap2', '--inventory', inv, '--yes', '--known-hosts', other], { timeoutMs: 60_000 });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('note: the inventory does not name this file for ap2');
    expect(readFileSync(other, 'utf8')).toContain(`[127.0.0.1]:${sshd.port} ssh-ed25519 `);
  });

  it('an unknown device is a usage error (exit 2), no stack trace', async () => {
    const r = await runCli(['trust', 'ap3', '--inventory', inv], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown device "ap3"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('the board comes back with another key: exit 3 showing both; --replace records the new one', async () => {
    const oldFp = sshd.hostKeys[0].fingerprint;
    const port = sshd.port;
    await sshd.stop();
    sshd = await startSshd({ authorizedKeys: [client.public], port });
    const newFp = sshd.hostKeys[0].fingerprint;
    expect(newFp).not.toBe(oldFp);
    const before = readFileSync(kh, 'utf8');
    const oldBlob = oldFpBlob(before, port);

    const refused = await rejected(SshDevice.connect(opts(sshd, { hostKeyFingerprint: undefined, knownHosts: kh })));
    expect(refused.code).toBe('E_HOSTKEY');
    expect(runSsh(sshd, kh).status).toBe(255);

    const r = await runCli(['trust', 'ap1', '--inventory', inv, '--yes'], { timeoutMs: 60_000 });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(newFp);
    expect(r.stderr).toContain(oldFp);
    expect(r.stderr).toContain(newFp);
    expect(r.stderr).toContain('--replace');
    expect(readFileSync(kh, 'utf8')).toBe(before);

    const ok = await runCli(['trust', 'ap1', '--inventory', inv, '--yes', '--replace'], { timeoutMs: 60_000 });
    expect(ok.code).toBe(0);
    expect(readFileSync(kh, 'utf8')).not.toContain(oldBlob);
    expect(readFileSync(kh, 'utf8')).toContain(sshd.hostKeys[0].blob.toString('base64'));
    expect(runSsh(sshd, kh)).toMatchObject({ status: 0 });
    const d = await SshDevice.connect(opts(sshd, { hostKeyFingerprint: undefined, knownHosts: kh }));
    expect(d.hostKeyFingerprint).toBe(newFp);
    await d.close();
  });

  it('a hostKeyFingerprint in the inventory that the board does not match: exit 3 showing both, nothing recorded', async () => {
    const pinned = 'SHA256:' + 'A'.repeat(43);
    const f = writeRealInventory(keyFile, dir, 'pinned.yaml', { ap1: sshd, ap2: sshd, client: sshd }, { hostKeyFingerprint: pinned, knownHosts: 'pinned_known_hosts' });
    const r = await runCli(['trust', 'client', '--inventory', f, '--yes'], { timeoutMs: 60_000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(pinned);
    expect(r.stderr).toContain(sshd.hostKeys[0].fingerprint);
    expect(existsSync(join(dir, 'pinned_known_hosts'))).toBe(false);
  });

  it('the programmatic API asks before recording (declined: exit 1, nothing written)', async () => {
    const file = join(dir, 'asked');
    const out: string[] = [];
    const questions: string[] = [];
    const no = await trust({ device: 'client', inventory: inv, knownHosts: file, out: (s) => out.push(s), confirm: async (q) => (questions.push(q), false) });
    expect(no.exitCode).toBe(1);
    expect(questions[0]).toMatch(/^Record ssh-ed25519 SHA256:\S+ for client \(\[127\.0\.0\.1\]:\d+\) in .*asked\? \[y\/N\] $/);
    expect(existsSync(file)).toBe(false);
    const yes = await trust({ device: 'client', inventory: inv, knownHosts: file, out: (s) => out.push(s), confirm: async () => true });
    expect(yes.exitCode).toBe(0);
    expect(yes.recorded).toContain('ssh-ed25519');
  });
});

/** The base64 of the key on the [127.0.0.1]:port line of a known_hosts text. */
function oldFpBlob(text: string, port: number): string {
  const line = text.split('\n').find((l) => l.startsWith(`[127.0.0.1]:${port} `));
  return line?.split(' ')[2] ?? 'no such line';
}

describe.skipIf(dropbearWhy && !REQUIRED)('dropbear', { timeout: 30_000 }, () => {
  let db: RealSshServer;
  beforeAll(async () => {
    db = await startDropbear({ authorizedKeys: [client.public], hostKeyTypes: ['ed25519', 'rsa'] });
  });
  afterAll(async () => {
    await db?.stop();
  });

  commonCases(() => db, 'dropbear', '32.7182', true);

  it('dropbear 2022.83 runs execs one at a time (its channel race, #321), streams alongside', async () => {
    const logs: string[] = [];
    const d = await SshDevice.connect(opts(db, { log: (m) => logs.push(m) }));
    try {
      expect(d.serverSoftware).toMatch(/^dropbear_/);
      const p = d.stream(`i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo tick; sleep 0.02; done`);
      const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => d.exec(`echo ${i}`)));
      expect(rs.every((r, i) => r.exitCode === 0 && r.stdout === `${i}\n`)).toBe(true);
      expect((await p.done).exitCode).toBe(0);
      if (/^dropbear_2022/.test(d.serverSoftware)) expect(logs.join('\n')).toContain('one at a time');
    } finally {
      await d.close();
    }
  });

  it("a stream on a pty (interactive wpa_cli's case) runs on a terminal with its stdin open until close(); without one, stdin is at EOF at once", async () => {
    const d = await SshDevice.connect(opts(db));
    try {
      const script = 'if [ -t 0 ] && [ -t 1 ]; then echo tty; else echo no-tty; fi; if read -r x; then echo read; else echo eof; fi';
      expect((await d.stream(script).done).stdout).toBe('no-tty\neof\n');
      const p = d.stream(script, { pty: true });
      const lines: string[] = [];
      p.onLine((l) => lines.push(l));
      let ended = false;
      void p.done.then(() => (ended = true));
      for (let i = 0; i < 50 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500));
      // `read` still waits: nothing after "tty", and the command has not ended
      expect(lines).toEqual(['tty']);
      expect(ended).toBe(false);
      p.close();
      const r = await p.done;
      expect(r.stdout).toBe('tty\r\n'); // a terminal's line end
    } finally {
      await d.close();
    }
  });

  it('the oldest algorithms Debian builds it with: group14-sha1, ssh-rsa, aes128-ctr, hmac-sha1', async () => {
    const d = await SshDevice.connect(
      opts(db, {
        hostKeyFingerprint: db.hostKeys[1].fingerprint,
        algorithms: sshAlgorithms({ kex: ['diffie-hellman-group14-sha1'], hostKey: ['ssh-rsa'], cipher: ['aes128-ctr'], mac: ['hmac-sha1'] }),
      }),
    );
    try {
      expect(d.negotiated).toEqual({ kex: 'diffie-hellman-group14-sha1', serverHostKey: 'ssh-rsa', cipher: 'aes128-ctr', mac: 'hmac-sha1' });
      expect((await d.exec('echo sha1')).stdout).toBe('sha1\n');
    } finally {
      await d.close();
    }
  });

  it("Debian's dropbear cannot be limited to the 2007 set: group1-sha1 and CBC are not in it", async () => {
    const err = await rejected(
      SshDevice.connect(
        opts(db, {
          hostKeyFingerprint: db.hostKeys[1].fingerprint,
          algorithms: sshAlgorithms({ kex: ['diffie-hellman-group1-sha1'], hostKey: ['ssh-rsa'], cipher: ['aes128-cbc'], mac: ['hmac-sha1'] }),
        }),
      ),
    );
    expect(err.code).toBe('E_ALGORITHMS');
    expect(err.message).toMatch(/no common key exchange algorithm \(the server offers [^)]*diffie-hellman-group14-sha1/);
    expect(err.message).not.toMatch(/offers [^)]*diffie-hellman-group1-sha1/);
    expect(err.message).toMatch(/no common cipher algorithm \(the server offers [^)]*aes128-ctr/);
    expect(err.message).toMatch(/SSH-2\.0-dropbear_/);
  });

  it.runIf(SSH)('rig trust records a dropbear key that OpenSSH then accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rig-trust-db-'));
    try {
      const inv = writeRealInventory(keyFile, dir, 'inventory.yaml', { ap1: db, ap2: db, client: db }, { knownHosts: 'known_hosts' });
      const out: string[] = [];
      const r = await trust({ device: 'ap1', inventory: inv, yes: true, out: (s) => out.push(s) });
      expect(r.exitCode).toBe(0);
      expect(r.presented.fingerprint).toBe(db.hostKeys[0].fingerprint);
      expect(runSsh(db, join(dir, 'known_hosts'))).toMatchObject({ status: 0, stdout: 'via-openssh\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
