/**
 * madwifi 0.9.3's background scan as net80211 runs it (rig/world/bg-scan.ts, the world's
 * `backgroundScan: 'net80211'`), on a manual clock: one channel per ieee80211_bg_scan()
 * call (IEEE80211_SCAN_OFFCHANNEL, 150 ms = 38 jiffies), a data frame during the slot
 * cancels it (ieee80211_hardstart() -> ieee80211_cancel_scan()) and is lost off-channel,
 * a cancelled slot sets ic_lastscan ("so any background scan will not be restarted for a
 * while"), and a pass continues only from beacons after iv_bgscanidle (250 ms) without data.
 *
 * The model's default is still the single 0.7 s scan (docs/virtual-rig.md, departures):
 * the last test shows why, with the ticket's ping -i 0.2 running.
 */
import { describe, expect, it } from 'vitest';
import { BEACON_INTERVAL_MS, SCAN_CHANNELS, type BgScanSlot } from '../../rig/world/bg-scan.ts';
import { ModelBench } from './helpers/world.ts';

const SLOT_MS = 38 * 4; // msecs_to_jiffies(150) at HZ 250

describe('net80211 background scan (model, manual clock)', () => {
  it('idle (no traffic): a pass starts from the roam check and continues on beacons, one channel per slot, to the end', () => {
    const b = new ModelBench({ variant: 'stock', seed: 81, backgroundScan: 'net80211' });
    b.associate();
    const c = b.world.client;
    const slots: BgScanSlot[] = [];
    c.bg.onSlotEnd = (s) => slots.push(s);
    const passStart = c.bg.lastScanMs;
    // the cache goes stale after scanvalid (20 s); the next sta_age() tick finds the station idle
    expect(b.until(() => slots.length === SCAN_CHANNELS.length, 60_000, 5)).toBe(true);
    expect(slots.map((s) => s.channel)).toEqual([...SCAN_CHANNELS]);
    expect(slots.every((s) => !s.cancelled)).toBe(true);
    expect(slots[0].startMs - passStart).toBeGreaterThan(20_000);
    for (const s of slots) {
      // one jiffy to start (scan_restart()), then a full slot on the channel
      expect(s.endMs - s.startMs).toBeGreaterThan(SLOT_MS);
      expect(s.endMs - s.startMs).toBeLessThanOrEqual(SLOT_MS + 4);
    }
    for (let i = 1; i < slots.length; i++) {
      // the next slot starts at a beacon of the AP once the radio is back (contbgscan())
      const gap = slots[i].startMs - slots[i - 1].endMs;
      expect(gap).toBeGreaterThan(0);
      expect(gap).toBeLessThanOrEqual(6 + BEACON_INTERVAL_MS);
    }
    // the pass is done: ic_lastscan at its end, IEEE80211_FEXT_BGSCAN cleared
    expect(c.bg.lastScanMs).toBe(slots.at(-1)!.endMs);
    expect(c.bg.fext).toBe(false);
  });

  it('with ping -i 0.2 a slot only starts from the roam check, a ping in it is lost and cancels it, and the cache counts as fresh', () => {
    const b = new ModelBench({ variant: 'stock', seed: 82, backgroundScan: 'net80211' });
    b.associate();
    const c = b.world.client;
    const slots: BgScanSlot[] = [];
    c.bg.onSlotEnd = (s) => slots.push(s);
    b.startPing();
    b.setAttenuation('ap1', 55); // below rssi11g (24): the roam check scans once the cache is stale
    b.world.groundTruth.beginCycle(1);
    b.run(200_000);
    const drops = b.finish()[0].drops;
    expect(slots.length).toBeGreaterThan(3);
    const epoch = b.epoch(0);
    let cancelled = 0;
    for (const [i, s] of slots.entries()) {
      // never idle for 250 ms: every slot is a sta_age() tick's, 15 s apart at least
      if (i > 0) expect(s.startMs - slots[i - 1].startMs).toBeGreaterThan(14_900);
      const lost = drops.filter((d) => d.reason === 'tx-off-channel' && d.atMs - epoch >= s.startMs && d.atMs - epoch <= s.endMs);
      if (s.cancelled && s.channel === null) {
        // cancelled in the jiffy before scan_next() left the channel: the ping went out fine
        expect(lost).toHaveLength(0);
      } else if (s.cancelled) {
        cancelled++;
        // the ping that cancelled it went out on the scan channel: lost; the slot ended at the next tick
        expect(lost).toHaveLength(1);
        expect(s.endMs - (lost[0].atMs - epoch)).toBeLessThanOrEqual(4.001);
      } else {
        expect(lost).toHaveLength(0);
        expect(s.endMs - s.startMs).toBeGreaterThan(SLOT_MS);
      }
    }
    expect(cancelled).toBeGreaterThan(0);
    // one channel per slot, in sta_start()'s order
    expect(slots.filter((s) => s.channel !== null).map((s) => s.channel)).toEqual(
      SCAN_CHANNELS.slice(0, slots.filter((s) => s.channel !== null).length),
    );
  });

  it('a cancelled slot sets ic_lastscan, so the next roam check decides with the cache instead of scanning', () => {
    const b = new ModelBench({ variant: 'stock', seed: 85, backgroundScan: 'net80211' });
    b.associate();
    const c = b.world.client;
    const slots: BgScanSlot[] = [];
    c.bg.onSlotEnd = (s) => slots.push(s);
    b.startPing();
    b.setAttenuation('ap1', 55);
    // The pings keep their phase against the roam check on one boot (docs/virtual-rig.md),
    // so whether a send falls in the check's 152 ms slot is the boot's: this seed's does.
    expect(b.until(() => slots.some((s) => s.cancelled), 300_000, 10)).toBe(true);
    const s = slots.find((x) => x.cancelled)!;
    expect(c.bg.lastScanMs).toBeGreaterThanOrEqual(s.endMs);
    // within scanvalid of it the roam check starts no slot
    const n = slots.length;
    b.run(20_000 - (b.now - s.endMs) - 1);
    expect(slots.length).toBe(n);
  });

  it('with ping -i 0.2 on the shipped profile, roams wait for the pass to reach the target\'s channel and lose pings to it', () => {
    const b = new ModelBench({ variant: 'patched', seed: 1404, backgroundScan: 'net80211' });
    b.associate();
    b.startPing();
    b.run(3000);
    let noRoam = 0;
    for (let i = 0; i < 30; i++) if (b.roam({ timeoutMs: 120_000 }).joinMs === undefined) noRoam++;
    const entries = b.finish();
    // one channel per 15 to 30 s, eleven channels: some crossfades end with no roam in 120 s
    expect(noRoam).toBeGreaterThan(0);
    // and the patched driver's cycles lose pings again, to the scan
    const lost = entries.map((e) => e.droppedSeqs.length);
    expect(Math.max(...lost)).toBeGreaterThan(1);
    const offChannel = entries.flatMap((e) => e.drops).filter((d) => d.reason === 'tx-off-channel');
    expect(offChannel.length).toBeGreaterThan(entries.length / 2);
  });
});
