/**
 * `rig flash` on the virtual bench: the real flash code (src/flash/) over SSH against
 * the virtual boards' kernels (rig/device/kernel.ts). Every outcome is checked the way
 * a lab engineer would: what `lsmod` and `dmesg` on the board say afterwards, over SSH.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabOptions } from '../../rig/lab.ts';
import type { SshDevice } from '../controllers/ssh/ssh-device.ts';
import { loadManifest, moduleFiles } from '../firmware/manifest.ts';
import { FlashError, flashDevice } from '../flash/flash.ts';
import { flashSession, identifySession } from '../flash/session.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import type { Bench, DeviceName } from '../inventory/schema.ts';
import { BenchSession } from '../bench/session.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

const m = loadManifest();
const TIME_SCALE = 100;

interface Rig {
  bench: Bench;
  lab: Lab;
  session: BenchSession;
}
let open: Rig | null = null;

/** The virtual bench as `rig roam` leaves it after setup: APs up, ap1 strong, the client associated to it. */
async function rigUp(labOpts: Partial<LabOptions> = {}): Promise<Rig> {
  const loaded = await loadInventory(inventoryCopy(tempDir()));
  const { bench } = selectBench(loaded, 'virtual');
  const lab = await startLab({ bench, timeScale: TIME_SCALE, firmware: 'stock', ...labOpts });
  const session = await BenchSession.open(bench, { overrides: lab.endpoints, timeScale: TIME_SCALE });
  open = { bench, lab, session };
  await session.setPath('ap1', bench.profile.range.minDb);
  await session.setPath('ap2', bench.profile.range.maxDb);
  for (const ap of ['ap1', 'ap2'] as const) await session.aps[ap].configure({ essid: bench.essid, channel: bench.devices[ap].wireless.channel, psk: null });
  await session.station.configure({ essid: bench.essid, roaming: { ...bench.roaming }, psk: null });
  await session.station.waitAssociated(session.clock, 60_000);
  return open;
}

afterEach(async () => {
  if (!open) return;
  await open.session.close();
  await open.lab.stop();
  open = null;
});

/** What the board itself says, over SSH: loaded modules (lsmod) and the last banner of each module (dmesg). */
async function boardSays(dev: SshDevice): Promise<{ modules: string[]; banners: Record<string, string | undefined> }> {
  const lsmod = await dev.exec('lsmod', { timeoutMs: 10_000 });
  const dmesg = await dev.exec('dmesg', { timeoutMs: 10_000 });
  expect(lsmod.exitCode).toBe(0);
  const modules = lsmod.stdout.split('\n').slice(1).map((l) => l.split(/\s+/)[0]).filter(Boolean);
  const lines = dmesg.stdout.split('\n');
  const last = (mod: string) => lines.filter((l) => l.startsWith(`${mod}: `) && /^\S+: \d[\w.]* \(/.test(l)).pop();
  return { modules, banners: Object.fromEntries(['ath_hal', 'wlan', 'ath_rate_sample', 'ath_pci'].map((mod) => [mod, last(mod)])) };
}

async function expectBoardOn(dev: SshDevice, variant: string): Promise<void> {
  const says = await boardSays(dev);
  expect([...says.modules].sort(), `${dev.name}: lsmod`).toEqual([...m.loadOrder].sort());
  expect(says.banners, `${dev.name}: dmesg banners`).toEqual(m.variants[variant].banners);
}

/** sha256 of the module files in the board's flash equal the variant's (over SSH). */
async function expectFlashHolds(dev: SshDevice, variant: string, tool: 'sha256' | 'md5' = 'sha256'): Promise<void> {
  const files = moduleFiles(m, variant, 'virtual');
  const r = await dev.exec(`${tool}sum ${files.map((f) => `/lib/modules/2.6.16/net/${f.remoteName}`).join(' ')}`, { timeoutMs: 10_000 });
  expect(r.exitCode).toBe(0);
  expect(r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0])).toEqual(files.map((f) => f[tool]));
}

const catchFlash = async (p: Promise<unknown>): Promise<FlashError> => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlashError);
  return err as FlashError;
};

describe('rig flash on the virtual bench', () => {
  it('stock -> patched -> stock, each verified by lsmod and dmesg on every board; the client driver follows the modules', async () => {
    const { lab, session } = await rigUp();
    for (const d of ['ap1', 'ap2', 'client'] as const) await expectBoardOn(session.devices[d], 'stock');
    expect(lab.world.client.driver).toMatchObject({ roamCheck: true, deferLeaveMs: 0 });

    for (const variant of ['patched', 'stock']) {
      const progress: string[] = [];
      const messages: string[] = [];
      const r = await flashSession(session, {
        variant,
        onProgress: (e) => {
          progress.push(`${e.device} ${e.step}`);
          messages.push(`${e.device} ${e.message}`);
        },
      });
      // ath_pci is loaded with the parameters the board boots with (/etc/modules): the APs autocreate an AP VAP
      expect(messages).toContain('ap1 insmod /tmp/rig-flash/ath_pci.ko autocreate=ap');
      expect(messages).toContain('client insmod /tmp/rig-flash/ath_pci.ko');
      for (const d of ['ap1', 'ap2', 'client'] as const) {
        expect(r[d]).toMatchObject({ variant, previous: variant === 'patched' ? 'stock' : 'patched', action: 'flashed', transfer: 'sftp', checksum: 'sha256' });
        expect(r[d]!.uploaded).toHaveLength(11);
        expect(r[d]!.banners).toEqual(m.variants[variant].banners);
        await expectBoardOn(session.devices[d], variant);
        await expectFlashHolds(session.devices[d], variant);
        expect(lab.kernel[d].modules().every((x) => x.variant === variant)).toBe(true);
      }
      expect(progress).toEqual(expect.arrayContaining(['client upload', 'client verify-upload', 'client unload', 'client load', 'client verify-load', 'client persist', 'client restore', 'ap1 restore']));
      expect(lab.world.client.driver).toMatchObject({ roamCheck: true, deferLeaveMs: variant === 'patched' ? 100 : 0 });
      // restored from the inventory: the client is back on ap1
      await session.station.waitAssociated(session.clock, 60_000, [lab.world.ap('ap1').bssid]);
      const ids = await identifySession(session);
      expect(Object.values(ids).map((s) => [s.loadedVariant, s.persistedVariant])).toEqual([[variant, variant], [variant, variant], [variant, variant]]);
    }
  });

  it('vanilla: the roam check is compiled out, and the client driver says so', async () => {
    const { lab, session } = await rigUp();
    await flashSession(session, { variant: 'vanilla', devices: ['client'] });
    await expectBoardOn(session.devices.client, 'vanilla');
    expect(lab.world.client.driver).toMatchObject({ roamCheck: false, deferLeaveMs: 0 });
  });

  it('flashing the variant that is loaded and in flash changes nothing (no upload, no reload); timed against a reload', async () => {
    const { lab, session } = await rigUp();
    const k = lab.kernel.client;
    const before = { writes: k.stats.moduleWrites, insmods: k.stats.insmods, rmmods: k.stats.rmmods };
    const bss = lab.world.client.bss;

    const same: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = await flashSession(session, { variant: 'stock', devices: ['client'] });
      same.push(performance.now() - t);
      expect(r.client).toMatchObject({ action: 'unchanged', uploaded: [], transfer: null, previous: 'stock' });
      expect(r.client!.steps.map((s) => s.step)).toEqual(['check-local', 'probe']);
    }
    expect({ writes: k.stats.moduleWrites, insmods: k.stats.insmods, rmmods: k.stats.rmmods }).toEqual(before);
    expect(lab.world.client.state).toBe('RUN');
    expect(lab.world.client.bss).toBe(bss); // never disassociated
    await expectBoardOn(session.devices.client, 'stock');

    const reload: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const r = await flashSession(session, { variant: 'stock', devices: ['client'], force: true });
      reload.push(performance.now() - t);
      expect(r.client!.action).toBe('reloaded');
    }
    expect(k.stats.moduleWrites).toBe(before.writes); // a reload uploads nothing either
    const full: number[] = [];
    for (const variant of ['patched', 'stock', 'patched']) {
      const t = performance.now();
      await flashSession(session, { variant, devices: ['client'] });
      full.push(performance.now() - t);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      `[flash timing, virtual client, loopback] same variant (no-op): median ${med(same).toFixed(1)} ms of ${same.map((x) => x.toFixed(1)).join('/')}; ` +
        `forced reload (no upload): median ${med(reload).toFixed(1)} ms; full flash (11 files via SFTP + reload + restore): median ${med(full).toFixed(1)} ms`,
    );
  });

  it('a corrupted upload: rollback, BenchError exit 3 naming the device and step, the board left on stock', async () => {
    const { lab, session } = await rigUp();
    lab.kernel.client.faults.corruptUploads(1000);
    const err = await catchFlash(flashSession(session, { variant: 'patched', devices: ['client'] }));
    expect(err.exitCode).toBe(3);
    expect(err).toMatchObject({ device: 'client', step: 'verify-upload', variant: 'patched', rolledBackTo: 'stock', rollbackError: null });
    expect(err.message).toMatch(/^client: flashing patched failed at step verify-upload \(.*sha256 on the board does not match.*\); rolled back to stock/);
    await expectBoardOn(session.devices.client, 'stock');
    await expectFlashHolds(session.devices.client, 'stock');
    expect(lab.kernel.client.modules().every((x) => x.variant === 'stock')).toBe(true);
    const staged = await session.devices.client.exec('ls /tmp/rig-flash');
    expect(staged.stdout.trim()).toBe(''); // staging cleaned up
  });

  it('one corrupted transfer is repaired by uploading that file again', async () => {
    const { lab, session } = await rigUp();
    lab.kernel.client.faults.corruptUploads(1);
    const r = await flashSession(session, { variant: 'patched', devices: ['client'] });
    expect(r.client!.action).toBe('flashed');
    expect(r.client!.uploaded).toHaveLength(12); // 11 + the one sent again
    await expectBoardOn(session.devices.client, 'patched');
    await expectFlashHolds(session.devices.client, 'patched');
  });

  it('insmod fails after the old modules were unloaded: stock is reloaded from flash and the client restored', async () => {
    const { lab, session } = await rigUp();
    lab.kernel.client.faults.failInsmod('wlan_scan_sta', { variant: 'patched' });
    const err = await catchFlash(flashSession(session, { variant: 'patched', devices: ['client'] }));
    expect(err).toMatchObject({ device: 'client', step: 'load', rolledBackTo: 'stock' });
    expect(err.message).toMatch(/insmod .*wlan_scan_sta\.ko.*Cannot allocate memory/);
    await expectBoardOn(session.devices.client, 'stock');
    await expectFlashHolds(session.devices.client, 'stock');
    expect((await session.devices.client.exec('dmesg')).stdout).toMatch(/allocation failed: out of vmalloc space/);
    expect(lab.world.client.driver).toMatchObject({ roamCheck: true, deferLeaveMs: 0 });
    await session.station.waitAssociated(session.clock, 60_000, [lab.world.ap('ap1').bssid]);
  });

  it('a reboot in the middle of the load: the board boots what its flash holds (stock); the flash reconnects, verifies, says so', async () => {
    const { lab, session } = await rigUp();
    const oldConnection = session.devices.client;
    lab.kernel.client.faults.rebootOn((argv) => argv[0] === 'insmod' && argv[1].endsWith('/wlan_scan_sta.ko'));
    const err = await catchFlash(flashSession(session, { variant: 'patched', devices: ['client'] }));
    expect(err).toMatchObject({ device: 'client', step: 'load', rolledBackTo: 'stock' });
    expect(err.message).toMatch(/connection lost/);
    expect(lab.kernel.client.stats.reboots).toBe(1);
    expect(session.devices.client).not.toBe(oldConnection); // reconnected, in the session
    await expectBoardOn(session.devices.client, 'stock');
    await expectFlashHolds(session.devices.client, 'stock');
    await session.station.waitAssociated(session.clock, 60_000, [lab.world.ap('ap1').bssid]);
  });

  it('a reboot right after the new files were written to flash: the board boots patched, the flash puts stock back', async () => {
    const { lab, session } = await rigUp();
    lab.kernel.client.faults.rebootOn((argv) => argv[0] === 'sync');
    const err = await catchFlash(flashSession(session, { variant: 'patched', devices: ['client'] }));
    expect(err).toMatchObject({ step: 'persist', rolledBackTo: 'stock' });
    await expectBoardOn(session.devices.client, 'stock');
    await expectFlashHolds(session.devices.client, 'stock');
    expect(lab.kernel.client.stats.reboots).toBe(1);
  });

  it('a board without SFTP (and without sha256sum) is flashed through cat over exec and verified with md5sum', async () => {
    const { lab, session } = await rigUp({ boards: { client: { sftp: false, sha256sum: false } } });
    const r = await flashSession(session, { variant: 'patched', devices: ['client', 'ap1'] });
    expect(r.client).toMatchObject({ action: 'flashed', transfer: 'exec', checksum: 'md5' });
    expect(r.client!.uploaded).toHaveLength(11);
    expect(r.ap1).toMatchObject({ action: 'flashed', transfer: 'sftp', checksum: 'sha256' });
    expect((await session.devices.client.exec('sha256sum /dev/null')).exitCode).toBe(127);
    await expectBoardOn(session.devices.client, 'patched');
    await expectFlashHolds(session.devices.client, 'patched', 'md5');
    expect(lab.kernel.client.stats.moduleWritePaths.size).toBe(11);
    // and `transfer: 'sftp'` refuses it instead of falling back
    const err = await catchFlash(flashSession(session, { variant: 'stock', devices: ['client'], transfer: 'sftp' }));
    expect(err).toMatchObject({ step: 'upload', rolledBackTo: 'patched' });
    expect(err.message).toMatch(/no SFTP on the board/);
  });

  it('one checksum run per flash: staged files, their copies beside the modules and the flash checked together; nothing left behind', async () => {
    const { session } = await rigUp();
    const dev = session.devices.client;
    const commands: string[] = [];
    const exec = dev.exec.bind(dev);
    dev.exec = (command, opts) => {
      commands.push(command);
      return exec(command, opts);
    };
    const r = await flashSession(session, { variant: 'patched', devices: ['client'] });
    dev.exec = exec;
    expect(r.client).toMatchObject({ action: 'flashed', checksum: 'sha256' });
    // The probe's `sha256sum < /dev/null` (is there a sha256sum?) reads nothing; one run checks files.
    const runs = commands.filter((c) => /(^|; )sha256sum \//.test(c));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toContain('/tmp/rig-flash/wlan.ko');
    expect(runs[0]).toContain('/lib/modules/2.6.16/net/.rig-new/wlan.ko');
    expect(runs[0]).toContain('/lib/modules/2.6.16/net/wlan.ko');
    await expectBoardOn(dev, 'patched');
    await expectFlashHolds(dev, 'patched');
    expect((await dev.exec('ls /lib/modules/2.6.16/net/.rig-new')).stdout.trim()).toBe('');
    expect((await dev.exec('ls /tmp/rig-flash')).stdout.trim()).toBe('');
  });

  it('a reboot while the verified copies wait beside the modules: the board boots stock, the copies are not used, the flash puts stock back', async () => {
    const { lab, session } = await rigUp();
    lab.kernel.client.faults.rebootOn((argv) => argv[0] === 'rmmod');
    const err = await catchFlash(flashSession(session, { variant: 'patched', devices: ['client'] }));
    expect(err).toMatchObject({ step: 'unload', rolledBackTo: 'stock' });
    expect(lab.kernel.client.stats.reboots).toBe(1);
    await expectBoardOn(session.devices.client, 'stock');
    await expectFlashHolds(session.devices.client, 'stock');
    expect((await session.devices.client.exec('ls /lib/modules/2.6.16/net/.rig-new')).stdout.trim()).toBe('');
  });

  it('a reboot keeps what was flashed and loses what was only loaded (and /tmp)', async () => {
    const { lab, session } = await rigUp();
    await flashSession(session, { variant: 'patched', devices: ['client'] });
    // Load stock by hand, from /tmp only: rmmod everything, insmod the stock files uploaded there.
    const dev = session.devices.client;
    for (const mod of [...m.loadOrder].reverse()) expect((await dev.exec(`rmmod ${mod}`)).exitCode).toBe(0);
    const stock = moduleFiles(m, 'stock', 'virtual');
    const { readFileSync } = await import('node:fs');
    for (const f of stock) {
      expect((await dev.exec(`cat > /tmp/${f.remoteName}`, { stdin: readFileSync(f.localPath) })).exitCode).toBe(0);
      expect((await dev.exec(`insmod /tmp/${f.remoteName}`)).exitCode).toBe(0);
    }
    await expectBoardOn(dev, 'stock');
    expect(lab.world.client.driver.deferLeaveMs).toBe(0);

    await lab.reboot('client');
    await session.reconnect('client');
    await expectBoardOn(session.devices.client, 'patched');
    expect((await session.devices.client.exec('ls /tmp')).stdout.trim()).toBe('');
    expect(lab.world.client.driver.deferLeaveMs).toBe(100);
    // ath_pci autocreated ath0 at boot, but nothing configured it: that was runtime state too
    expect(lab.world.client.vap).toEqual({ iface: 'ath0', radio: 'wifi0' });
    expect(lab.world.client.essid).toBeNull();
    expect(lab.world.client.up).toBe(false);
  });

  it('without ath_pci there is no wifi0: wlanconfig create fails; loading it autocreates ath0 (autocreate=none: not)', async () => {
    const { lab, session } = await rigUp();
    const dev = session.devices.client;
    expect((await dev.exec('rmmod wlan')).stderr).toMatch(/in use by/);
    expect((await dev.exec('wlanconfig ath0 destroy && rmmod ath_pci')).exitCode).toBe(0);
    expect(lab.world.client.vap).toBeNull();
    const create = await dev.exec('wlanconfig ath0 create wlandev wifi0 wlanmode sta');
    expect(create.exitCode).toBe(1);
    expect(create.stderr).toMatch(/No such device/);
    expect((await dev.exec('modprobe ath_pci')).exitCode).toBe(0); // madwifi's default: autocreate=sta
    expect((await dev.exec('iwconfig ath0')).stdout).toMatch(/^ath0 +IEEE 802\.11/);
    expect((await dev.exec('wlanconfig ath0 create wlandev wifi0 wlanmode sta')).stderr).toMatch(/File exists/);
    expect((await dev.exec('wlanconfig ath0 destroy && rmmod ath_pci && modprobe ath_pci autocreate=none')).exitCode).toBe(0);
    expect(lab.world.client.vap).toBeNull();
    expect((await dev.exec('wlanconfig ath0 create wlandev wifi0 wlanmode sta')).exitCode).toBe(0);
    expect((await dev.exec('insmod /tmp/nothing.ko')).stderr).toMatch(/can't read/);
    const bad = await dev.exec('cat > /tmp/x.ko && insmod /tmp/x.ko', { stdin: Buffer.from('\x7fELF garbage') });
    expect(bad.stderr).toMatch(/Invalid module format/);
  });

  it('when one board fails, the others are put back on what they ran (no mixed bench)', async () => {
    const { lab, session } = await rigUp();
    lab.kernel.ap2.faults.failInsmod('ath_pci', { variant: 'patched' });
    const err = await catchFlash(flashSession(session, { variant: 'patched' }));
    expect(err).toMatchObject({ device: 'ap2', step: 'load', rolledBackTo: 'stock' });
    expect(err.message).toMatch(/ap1 put back on stock/);
    expect(err.message).toMatch(/client put back on stock/);
    for (const d of ['ap1', 'ap2', 'client'] as DeviceName[]) await expectBoardOn(session.devices[d], 'stock');
  });

  it('flashDevice on a board in no known state (not loaded, flash damaged): no rollback, and it says so', async () => {
    const { lab, session } = await rigUp();
    const dev = session.devices.ap1;
    expect((await dev.exec('rmmod ath_pci && rmmod ath_rate_sample')).exitCode).toBe(0);
    expect((await dev.exec('cat > /lib/modules/2.6.16/net/wlan.ko', { stdin: 'damaged' })).exitCode).toBe(0);
    lab.kernel.ap1.faults.failInsmod('wlan', { variant: 'patched' });
    const err = await catchFlash(flashDevice(dev, { variant: 'patched', target: 'virtual', iface: 'ath0' }));
    expect(err).toMatchObject({ step: 'load', rolledBackTo: null });
    expect(err.message).toMatch(/not rolled back: the board ran no known variant before/);
  });
});
