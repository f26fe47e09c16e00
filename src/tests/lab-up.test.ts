/**
 * `rig lab up`: the virtual rig as a standalone process. It prints its ports; the
 * real OpenSSH client runs commands on its boards; its attenuators answer the
 * Mini-Circuits HTTP protocol; `--write-inventory` writes an inventory that loads and
 * points at it; SIGINT and `--for` stop it, and its ports close.
 */
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

  it('SIGINT stops it: exit 0, its ports closed', async () => {
    const ports = [...Object.values(lab.devices).map((d) => d.port), ...Object.values(lab.attenuators).map((a) => a.httpPort)];
    expect(await accepts(ports[0])).toBe(true);
    const t0 = performance.now();
    const code = await lab.stop(10_000);
    expect(code, `signal ${lab.child.signalCode} after ${Math.round(performance.now() - t0)} ms; stderr: ${lab.stderr()}`).toBe(0);
    expect(lab.stderr()).not.toMatch(/\n\s+at /);
    for (const p of ports) expect(await accepts(p), `port ${p}`).toBe(false);
  });
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
      for (const d of ['ap1', 'ap2', 'client']) doc.setIn(['benches', 'virtual', 'devices', d, 'port'], 22);
      doc.setIn(['benches', 'virtual', 'attenuators', 'att1', 'address'], '127.0.0.1:80');
      doc.setIn(['benches', 'virtual', 'attenuators', 'att2', 'address'], '127.0.0.1:81');
    });
    const r = await execBounded(process.execPath, [join(ROOT, 'bin/rig.mjs'), 'lab', 'up', '--inventory', inv, '--for', '1'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not virtual/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
