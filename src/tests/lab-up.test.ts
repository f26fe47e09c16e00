/**
 * `rig lab up`: the virtual rig as a standalone process. It prints its ports; the
 * real OpenSSH client runs commands on its boards; its attenuators answer the
 * Mini-Circuits HTTP protocol; `--write-inventory` writes an inventory that loads and
 * points at it; SIGINT and `--for` stop it, and its ports close.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIwconfig } from '../controllers/madwifi/parse.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { inventoryCopy, ROOT, tempDir } from './helpers/cli.ts';
import { execBounded, openSsh, startLabProcess, type RunningLab } from './helpers/lab.ts';

const KEY = join(ROOT, '.rig/lab_ed25519');

/** Does anything accept TCP connections on this loopback port (bounded)? */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 3000);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

describe('rig lab up (standalone virtual rig)', () => {
  let lab: RunningLab;
  let dir: string;
  let written: string;

  beforeAll(async () => {
    dir = tempDir();
    written = join(dir, 'running-lab.yaml');
    lab = await startLabProcess(['--inventory', inventoryCopy(dir), '--write-inventory', written, '--for', '240']);
  });

  afterAll(async () => {
    await lab?.stop(5000);
  });

  it('prints one SSH port per board and one HTTP (and telnet) port per attenuator', () => {
    expect(Object.keys(lab.devices).sort()).toEqual(['ap1', 'ap2', 'client']);
    expect(Object.keys(lab.attenuators).sort()).toEqual(['att1', 'att2']);
    const ports = [
      ...Object.values(lab.devices).map((d) => d.port),
      ...Object.values(lab.attenuators).flatMap((a) => [a.httpPort, ...(a.telnetPort ? [a.telnetPort] : [])]),
    ];
    for (const p of ports) expect(p).toBeGreaterThan(0);
    expect(new Set(ports).size).toBe(ports.length);
    for (const d of Object.values(lab.devices)) {
      expect(d.host).toBe('127.0.0.1');
      expect(d.user).toBe('root');
      expect(d.key).toBe(KEY);
    }
    expect(lab.stdout()).toMatch(/time scale 1\b/); // standalone: real time by default
  });

  it('the real OpenSSH client gets `iwconfig ath0` output that parseIwconfig parses (as the README promises)', async () => {
    const r = await openSsh(lab.devices.client, ['iwconfig', 'ath0']);
    expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    const info = parseIwconfig(r.stdout);
    expect(info.interface).toBe('ath0');
    expect(info.mode).toBe('Managed');
  });

  it('the real OpenSSH client drives a board: create the station VAP, then iwconfig parses', async () => {
    const client = lab.devices.client;
    const created = await openSsh(client, ['wlanconfig', 'ath0', 'create', 'wlandev', 'wifi0', 'wlanmode', 'sta']);
    // "File exists" when the board already has it (madwifi autocreates ath0 on most builds)
    expect(created.code === 0 || /File exists/.test(created.stderr), created.stderr).toBe(true);
    const r = await openSsh(client, ['iwconfig', 'ath0']);
    expect(r.code, r.stderr).toBe(0);
    const info = parseIwconfig(r.stdout);
    expect(info.interface).toBe('ath0');
    expect(info.mode).toBe('Managed');
    expect(info.accessPoint).toBeNull(); // not associated: nothing configured it
    // exit status and stderr come through OpenSSH as a board would send them
    const bad = await openSsh(client, ['iwconfig', 'ath9']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/No such device/);
    const uname = await openSsh(lab.devices.ap1, ['uname', '-r']);
    expect(uname.code).toBe(0);
    expect(uname.stdout.trim()).toBe('2.6.16');
  });

  it('the host key fingerprints it prints are the ones OpenSSH sees', async () => {
    for (const [name, d] of Object.entries(lab.devices)) {
      const scan = await execBounded('/usr/bin/ssh-keyscan', ['-p', String(d.port), '-T', '10', '127.0.0.1'], { timeoutMs: 20_000 });
      expect(scan.stdout, `${name}: ${scan.stderr}`).toMatch(/ssh-/);
      const fp = await execBounded('/usr/bin/ssh-keygen', ['-lf', '-'], { input: scan.stdout, timeoutMs: 10_000 });
      expect(fp.stdout, name).toContain(d.fingerprint);
    }
  });

  it('the attenuators answer the Mini-Circuits HTTP protocol', async () => {
    // node:http, not fetch: the protocol's `/:ATT?` has an empty query that WHATWG URLs drop
    const get = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const a = lab.attenuators.att1;
        const req = httpRequest({ host: a.host, port: a.httpPort, path, timeout: 10_000, agent: false }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
        req.on('error', reject);
        req.end();
      });
    const att = await get('/:ATT?');
    expect(att.status).toBe(200);
    expect(Number(att.body.trim())).toBe(60); // the safe maximum it starts at
    const mn = await get('/:MN?');
    expect(mn.body).toMatch(/MN=RCDAT-6000-60/);
  });

  it('--write-inventory writes an inventory that loads and points at the running rig', async () => {
    expect(lab.stdout()).toContain(written);
    const loaded = await loadInventory(written);
    const { name, bench } = selectBench(loaded);
    expect(name).toBe('virtual');
    expect(bench.virtual).toBeUndefined(); // a "real" bench now: the rig is already running
    for (const dev of ['ap1', 'ap2', 'client'] as const) {
      expect(bench.devices[dev].port).toBe(lab.devices[dev].port);
      expect(bench.devices[dev].host).toBe('127.0.0.1');
      expect(bench.devices[dev].hostKeyFingerprint).toBe(lab.devices[dev].fingerprint);
      expect(bench.devices[dev].auth).toMatchObject({ method: 'keyFile', keyFile: KEY });
    }
    expect(bench.attenuators.att1.address).toBe(`127.0.0.1:${lab.attenuators.att1.httpPort}`);
    expect(bench.attenuators.att2.address).toBe(`127.0.0.1:${lab.attenuators.att2.httpPort}`);
  });

  it('SIGINT stops it: exit 130 as documented for an interruption, says so, its ports closed', async () => {
    const ports = [...Object.values(lab.devices).map((d) => d.port), ...Object.values(lab.attenuators).map((a) => a.httpPort)];
    expect(await accepts(ports[0])).toBe(true);
    const t0 = performance.now();
    const code = await lab.stop(10_000);
    // Issue 10: it used to exit 0 and print nothing.
    expect(code, `signal ${lab.child.signalCode} after ${Math.round(performance.now() - t0)} ms; stderr: ${lab.stderr()}`).toBe(130);
    expect(lab.stdout()).toMatch(/virtual rig stopped: SIGINT/);
    expect(lab.stderr()).not.toMatch(/\n\s+at /);
    for (const p of ports) expect(await accepts(p), `port ${p}`).toBe(false);
  });
});

describe('rig lab up --write-inventory on a bench with a multi-channel unit', () => {
  it('writes each channel at the unit\'s one real port, in a form that loads and groups them again', async () => {
    const dir = tempDir();
    const written = join(dir, 'unit-lab.yaml');
    const inv = inventoryCopy(dir, (doc) => {
      const b = ['benches', 'virtual'];
      doc.setIn([...b, 'attenuatorUnits'], doc.createNode({ rc4dat1: { model: 'RC4DAT-6G-95', protocol: 'telnet', address: '127.0.0.1:0' } }));
      for (const [att, channel] of [['att1', 1], ['att2', 2]] as const) {
        for (const k of ['model', 'protocol', 'address']) doc.deleteIn([...b, 'attenuators', att, k]);
        doc.setIn([...b, 'attenuators', att, 'unit'], 'rc4dat1');
        doc.setIn([...b, 'attenuators', att, 'channel'], channel);
      }
    });
    const lab = await startLabProcess(['--inventory', inv, '--write-inventory', written, '--for', '120']);
    try {
      const { bench } = selectBench(await loadInventory(written));
      const [a1, a2] = [bench.attenuators.att1, bench.attenuators.att2];
      expect(a1.address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      expect(a2.address).toBe(a1.address); // one unit, one port
      expect([a1.channel, a2.channel]).toEqual([1, 2]);
      expect([a1.model.toUpperCase(), a1.protocol]).toEqual(['RC4DAT-6G-95', 'telnet']);
    } finally {
      await lab.stop(5000);
    }
  }, 60_000);
});

/**
 * Issue 10: started through npx, SIGINT to the npx process was swallowed by the shell npm
 * runs bins with (dash holds it until its child exits), so the rig ran on. The project's
 * .npmrc makes that shell bash, which runs the single command in its place.
 */
describe('rig lab up --json, started through npx and npm run: SIGINT to npm stops it as it does under node', () => {
  interface Ready {
    event: 'ready';
    devices: Record<string, { host: string; port: number; hostKeyFingerprint: string }>;
    attenuators: Record<string, { host: string; httpPort: number | null; telnetPort: number | null }>;
  }
  const launchers: [string, string, string[]][] = [
    ['npx', 'npx', ['--yes', 'rig', 'lab', 'up', '--json', '--for', '120']],
    ['npm run', 'npm', ['run', '--silent', 'rig', '--', 'lab', 'up', '--json', '--for', '120']],
  ];
  for (const [label, cmd, args] of launchers) {
    it(`${label}: a ready line with every endpoint; SIGINT to npm: exit 130, a stopped line, every port closed`, async () => {
      // Its own process group, so that a failing test can still stop npm, its shell and the rig.
      const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code, sig) => r(code ?? (sig ? -1 : null))));
      try {
        const deadline = Date.now() + 60_000;
        while (!/"event":"ready"/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
        const line = out.split('\n').find((l) => l.includes('"event":"ready"'));
        expect(line, `stdout: ${out}\nstderr: ${err}`).toBeDefined();
        const ready = JSON.parse(line!) as Ready;
        expect(Object.keys(ready.devices).sort()).toEqual(['ap1', 'ap2', 'client']);
        const ports = [...Object.values(ready.devices).map((d) => d.port), ...Object.values(ready.attenuators).map((a) => a.httpPort!)];
        for (const p of ports) expect(await accepts(p), `port ${p}`).toBe(true);
        child.kill('SIGINT'); // to npm, not to the rig
        const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000))]);
        expect(code, `stdout: ${out}\nstderr: ${err}`).toBe(130);
        const stopped = JSON.parse(out.trim().split('\n').at(-1)!) as { event: string; reason: string; exitCode: number };
        expect(stopped).toEqual({ event: 'stopped', reason: 'SIGINT', exitCode: 130 });
        for (const p of ports) expect(await accepts(p), `port ${p}`).toBe(false);
      } finally {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // the group is gone: nothing left running
        }
        await exited;
      }
    }, 120_000);
  }
});

describe('rig lab up --for', () => {
  it('stops by itself after N seconds, exit 0', async () => {
    const dir = tempDir();
    const lab = await startLabProcess(['--inventory', inventoryCopy(dir), '--for', '1']);
    try {
      const code = await Promise.race([lab.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000))]);
      expect(code).toBe(0);
    } finally {
      await lab.stop(2000);
    }
  });

  it('refuses a bench that is not virtual: exit 2', async () => {
    const dir = tempDir();
    const inv = inventoryCopy(dir, (doc) => {
      doc.deleteIn(['benches', 'virtual', 'virtual']);
      for (const d of ['ap1', 'ap2', 'client']) {
        doc.setIn(['benches', 'virtual', 'devices', d, 'port'], 22);
        // A real bench's PDU and console server have real ports too.
        doc.setIn(['benches', 'virtual', 'devices', d, 'power', 'address'], '127.0.0.1:80');
        doc.setIn(['benches', 'virtual', 'devices', d, 'console', 'address'], '127.0.0.1:3001');
      }
      doc.setIn(['benches', 'virtual', 'attenuators', 'att1', 'address'], '127.0.0.1:80');
      doc.setIn(['benches', 'virtual', 'attenuators', 'att2', 'address'], '127.0.0.1:81');
    });
    const r = await execBounded(process.execPath, [join(ROOT, 'bin/rig.mjs'), 'lab', 'up', '--inventory', inv, '--for', '1'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not virtual/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
