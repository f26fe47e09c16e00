/**
 * A power switch role on the virtual bench: the bench gives every board an outlet on
 * a virtual Gude PDU (`power:` in the inventory); the rig's Gude driver (through the session, opened with
 * the virtual rig's provisioner) really cuts the board's power: SSH goes dark, the
 * radio and everything held at runtime are gone; on again, the board boots what its
 * flash holds, with a fresh uptime.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { provisionBench } from '../api/provision.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import { SshDevice } from '../controllers/ssh/ssh-device.ts';
import { BenchError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { sshOptionsFor } from '../bench/ssh-options.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

/** The shipped virtual bench with every board on an outlet of one virtual Gude unit. */
async function benchWithPower() {
  const inv = inventoryCopy(tempDir(), (doc) => {
    (['ap1', 'ap2', 'client'] as const).forEach((d, i) => doc.setIn(['benches', 'virtual', 'devices', d, 'power'], { driver: 'gude', address: '127.0.0.1:0', outlet: i + 1 }));
  });
  return selectBench(await loadInventory(inv), 'virtual').bench;
}

let session: BenchSession | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

async function uptimeS(s: BenchSession): Promise<number> {
  const r = await s.devices.client.exec('cat /proc/uptime', { timeoutMs: 5000 });
  return Number(r.stdout.split(/\s+/)[0]);
}

describe('power switch role against the virtual PDU', () => {
  it('off cuts the client board (SSH refused, radio gone); on boots it again with its flash and a fresh uptime', async () => {
    const bench = await benchWithPower();
    session = await openBench(bench, { provision: provisionBench, timeScale: 100 });
    const s = session;
    const sw = s.power.client!;
    expect(sw.driver).toBe('gude');
    expect(Object.keys(s.power).sort()).toEqual(['ap1', 'ap2', 'client']);
    expect(await sw.state()).toBe('on');
    // Let the board run a while (model time) so a fresh uptime is visibly smaller.
    await s.clock.sleep(60_000);
    const before = await uptimeS(s);
    expect(before).toBeGreaterThan(50);
    expect((await s.devices.client.exec('iwconfig ath0', { timeoutMs: 5000 })).exitCode).toBe(0);

    await sw.off();
    expect(await sw.state()).toBe('off');
    // The connection drops; a new one is refused for as long as the power is off.
    for (let i = 0; i < 50 && s.devices.client.connected; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.devices.client.connected).toBe(false);
    const refused = await SshDevice.connect({ ...sshOptionsFor(bench, 'client', s.provisioned?.endpoints), connectDeadlineMs: 1500 }).then(
      (d) => (void d.close(), null),
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(BenchError);
    expect((refused as BenchError).code).toBe('E_CONNECT');
    // The other boards are not on that outlet.
    expect((await s.devices.ap1.exec('true', { timeoutMs: 5000 })).exitCode).toBe(0);

    await sw.on();
    await s.reconnect('client');
    const after = await uptimeS(s);
    expect(after).toBeLessThan(before);
    const lsmod = (await s.devices.client.exec('lsmod', { timeoutMs: 5000 })).stdout;
    expect(lsmod).toMatch(/^ath_pci\s/m);
    expect((await s.devices.client.exec('dmesg', { timeoutMs: 5000 })).stdout).toMatch(/Linux version 2\.6\.16/);
    // Runtime configuration is gone: the VAP is the one ath_pci autocreates, with no ESSID set.
    const link = await s.station.link();
    expect(link.bssid).toBeNull();
  });

  it('a cycle through the role: off, a pause, on, read back on', async () => {
    session = await openBench(await benchWithPower(), { provision: provisionBench, timeScale: 100 });
    await session.power.ap2!.cycle(50);
    expect(await session.power.ap2!.state()).toBe('on');
    await session.reconnect('ap2');
    expect((await session.devices.ap2.exec('true', { timeoutMs: 5000 })).exitCode).toBe(0);
  });
});
