/**
 * Secrets come only from environment variables, key files or the SSH agent, and never
 * show up in logs, reports or error messages.
 *
 * Planted secrets: a WPA-PSK passphrase (RIG_WPA_PSK) and SSH passwords (passwordEnv).
 * - `rig roam --bench virtual-wpa --count 2` with the boards logging in by password:
 *   every file of the run folder, stdout and stderr are searched for both.
 * - Against Debian's OpenSSH sshd with password authentication (a password only the
 *   test knows, see helpers/real-ssh-servers.ts): the right password logs in, a wrong
 *   one is E_AUTH; neither appears in the error, in the connection log, in the output
 *   or the run folder of `rig roam` on a real-bench inventory pointing at that sshd.
 * - Error paths: a malformed passphrase is refused without being echoed.
 * Each secret is also searched for in its JSON-escaped and base64 forms.
 */
import { generateKeyPair } from '../../rig/keys.ts';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RigError } from '../errors.ts';
import { recordKnownHost } from '../controllers/ssh/known-hosts.ts';
import { SshDevice } from '../controllers/ssh/ssh-device.ts';
import { inventoryCopy, runCli, type CliResult } from './helpers/cli.ts';
import { canUseMountNamespace, sshdUnavailable, startSshd, writeRealInventory, type RealSshServer } from './helpers/real-ssh-servers.ts';

const { utils } = ssh2;
const work = mkdtempSync(join(tmpdir(), 'rig-secrets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A secret that cannot occur by chance, with the characters a passphrase may have. */
const secret = (label: string): string => `${label}-${randomBytes(9).toString('base64url')} x+/!`;

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The forms a secret could leak in. */
function forms(s: string): string[] {
  return [s, JSON.stringify(s).slice(1, -1), Buffer.from(s).toString('base64'), encodeURIComponent(s)];
}

function expectNoSecret(secrets: string[], where: { name: string; text: string }[]): void {
  for (const s of secrets) {
    for (const f of forms(s)) {
      for (const w of where) {
        if (w.text.includes(f)) throw new Error(`secret (${s.slice(0, 8)}...) found in ${w.name}`);
      }
    }
  }
}

function runOutputs(reports: string, r: CliResult): { name: string; text: string }[] {
  const files = filesUnder(reports);
  return [
    { name: 'stdout', text: r.stdout },
    { name: 'stderr', text: r.stderr },
    ...files.map((f) => ({ name: f, text: readFileSync(f).toString('latin1') + readFileSync(f, 'utf8') })),
  ];
}

describe('a virtual WPA-PSK run with password logins leaks neither secret', { timeout: 300_000 }, () => {
  it('rig roam --bench virtual-wpa --count 2: run folder, stdout, stderr', async () => {
    const psk = secret('psk');
    const password = secret('pw');
    const dir = mkdtempSync(join(work, 'wpa-'));
    const reports = join(dir, 'reports');
    const inv = inventoryCopy(dir, (doc) => {
      for (const dev of ['ap1', 'ap2', 'client']) doc.setIn(['benches', 'virtual-wpa', 'devices', dev, 'auth'], doc.createNode({ passwordEnv: 'RIG_TEST_SSH_PASSWORD' }));
    });
    const r = await runCli(['roam', '--bench', 'virtual-wpa', '--count', '2', '--inventory', inv, '--reports', reports, '--json'], {
      env: { RIG_WPA_PSK: psk, RIG_TEST_SSH_PASSWORD: password },
      timeoutMs: 240_000,
    });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect([0, 1]).toContain(r.code);
    const runDir = (JSON.parse(r.stdout) as { runDir: string }).runDir;
    const files = filesUnder(runDir);
    expect(files.map((f) => f.slice(runDir.length + 1))).toEqual(expect.arrayContaining(['roams.jsonl', 'summary.json', 'index.html', 'ping.log']));
    expect(readFileSync(join(runDir, 'roams.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expectNoSecret([psk, password], runOutputs(reports, r));
  });

  it('a malformed passphrase is refused without being echoed (exit 2)', async () => {
    const bad = `short"${randomBytes(3).toString('hex')}`;
    const dir = mkdtempSync(join(work, 'badpsk-'));
    const r = await runCli(['roam', '--bench', 'virtual-wpa', '--count', '1', '--inventory', inventoryCopy(dir), '--reports', join(dir, 'reports')], {
      env: { RIG_WPA_PSK: bad },
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('RIG_WPA_PSK');
    expectNoSecret([bad], runOutputs(join(dir, 'reports'), r));
  });
});

const sshdWhy = sshdUnavailable() ?? (canUseMountNamespace() ? undefined : 'password logins to sshd need root and mount namespaces');

describe.skipIf(sshdWhy && process.env.RIG_REAL_SSH !== '1')('OpenSSH sshd with password authentication', { timeout: 120_000 }, () => {
  const password = secret('sshd-pw');
  const psk = secret('psk');
  const client = generateKeyPair('rig test');
  let sshd: RealSshServer;
  let dir: string;
  let kh: string;
  beforeAll(async () => {
    sshd = await startSshd({ authorizedKeys: [client.public], password });
    dir = mkdtempSync(join(work, 'sshd-'));
    kh = join(dir, 'known_hosts');
    recordKnownHost(kh, sshd.host, sshd.port, sshd.hostKeys[0].blob);
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('the password from the environment logs in; a wrong one is E_AUTH; neither is in the error or the log', async () => {
    process.env.RIG_TEST_SSH_PASSWORD = password;
    const logs: string[] = [];
    try {
      const d = await SshDevice.connect({
        name: 'ap1',
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        auth: { password: process.env.RIG_TEST_SSH_PASSWORD },
        knownHosts: kh,
        connectDeadlineMs: 10_000,
        log: (m) => logs.push(m),
      });
      expect((await d.exec('echo logged in by password')).stdout).toBe('logged in by password\n');
      await d.close();
      const wrong = secret('wrong');
      let err: RigError | undefined;
      try {
        await SshDevice.connect({ name: 'ap1', host: sshd.host, port: sshd.port, username: sshd.user, auth: { password: wrong }, knownHosts: kh, connectDeadlineMs: 10_000, log: (m) => logs.push(m) });
      } catch (e) {
        err = e as RigError;
      }
      expect(err?.code).toBe('E_AUTH');
      expect(err?.message).toContain('(password)');
      expectNoSecret([password, wrong], [
        { name: 'error', text: `${err?.message} ${String(err?.cause ?? '')}` },
        { name: 'log', text: logs.join('\n') },
      ]);
    } finally {
      delete process.env.RIG_TEST_SSH_PASSWORD;
    }
  });

  it('rig roam on a real-bench inventory (password logins to sshd, WPA-PSK): no secret in the output or the run folder', async () => {
    // The boards are sshd: the login works, the first madwifi step fails (no attenuator, no iwconfig): a bench failure, exit 3.
    for (const [label, pw] of [['right', password], ['wrong', secret('wrong')]] as const) {
      const inv = writeRealInventory(join(dir, 'unused-key'), dir, `${label}.yaml`, { ap1: sshd, ap2: sshd, client: sshd }, { knownHosts: kh }, [], {
        auth: { passwordEnv: 'RIG_TEST_SSH_PASSWORD' },
        security: { mode: 'wpa-psk', pskEnv: 'RIG_WPA_PSK' },
      });
      const reports = join(dir, `reports-${label}`);
      const r = await runCli(['roam', '--inventory', inv, '--count', '1', '--reports', reports], {
        env: { RIG_TEST_SSH_PASSWORD: pw, RIG_WPA_PSK: psk },
        timeoutMs: 90_000,
      });
      expect(r.code).toBe(3);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (label === 'wrong') expect(r.stderr + readSummary(reports)).toContain('authentication failed');
      else expect(r.stderr).toMatch(/bench failure: attenuator unit "att1\+att2" \(RC4DAT-6G-95 at http:\/\/127\.0\.0\.1:9; channel 1: att1, channel 2: att2\)/); // logged in, then the (absent) attenuator unit
      expect(filesUnder(reports).some((f) => f.endsWith('summary.json'))).toBe(true);
      expectNoSecret([pw, password, psk], runOutputs(reports, r));
    }
  });
});

function readSummary(reports: string): string {
  const f = filesUnder(reports).find((p) => p.endsWith('summary.json'));
  return f ? readFileSync(f, 'utf8') : '';
}
