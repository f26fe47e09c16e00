/**
 * nl80211 (iw + wpa_supplicant) as the second implementation of the station role,
 * through a real SSH session on the virtual bench whose client is `driver: nl80211`
 * (rig/device/nl80211-client-board.ts): configuration, link, association events from
 * `iw event -t`, a roam on command, the BSS table refreshed before a roam after it aged,
 * a FAIL from wpa_supplicant, and WPA-PSK.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { provisionBench } from '../api/provision.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import { stationDrivers } from '../controllers/drivers.ts';
import type { AssociationEvent } from '../controllers/roles.ts';
import { BenchError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

const PSK = 'nl80211 role test passphrase';

let session: BenchSession | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

/** The shipped bench (or virtual-wpa) with its client on nl80211: wlan0 on phy0. */
async function openNl80211Bench(benchName: 'virtual' | 'virtual-wpa') {
  const inv = inventoryCopy(tempDir(), (doc) => {
    doc.setIn(['benches', benchName, 'devices', 'client', 'driver'], 'nl80211');
    doc.setIn(['benches', benchName, 'devices', 'client', 'wireless'], doc.createNode({ interface: 'wlan0', radio: 'phy0' }));
  });
  const { bench } = selectBench(await loadInventory(inv), benchName);
  session = await openBench(bench, { provision: provisionBench, timeScale: 100 });
  return { bench, s: session };
}

/** Let `ms` of bench time pass (scale 100). */
const benchSleep = (s: BenchSession, ms: number) => s.clock.sleep(ms);

describe('the nl80211 station on the virtual bench', () => {
  it('configures wpa_supplicant, reports its link, streams its association events, roams on command', async () => {
    const { bench, s } = await openNl80211Bench('virtual');
    expect(s.station.driver).toBe('nl80211');
    await Promise.all([s.setPath('ap1', 20), s.setPath('ap2', 20)]);
    const b1 = await s.aps.ap1.configure({ essid: bench.essid, channel: 1, psk: null });
    const b2 = await s.aps.ap2.configure({ essid: bench.essid, channel: 6, psk: null });
    // madwifi's knobs come along from the inventory and must be ignored (the board has no iwpriv)
    await s.station.configure({ essid: bench.essid, roaming: { ...bench.roaming }, psk: null });
    const conf = await s.devices.client.exec('cat /tmp/rig-wpa_supplicant.conf', { timeoutMs: 5000 });
    expect(conf.stdout).toContain(`\tssid="${bench.essid}"\n\tkey_mgmt=NONE\n`);
    const on = await s.station.waitAssociated(s.clock, 60_000);
    expect([b1, b2]).toContain(on);
    const link = await s.station.link();
    expect(link).toMatchObject({ bssid: on, essid: bench.essid, channel: on === b1 ? 1 : 6 });
    expect(link.signalDbm).toBeLessThan(-30);
    const other = on === b1 ? b2 : b1;
    const [apOn, apOther] = on === b1 ? [s.aps.ap1, s.aps.ap2] : [s.aps.ap2, s.aps.ap1];
    const mac = /link\/ether (\S+)/.exec((await s.devices.client.exec('ip link show wlan0', { timeoutMs: 5000 })).stdout)![1].toUpperCase();
    expect(await apOn.stations()).toEqual([mac]);

    const events: AssociationEvent[] = [];
    const stream = s.station.watchAssociations(s.clock, (e) => events.push(e));
    await new Promise((r) => setTimeout(r, 100));
    const before = s.clock.now();
    await s.station.roamTo(other);
    expect(await s.station.waitAssociated(s.clock, 30_000, [other])).toBe(other);
    for (let i = 0; i < 100 && !events.some((e) => e.bssid === other); i++) await new Promise((r) => setTimeout(r, 10));
    stream.stop();
    // a leave (disconnected) then the join (connected to), on the board's clock, close to the bench's
    expect(events.map((e) => e.bssid)).toEqual([null, other]);
    const [leave, join] = events;
    expect(leave.atMs).toBeLessThanOrEqual(join.atMs);
    expect(join.atMs - leave.atMs).toBeLessThan(100); // authentication and association: tens of ms
    expect(join.atMs).toBeGreaterThan(before - 1000);
    // The event's own stamp is the board's clock; its arrival is on the bench clock, later by the SSH
    // delivery time times the time scale (a loaded machine: up to a few hundred real ms).
    expect(Math.abs(join.atMs - join.arrivedMs)).toBeLessThan(250 * s.clock.scale);
    expect(await apOther.stations()).toEqual([mac]);
    // The old AP is not told the station left (mac80211: ieee80211_mgd_auth() tears the old link
    // down with ieee80211_set_disassoc(..., tx=false)): it keeps it until its inactivity timer.
    expect(await apOn.stations()).toEqual([mac]);
  });

  it('ROAM on an aging BSS table: the driver rescans after 30 s, the station scans itself once wpa_supplicant forgot the AP; an AP never heard is a FAIL', async () => {
    const { bench, s } = await openNl80211Bench('virtual');
    await Promise.all([s.setPath('ap1', 20), s.setPath('ap2', 20)]);
    const b1 = await s.aps.ap1.configure({ essid: bench.essid, channel: 1, psk: null });
    const b2 = await s.aps.ap2.configure({ essid: bench.essid, channel: 6, psk: null });
    await s.station.configure({ essid: bench.essid, roaming: {}, psk: null });
    const on = await s.station.waitAssociated(s.clock, 60_000);
    const other = on === b1 ? b2 : b1;
    const exec = async (cmd: string): Promise<string> => (await s.devices.client.exec(cmd, { timeoutMs: 5000 })).stdout;
    const age = async (bssid: string): Promise<number> => Number(/^age=(\d+)$/m.exec(await exec(`wpa_cli -i wlan0 bss ${bssid}`))?.[1]);

    // 60 s: past cfg80211's 30 s, inside wpa_supplicant's 180 s. ROAM says OK; the driver
    // scans the target's channel before authenticating (the entries' age starts again).
    await benchSleep(s, 60_000);
    expect(await age(on)).toBeGreaterThanOrEqual(60);
    expect(await exec(`wpa_cli -i wlan0 roam ${other}`)).toBe('OK\n');
    expect(await s.station.waitAssociated(s.clock, 30_000, [other])).toBe(other);
    expect(await age(on)).toBeLessThan(5);

    // 200 s more without a scan: past bss_expiration_age (180 s), the AP we left is gone from the table
    await benchSleep(s, 200_000);
    expect(await exec(`wpa_cli -i wlan0 bss ${on}`)).toBe('');
    expect(await exec(`wpa_cli -i wlan0 roam ${on}`)).toBe('FAIL\n'); // what the station would get without its own scan
    await s.station.roamTo(on);
    expect(await s.station.waitAssociated(s.clock, 30_000, [on])).toBe(on);

    const err = await s.station.roamTo('02:00:00:00:00:99').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).message).toMatch(/^client: `wpa_cli -i wlan0 roam 02:00:00:00:00:99` answered FAIL: 02:00:00:00:00:99 is not in wpa_supplicant's BSS table/);
    expect((await s.station.link()).bssid).toBe(on);
  });

  it('WPA-PSK: the passphrase reaches wpa_supplicant through stdin, the 4-way handshake completes', async () => {
    const { bench, s } = await openNl80211Bench('virtual-wpa');
    await Promise.all([s.setPath('ap1', 20), s.setPath('ap2', 60)]);
    const b1 = await s.aps.ap1.configure({ essid: bench.essid, channel: 1, psk: PSK });
    await s.aps.ap2.configure({ essid: bench.essid, channel: 6, psk: PSK });
    await s.station.configure({ essid: bench.essid, roaming: { ...bench.roaming }, psk: PSK });
    const ps = await s.devices.client.exec('ps', { timeoutMs: 5000 });
    expect(ps.stdout).toMatch(/wpa_supplicant -B -i wlan0 -c \/tmp\/rig-wpa_supplicant.conf -D nl80211/);
    expect(ps.stdout).not.toContain(PSK);
    expect(await s.station.waitAssociated(s.clock, 60_000, [b1])).toBe(b1);
    let status = '';
    for (let i = 0; i < 50 && !/wpa_state=COMPLETED/.test(status); i++) {
      status = (await s.devices.client.exec('wpa_cli -i wlan0 status', { timeoutMs: 5000 })).stdout;
      await benchSleep(s, 500);
    }
    expect(status).toMatch(/key_mgmt=WPA-PSK/);
    expect(status).toMatch(/wpa_state=COMPLETED/);
  });

  it('a power cycle (no madwifi kernel on this board): SSH dark while off, wpa_supplicant and the association gone after, configure brings it back', async () => {
    const inv = inventoryCopy(tempDir(), (doc) => {
      doc.setIn(['benches', 'virtual', 'devices', 'client', 'driver'], 'nl80211');
      doc.setIn(['benches', 'virtual', 'devices', 'client', 'wireless'], doc.createNode({ interface: 'wlan0', radio: 'phy0' }));
      doc.setIn(['benches', 'virtual', 'devices', 'client', 'power'], { driver: 'gude', address: '127.0.0.1:0', outlet: 3 }); // the shipped bench's outlets: ap1 1, ap2 2, client 3
    });
    const { bench } = selectBench(await loadInventory(inv), 'virtual');
    session = await openBench(bench, { provision: provisionBench, timeScale: 100 });
    const s = session;
    await Promise.all([s.setPath('ap1', 20), s.setPath('ap2', 60)]);
    const b1 = await s.aps.ap1.configure({ essid: bench.essid, channel: 1, psk: null });
    await s.aps.ap2.configure({ essid: bench.essid, channel: 6, psk: null });
    await s.station.configure({ essid: bench.essid, roaming: {}, psk: null });
    expect(await s.station.waitAssociated(s.clock, 60_000, [b1])).toBe(b1);
    await s.clock.sleep(60_000);
    const uptime = async (): Promise<number> => Number((await s.devices.client.exec('cat /proc/uptime', { timeoutMs: 5000 })).stdout.split(/\s+/)[0]);
    const before = await uptime();
    expect(before).toBeGreaterThan(50);
    expect((await s.devices.client.exec('lsmod', { timeoutMs: 5000 })).exitCode).toBe(127); // no madwifi kernel tools here

    await s.power.client!.off();
    for (let i = 0; i < 50 && s.devices.client.connected; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.devices.client.connected).toBe(false);
    expect(await s.aps.ap1.stations()).toEqual([]); // the station is gone from the AP too
    await s.power.client!.on();
    await s.reconnect('client');
    expect(await uptime()).toBeLessThan(before);
    expect((await s.station.link()).bssid).toBeNull();
    expect((await s.devices.client.exec('wpa_cli -i wlan0 status', { timeoutMs: 5000 })).exitCode).not.toBe(0);
    await s.station.configure({ essid: bench.essid, roaming: {}, psk: null });
    expect(await s.station.waitAssociated(s.clock, 60_000, [b1])).toBe(b1);
  });

  it('is registered under its driver name beside madwifi', () => {
    expect(stationDrivers.names()).toEqual(['madwifi', 'nl80211']);
    const st = stationDrivers.create('nl80211', { shell: { name: 'client' } as never, iface: 'wlan0', radio: 'phy0', commandTimeoutMs: 1000 }, 'client');
    expect(st.driver).toBe('nl80211');
  });
});
