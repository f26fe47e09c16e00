/**
 * madwifi as one implementation of the station and access-point roles, through the
 * session the roam and flash strategies use: link info, association events, a roam on
 * command, an AP's station list. The parser's inputs are written from the tools' printf
 * formats (madwifi tools/wlanconfig.c list_stations()), not from the virtual rig's output.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { provisionBench } from '../api/provision.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import type { AssociationEvent } from '../controllers/roles.ts';
import { parseWlanconfigStations } from '../controllers/madwifi/parse.ts';
import { stationDrivers } from '../controllers/drivers.ts';
import { ConfigError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

describe('wlanconfig athN list sta', () => {
  it('reads the MAC of each station; columns after it may differ between madwifi releases', () => {
    const text = [
      'ADDR               AID CHAN RATE RSSI  DBM  IDLE  TXSEQ  TXFRAG  RXSEQ  RXFRAG CAPS ACAPS ERP    STATE     MODE',
      '00:0b:6b:0a:00:02    1    6  54M   43  -52     0     20       0  37216       0 EPs              0       27   Normal',
      '00:0b:6b:0a:00:07    2    6  11M   12  -83    15      3       0    118       0 Es               0       27   Normal',
      '                   UAPSD QoSInfo: 0x0f, (VO,VI,BE,BK) = (1,1,1,1), MaxSpLimit = NoLimit',
    ].join('\n');
    expect(parseWlanconfigStations(text)).toEqual(['00:0B:6B:0A:00:02', '00:0B:6B:0A:00:07']);
    const older = 'ADDR               AID CHAN RATE RSSI IDLE  TXSEQ  RXSEQ CAPS ACAPS ERP    STATE   MODE\n00:0b:6b:0a:00:02    1    6  54M   43    0     20  37216 EPs          0       27 Normal\n';
    expect(parseWlanconfigStations(older)).toEqual(['00:0B:6B:0A:00:02']);
  });
  it('no station prints nothing; anything else is refused', () => {
    expect(parseWlanconfigStations('')).toEqual([]);
    expect(() => parseWlanconfigStations('wlanconfig: ioctl: No such device\n')).toThrow(/not wlanconfig list sta output/);
  });
});

let session: BenchSession | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

describe('the madwifi roles on the virtual bench', () => {
  it('station and access points: link, events, stations, a roam on command', async () => {
    const { bench } = selectBench(await loadInventory(inventoryCopy(tempDir())), 'virtual');
    session = await openBench(bench, { provision: provisionBench, timeScale: 100 });
    const s = session;
    expect(s.station.driver).toBe('madwifi');
    await Promise.all([s.setPath('ap1', 20), s.setPath('ap2', 20)]);
    const b1 = await s.aps.ap1.configure({ essid: bench.essid, channel: 1, psk: null });
    const b2 = await s.aps.ap2.configure({ essid: bench.essid, channel: 6, psk: null });
    expect((await s.aps.ap1.link()).bssid).toBe(b1);
    await s.station.configure({ essid: bench.essid, roaming: { ...bench.roaming }, psk: null });
    const on = await s.station.waitAssociated(s.clock, 60_000);
    const other = on === b1 ? b2 : b1;
    const [apOn, apOther] = on === b1 ? [s.aps.ap1, s.aps.ap2] : [s.aps.ap2, s.aps.ap1];
    const link = await s.station.link();
    expect(link).toMatchObject({ bssid: on, essid: bench.essid });
    expect(link.signalDbm).toBeLessThan(0);
    const clientMac = (await s.devices.client.exec('ifconfig ath0', { timeoutMs: 5000 })).stdout.match(/HWaddr (\S+)/)![1].toUpperCase();
    expect(await apOn.stations()).toEqual([clientMac]);
    expect(await apOther.stations()).toEqual([]);

    const events: AssociationEvent[] = [];
    const stream = s.station.watchAssociations(s.clock, (e) => events.push(e));
    await new Promise((r) => setTimeout(r, 100));
    await s.station.roamTo(other);
    await s.station.waitAssociated(s.clock, 30_000, [other]);
    for (let i = 0; i < 100 && !events.some((e) => e.bssid === other); i++) await new Promise((r) => setTimeout(r, 10));
    stream.stop();
    const join = events.find((e) => e.bssid === other)!;
    expect(join).toBeDefined();
    // stock: the leave (all-zero BSSID) comes first, then the join; times on the board's clock.
    const leave = events.find((e) => e.bssid === null);
    expect(leave && leave.atMs <= join.atMs).toBe(true);
    expect(Math.abs(join.atMs - s.clock.now())).toBeLessThan(60_000);
    expect(await apOther.stations()).toEqual([clientMac]);
  });

  it('an unknown station driver in the inventory is refused, naming the device and the drivers there are', async () => {
    expect(() => stationDrivers.create('broadcom-wl', { shell: null as never, iface: 'eth1', radio: 'phy0', commandTimeoutMs: 1 }, 'client')).toThrow(ConfigError);
    expect(() => stationDrivers.create('broadcom-wl', { shell: null as never, iface: 'eth1', radio: 'phy0', commandTimeoutMs: 1 }, 'client')).toThrow(
      /client: unknown station driver "broadcom-wl"; supported: madwifi/,
    );
  });
});
