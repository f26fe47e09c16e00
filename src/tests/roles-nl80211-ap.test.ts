/**
 * nl80211 (hostapd + hostapd_cli + iw) as the second implementation of the access point
 * role, through real SSH sessions on the shipped `virtual-nl80211` bench
 * (rig/device/nl80211-ap-board.ts): configuration through stdin with the passphrase kept off
 * command lines, a second configure replacing the first hostapd (its own pid file, no
 * killall), link and stations from hostapd_cli, a BSS transition request the client follows,
 * FAIL for a station the AP does not have, the transmit power set and read back, and the
 * errors naming the device and the command.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { provisionBench } from '../api/provision.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import { Nl80211AccessPoint } from '../controllers/nl80211/access-point.ts';
import type { AssociationEvent } from '../controllers/roles.ts';
import { BenchError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

const PSK = 'nl80211 ap role passphrase';

let session: BenchSession | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

async function openApBench() {
  const inv = inventoryCopy(tempDir());
  const { bench } = selectBench(await loadInventory(inv), 'virtual-nl80211');
  session = await openBench(bench, { provision: provisionBench, timeScale: 100 });
  return { bench, s: session };
}

describe('the nl80211 access point on the virtual bench', () => {
  it('configures hostapd, reports its link and stations, sends a BSS transition request the client follows', async () => {
    const { bench, s } = await openApBench();
    expect(s.aps.ap1.driver).toBe('nl80211');
    await Promise.all([s.setPath('ap1', 20), s.setPath('ap2', 20)]);
    const b1 = await s.aps.ap1.configure({ essid: bench.essid, channel: 1, psk: PSK });
    const b2 = await s.aps.ap2.configure({ essid: bench.essid, channel: 6, psk: PSK });
    expect([b1, b2]).toEqual(['00:03:7F:0A:00:01', '00:03:7F:0A:00:02']);
    // the configuration, per interface, with the passphrase; never on hostapd's command line
    const conf = (await s.devices.ap1.exec('cat /tmp/rig-hostapd-wlan0.conf', { timeoutMs: 5000 })).stdout;
    expect(conf).toContain('interface=wlan0\ndriver=nl80211\nctrl_interface=/var/run/hostapd\nssid=rig-roam\nhw_mode=g\nchannel=1\nbss_transition=1\nwpa=2\n');
    const ps = (await s.devices.ap1.exec('ps', { timeoutMs: 5000 })).stdout;
    expect(ps).toMatch(/hostapd -B -P \/tmp\/rig-hostapd-wlan0\.pid \/tmp\/rig-hostapd-wlan0\.conf/);
    expect(ps).not.toContain(PSK);
    expect(await s.aps.ap1.link()).toEqual({ bssid: b1, essid: bench.essid, signalDbm: null, channel: 1 });

    // configure again (a recovery does): the first hostapd is stopped, exactly one runs
    expect(await s.aps.ap1.configure({ essid: bench.essid, channel: 1, psk: PSK })).toBe(b1);
    const again = (await s.devices.ap1.exec('ps', { timeoutMs: 5000 })).stdout;
    expect(again.match(/hostapd -B/g)).toHaveLength(1);

    await s.station.configure({ essid: bench.essid, roaming: {}, psk: PSK });
    const on = await s.station.waitAssociated(s.clock, 60_000);
    const [apOn, other, otherChannel] = on === b1 ? [s.aps.ap1, b2, 6] : [s.aps.ap2, b1, 1];
    const mac = /address=(\S+)/.exec((await s.devices.client.exec('wpa_cli -i wlan0 status', { timeoutMs: 5000 })).stdout)![1].toUpperCase();
    let listed: string[] = [];
    for (let i = 0; i < 50 && listed.length === 0; i++) {
      listed = await apOn.stations();
      if (listed.length === 0) await s.clock.sleep(200);
    }
    expect(listed).toEqual([mac]);

    await apOn.requestTransition!(mac, { bssid: other, channel: otherChannel });
    expect(await s.station.waitAssociated(s.clock, 30_000, [other])).toBe(other);

    // a station the AP does not have: hostapd answers FAIL, the error names device, command and why
    const err = await apOn.requestTransition!('02:00:00:00:00:99', { bssid: other, channel: otherChannel }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).message).toMatch(/^ap[12]: `hostapd_cli -p \/var\/run\/hostapd -i wlan0 bss_tm_req 02:00:00:00:00:99 neighbor=00:03:7f:0a:00:0[12],0x0000,81,(1|6),6 pref=1 disassoc_imminent=1` answered FAIL: hostapd has no station/);
  });

  it('the station\'s events from wpa_supplicant\'s own log (wireless.events: wpa_supplicant): a WPA2 roam is a leave at the authentication and a join at the association, stamped by the board', async () => {
    const { bench, s } = await openApBench();
    await Promise.all([s.setPath('ap1', 20), s.setPath('ap2', 60)]);
    const b1 = await s.aps.ap1.configure({ essid: bench.essid, channel: 1, psk: PSK });
    const b2 = await s.aps.ap2.configure({ essid: bench.essid, channel: 6, psk: PSK });
    await s.station.configure({ essid: bench.essid, roaming: {}, psk: PSK });
    expect((await s.devices.client.exec('ps', { timeoutMs: 5000 })).stdout).toMatch(/wpa_supplicant -B -i wlan0 -c \/tmp\/rig-wpa_supplicant\.conf -D nl80211 -t -f \/tmp\/rig-wpa_supplicant\.log/);
    expect(await s.station.waitAssociated(s.clock, 60_000, [b1])).toBe(b1);
    await s.setPath('ap2', 20);
    const events: AssociationEvent[] = [];
    const stream = s.station.watchAssociations(s.clock, (e) => events.push(e));
    await new Promise((r) => setTimeout(r, 100));
    const before = s.clock.now();
    await s.station.roamTo(b2);
    expect(await s.station.waitAssociated(s.clock, 30_000, [b2])).toBe(b2);
    for (let i = 0; i < 100 && !events.some((e) => e.bssid === b2); i++) await new Promise((r) => setTimeout(r, 10));
    stream.stop();
    expect(events.map((e) => e.bssid)).toEqual([null, b2]);
    const [leave, join] = events;
    expect(join.atMs - leave.atMs).toBeGreaterThanOrEqual(0);
    expect(join.atMs).toBeGreaterThan(before - 1000);
    // the log itself: authentication, association, then (WPA2) the keys and the connection
    const log = (await s.devices.client.exec('cat /tmp/rig-wpa_supplicant.log', { timeoutMs: 5000 })).stdout;
    // Stamped by the board: the leave is the authentication line's stamp, the join the association's (to the microsecond).
    const stampOf = (re: RegExp): number => Number(log.split('\n').filter((l) => re.test(l)).at(-1)!.split(':')[0]) * 1000;
    expect(leave.atMs).toBeCloseTo(stampOf(new RegExp(`SME: Trying to authenticate with ${b2.toLowerCase()}`)), 2);
    expect(join.atMs).toBeCloseTo(stampOf(new RegExp(`Associated with ${b2.toLowerCase()}`)), 2);
    const tail = log.split('\n').filter((l) => l.includes(b2.toLowerCase())).map((l) => l.replace(/^\d+\.\d{6}: wlan0: /, '').replace(/ \(SSID=.*$/, ''));
    expect(tail.slice(-5)).toEqual([
      `SME: Trying to authenticate with ${b2.toLowerCase()}`,
      `Trying to associate with ${b2.toLowerCase()}`,
      `Associated with ${b2.toLowerCase()}`,
      `WPA: Key negotiation completed with ${b2.toLowerCase()} [PTK=CCMP GTK=CCMP]`,
      `CTRL-EVENT-CONNECTED - Connection to ${b2.toLowerCase()} completed [id=0 id_str=]`,
    ]);
  });

  it('transmit power: set in whole dBm and read back, capped at the channel maximum (hwsim: 20 dBm)', async () => {
    const { bench, s } = await openApBench();
    await s.aps.ap2.configure({ essid: bench.essid, channel: 6, psk: null });
    expect(await s.aps.ap2.setTxPower!(7)).toBe(7);
    expect((await s.devices.ap2.exec('iw dev wlan0 info', { timeoutMs: 5000 })).stdout).toContain('\ttxpower 7.00 dBm\n');
    expect(await s.aps.ap2.setTxPower!(25)).toBe(20);
    await expect(s.aps.ap2.setTxPower!(2.5)).rejects.toThrow(/whole dBm 0\.\.30/);
  });

  it('hostapd refusing to start: the error names the device, the command and hostapd\'s own reason, not its last words', async () => {
    const { bench, s } = await openApBench();
    const wrong = new Nl80211AccessPoint(s.devices.ap1, { iface: 'wlan7', radio: 'phy0', commandTimeoutMs: 5000 });
    const err = await wrong.configure({ essid: bench.essid, channel: 1, psk: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).message).toBe(
      "ap1: `hostapd -B -P /tmp/rig-hostapd-wlan7.pid /tmp/rig-hostapd-wlan7.conf` failed (exit 1): Could not read interface wlan7 flags: No such device / nl80211 driver initialization failed.",
    );
  });

  it('hostapd not running: hostapd_cli cannot connect, and the error says so naming the device and the command', async () => {
    const { s } = await openApBench();
    const err = await s.aps.ap1.link().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).message).toMatch(/^ap1: `hostapd_cli -p \/var\/run\/hostapd -i wlan0 status` failed \(exit 255\): Failed to connect to hostapd - wpa_ctrl_open: No such file or directory/);
  });
});
