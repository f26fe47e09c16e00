/**
 * The virtual board's kernel (rig/device/kernel.ts) seen over SSH: module commands
 * with the shapes the controllers parse, `reboot` (and the lab's reboot fault) keeping
 * what is in flash, losing what is only in RAM.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../rig/lab.ts';
import { parseLsmod } from '../controllers/madwifi/parse.ts';
import { SshDevice } from '../controllers/ssh/ssh-device.ts';
import { readFileSync } from 'node:fs';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { inventoryCopy, ROOT, tempDir } from './helpers/cli.ts';
import { join } from 'node:path';
import { buildVirtualModule, parseVirtualModule } from '../firmware/virtual-module.ts';

let lab: Lab | null = null;
const conns: SshDevice[] = [];
afterEach(async () => {
  await Promise.allSettled(conns.splice(0).map((c) => c.close()));
  await lab?.stop();
  lab = null;
});

async function up(firmware = 'patched'): Promise<Lab> {
  const { bench } = selectBench(await loadInventory(inventoryCopy(tempDir())), 'virtual');
  lab = await startLab({ bench, timeScale: 100, firmware });
  return lab;
}
async function connect(l: Lab, name = 'client', deadlineMs = 10_000): Promise<SshDevice> {
  const e = l.endpoints.devices[name];
  const d = await SshDevice.connect({
    name,
    host: e.host,
    port: e.port,
    username: 'root',
    auth: { privateKey: readFileSync(join(ROOT, '.rig/lab_ed25519')) },
    hostKeyFingerprint: e.hostKeyFingerprint,
    connectDeadlineMs: deadlineMs,
  });
  conns.push(d);
  return d;
}

describe('virtual board kernel', () => {
  it('lsmod / dmesg / modprobe / rmmod look like a 2.6.16 board and parse with the controllers', async () => {
    const l = await up();
    const d = await connect(l);
    const lsmod = parseLsmod((await d.exec('lsmod')).stdout);
    expect(lsmod[0]).toMatchObject({ name: 'ath_pci', useCount: 0 });
    expect(lsmod.find((e) => e.name === 'wlan')?.usedBy).toEqual(expect.arrayContaining(['wlan_scan_sta', 'ath_pci']));
    expect(lsmod.find((e) => e.name === 'ath_hal')).toMatchObject({ size: 191696, useCount: 2 });
    const dmesg = (await d.exec('dmesg')).stdout;
    expect(dmesg).toMatch(/^Linux version 2\.6\.16 /m);
    expect(dmesg).toMatch(/^ath_pci: 0\.9\.4\.5 \(0\.9\.3-rig1404\)\nwifi0: 11b rates/m);
    expect((await d.exec('modprobe -r ath_pci')).exitCode).toBe(0);
    expect((await d.exec('dmesg')).stdout).toMatch(/ath_pci: driver unloaded\n$/);
    expect((await d.exec('rmmod ath_pci')).stderr).toMatch(/ERROR: Module ath_pci does not exist/);
    expect((await d.exec('modprobe ath_pci')).exitCode).toBe(0);
    expect((await d.exec('dmesg -c')).exitCode).toBe(0);
    expect((await d.exec('dmesg')).stdout).toBe('');
    expect((await d.exec('insmod /lib/modules/2.6.16/net/wlan.ko')).stderr).toMatch(/-1 File exists/);
    // a module built for another kernel does not load
    const stockAcl = parseVirtualModule(readFileSync(join(ROOT, 'firmware/virtual/stock/wlan_acl.ko')));
    if (stockAcl instanceof Error) throw stockAcl;
    const other = buildVirtualModule({ ...stockAcl, vermagic: '2.6.18 mod_unload MIPS32_R1 32BIT gcc-4.1' });
    expect((await d.exec('rmmod wlan_acl')).exitCode).toBe(0);
    const r = await d.exec('cat > /tmp/acl.ko && insmod /tmp/acl.ko', { stdin: other });
    expect(r.stderr).toMatch(/insmod: error inserting '\/tmp\/acl.ko': -1 Invalid module format/);
    expect((await d.exec('dmesg')).stdout).toMatch(/^wlan_acl: version magic '2\.6\.18 mod_unload MIPS32_R1 32BIT gcc-4\.1' should be '2\.6\.16 mod_unload MIPS32_R1 32BIT gcc-3\.4'$/m);
    // and a damaged one neither
    const damaged = Buffer.from(readFileSync(join(ROOT, 'firmware/virtual/stock/wlan_acl.ko')));
    damaged[20] ^= 1;
    expect((await d.exec('cat > /tmp/acl2.ko && insmod /tmp/acl2.ko', { stdin: damaged })).stderr).toMatch(/Invalid module format/);
  });

  it('`reboot` over SSH: the connection goes, the board comes back with what its flash holds', async () => {
    const l = await up('stock');
    const d = await connect(l);
    expect((await d.exec('cat > /tmp/scratch', { stdin: 'x' })).exitCode).toBe(0);
    const lost = new Promise<void>((resolve) => d.onDisconnect(() => resolve()));
    const r = await d.exec('reboot');
    expect(r.exitCode).toBe(0);
    await lost;
    expect(l.kernel.client.modules()).toEqual([]);
    await l.kernel.client.whenBooted();
    const again = await connect(l, 'client', 20_000);
    expect(parseLsmod((await again.exec('lsmod')).stdout)).toHaveLength(11);
    expect((await again.exec('dmesg')).stdout).toMatch(/^wlan: 0\.8\.4\.2 \(0\.9\.3-rigroam\)$/m);
    expect((await again.exec('cat /tmp/scratch')).exitCode).not.toBe(0);
    expect(l.kernel.client.stats.reboots).toBe(1);
  });

  it("the lab's reboot fault (rig/faults.ts) also boots the modules in flash", async () => {
    const l = await up('patched');
    l.faults.inject({ kind: 'reboot', device: 'ap1' });
    expect(l.kernel.ap1.modules()).toEqual([]);
    await l.kernel.ap1.whenBooted();
    expect(l.kernel.ap1.modules().map((x) => x.variant)).toEqual(Array(11).fill('patched'));
    const d = await connect(l, 'ap1', 20_000);
    expect((await d.exec('dmesg')).stdout).toMatch(/^wlan: 0\.8\.4\.2 \(0\.9\.3-rig1404\)$/m);
  });
});
