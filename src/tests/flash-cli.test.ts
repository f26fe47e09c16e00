/**
 * `rig flash` through the real CLI (bin/rig.mjs in a child process): on the virtual
 * bench (the rig started in-process, as `rig roam` does), usage errors (exit 2), and
 * a failing flash (exit 3) against a virtual rig running in the test, reached as a
 * real bench would be.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startLab } from '../../rig/lab.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { inventoryCopy, runCli, tempDir } from './helpers/cli.ts';

interface FlashJson {
  bench: string;
  virtual: boolean;
  variant: string;
  target: string;
  devices: Record<string, { device: string; variant: string; previous: string | null; action: string; uploaded: string[]; transfer: string | null; banners: Record<string, string> }>;
}

describe('rig flash (CLI)', () => {
  it('flashes patched onto the virtual client and prints what it did (--json)', async () => {
    const inv = inventoryCopy(tempDir());
    const r = await runCli(['flash', '--variant', 'patched', '--device', 'client', '--inventory', inv, '--json']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as FlashJson;
    expect(j).toMatchObject({ bench: 'virtual', virtual: true, variant: 'patched', target: 'virtual' });
    expect(Object.keys(j.devices)).toEqual(['client']);
    expect(j.devices.client).toMatchObject({ variant: 'patched', previous: 'stock', action: 'flashed', transfer: 'sftp' });
    expect(j.devices.client.banners.wlan).toBe('wlan: 0.8.4.2 (0.9.3-rig1404)');
    expect(r.stderr).toMatch(/^client: upload: wlan\.ko \(2\/11/m);
    expect(r.stderr).toMatch(/^client: verify-load: patched loaded/m);
  });

  it('the variant the boards already run: nothing uploaded, nothing reloaded (text output)', async () => {
    const inv = inventoryCopy(tempDir());
    const r = await runCli(['flash', '--variant', 'stock', '--inventory', inv]);
    expect(r.code, r.stderr).toBe(0);
    for (const d of ['ap1', 'ap2', 'client']) expect(r.stdout).toMatch(new RegExp(`^${d}: stock -> stock \\(already loaded and in flash: nothing uploaded, nothing reloaded; \\d+ ms\\)`, 'm'));
    expect(r.stdout).toMatch(/^ {2}ath_pci: 0\.9\.4\.5 \(0\.9\.3-rigroam\)$/m);
  });

  it('usage and configuration errors exit 2', async () => {
    const inv = inventoryCopy(tempDir());
    const bad = await runCli(['flash', '--variant', 'bogus', '--inventory', inv]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown firmware variant "bogus" \(.*vanilla, stock, patched\)/);
    const dev = await runCli(['flash', '--variant', 'patched', '--device', 'ap3', '--inventory', inv]);
    expect(dev.code).toBe(2);
    expect(dev.stderr).toMatch(/--device ap3/);
    const target = await runCli(['flash', '--variant', 'patched', '--target', 'mips1-be-elf', '--inventory', inv]);
    expect(target.code).toBe(2);
    const none = await runCli(['flash', '--inventory', inv]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--variant/);
  });

  it('a corrupted upload on a running rig: exit 3, the message names the device and the step, the board stays on stock', async () => {
    const dir = tempDir();
    const loaded = await loadInventory(inventoryCopy(dir));
    const { bench } = selectBench(loaded, 'virtual');
    const lab = await startLab({ bench, timeScale: 100, firmware: 'stock' });
    try {
      // The running rig as a real bench sees it (what `rig lab up --write-inventory` writes).
      const e = lab.endpoints;
      const { virtual: _v, ...rest } = bench;
      void _v;
      const devices = Object.fromEntries(
        Object.entries(bench.devices).map(([n, d]) => [
          n,
          {
            ...d,
            ...(d.power ? { power: { ...d.power, address: `${e.power[n].host}:${e.power[n].port}` } } : {}),
            ...(d.console ? { console: { ...d.console, address: `${e.console[n].host}:${e.console[n].port}` } } : {}),
            auth: { keyFile: d.auth.method === 'keyFile' ? d.auth.keyFile : '' },
            host: e.devices[n].host,
            port: e.devices[n].port,
            hostKeyFingerprint: e.devices[n].hostKeyFingerprint,
          },
        ]),
      );
      const attenuators = Object.fromEntries(Object.entries(bench.attenuators).map(([n, a]) => [n, { ...a, address: `${e.attenuators[n].host}:${e.attenuators[n].httpPort}` }]));
      const file = join(dir, 'running-rig.yaml');
      writeFileSync(file, stringify({ version: 1, defaultBench: 'rig', benches: { rig: { ...rest, devices, attenuators } } }));

      lab.kernel.ap2.faults.corruptUploads(1000);
      const r = await runCli(['flash', '--variant', 'patched', '--device', 'ap2', '--inventory', file, '--target', 'virtual']);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/^rig: ap2: flashing patched failed at step verify-upload \(.*\); rolled back to stock \(verified: wlan: 0\.8\.4\.2 \(0\.9\.3-rigroam\)/m);
      expect(r.stderr).toMatch(/^ap2: rollback verify-load: rolled back to stock/m);
      expect(lab.kernel.ap2.modules().map((x) => x.variant)).toEqual(Array(11).fill('stock'));
      expect(lab.kernel.ap2.dmesg().filter((l) => l.startsWith('wlan: ')).pop()).toBe('wlan: 0.8.4.2 (0.9.3-rigroam)');
    } finally {
      await lab.stop();
    }
  });
});
