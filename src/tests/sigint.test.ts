/**
 * SIGINT / SIGTERM (issue 5): the rig stops ramping, leaves every attenuator at its
 * safe value, stops the remote ping and iwevent (no orphans on the boards), writes
 * the summary of what ran and exits 130 / 143. Checked against a standalone virtual
 * rig (`rig lab up`), which outlives the interrupted run so the boards can be inspected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SshDevice } from '../controllers/ssh/ssh-device.ts';
import { BIN, inventoryCopy, ROOT, tempDir } from './helpers/cli.ts';

let lab: ChildProcess;
let dir: string;
let inventory: string;

function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) return resolve();
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

beforeAll(async () => {
  dir = tempDir();
  const inv = inventoryCopy(dir);
  inventory = join(dir, 'running-lab.yaml');
  lab = spawn(process.execPath, [BIN, 'lab', 'up', '--inventory', inv, '--write-inventory', inventory, '--for', '240'], { cwd: ROOT, stdio: 'ignore' });
  await waitFor(() => existsSync(inventory), 30_000, 'rig lab up to write its inventory');
});

afterAll(async () => {
  if (lab.exitCode === null) {
    lab.kill('SIGINT');
    await new Promise((r) => lab.once('close', r));
  }
});

async function interrupted(signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; runDir: string }> {
  const reports = join(dir, `reports-${signal}`);
  const child = spawn(process.execPath, [BIN, 'roam', '--inventory', inventory, '--reports', reports, '--count', '50'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  // Interrupt mid-ramp: the ping and iwevent run, the attenuators are moving.
  await waitFor(() => stderr.includes('starting ping on the client'), 60_000, 'the roam to start');
  await new Promise((r) => setTimeout(r, 3000));
  child.kill(signal);
  const code = await closed;
  expect(stderr).not.toMatch(/\n\s+at /);
  const runs = readdirSync(reports, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  return { code, runDir: join(reports, runs[0]) };
}

async function boardProcesses(name: string): Promise<string> {
  const bench = (parse(readFileSync(inventory, 'utf8')) as { benches: Record<string, { devices: Record<string, { port: number; hostKeyFingerprint: string }> }> }).benches.virtual;
  const d = bench.devices[name];
  const dev = await SshDevice.connect({
    name,
    host: '127.0.0.1',
    port: d.port,
    username: 'root',
    auth: { privateKey: readFileSync(join(ROOT, '.rig/lab_ed25519')) },
    hostKeyFingerprint: d.hostKeyFingerprint,
    connectDeadlineMs: 10_000,
  });
  try {
    return (await dev.exec('ps', { timeoutMs: 10_000 })).stdout;
  } finally {
    await dev.close();
  }
}

/** Ask a Mini-Circuits unit for its attenuation (raw path: `/:ATT?`, the `?` is part of the command). */
function readAttenuation(address: string): Promise<number> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = httpGet({ host, port: Number(port), path: '/:ATT?', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(Number(body.trim())));
    });
    req.on('timeout', () => req.destroy(new Error('attenuator did not answer')));
    req.on('error', reject);
  });
}

async function attenuation(): Promise<number[]> {
  const bench = (parse(readFileSync(inventory, 'utf8')) as { benches: Record<string, { attenuators: Record<string, { address: string }> }> }).benches.virtual;
  return Promise.all(Object.values(bench.attenuators).map((a) => readAttenuation(a.address)));
}

describe('interrupting a run', () => {
  it('SIGINT: exit 130, attenuators at their safe value, no ping or iwevent left on any board, summary written', async () => {
    const { code, runDir } = await interrupted('SIGINT');
    expect(code).toBe(130);
    expect(await attenuation()).toEqual([60, 60]); // safeDb of att1 and att2 in the shipped inventory
    for (const name of ['ap1', 'ap2', 'client']) {
      const ps = await boardProcesses(name);
      expect(ps, name).toMatch(/init/); // the listing itself works
      expect(ps, name).not.toMatch(/\bping\b|\biwevent\b/);
    }
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(summary.verdict).toBe('interrupted');
  }, 120_000);

  it('SIGTERM: exit 143, same safe state', async () => {
    const { code } = await interrupted('SIGTERM');
    expect(code).toBe(143);
    expect(await attenuation()).toEqual([60, 60]);
    const ps = await boardProcesses('client');
    expect(ps).not.toMatch(/\bping\b|\biwevent\b/);
  }, 120_000);
});
