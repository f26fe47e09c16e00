/**
 * The virtual rig's model of a current Linux client (rig/world: `client.stack:
 * 'nl80211'`), on a manual model clock:
 *
 * - linkwatch of a current kernel (net/core/link_watch.c): carrier-on while the queue is
 *   deactivated is urgent (linkwatch_urgent_event(): running, carrier ok,
 *   qdisc_tx_changing()), so linkwatch_schedule_work() runs it at once instead of at
 *   linkwatch_nextevent; the urgent-only run leaves the one-second limit in place for
 *   everything else. 2.6.16 (the madwifi board) has none of it.
 * - The station roams only when told (wpa_supplicant does not roam away from a good AP),
 *   and a commanded roam's blackout after the association is keventd's latency only.
 */
import { describe, expect, it } from 'vitest';
import { ModelClock, Scheduler } from '../../rig/world/clock.ts';
import { LinkWatch } from '../../rig/world/linkwatch.ts';
import { World } from '../../rig/world/world.ts';
import { BSSID, ESSID, ModelBench } from './helpers/world.ts';

const LATENCY_MS = 2;

interface Run {
  atMs: number;
  carrierOk: boolean;
  activated: boolean;
  deactivated: boolean;
}

function linkwatch(urgentCarrierOn: boolean) {
  const sched = new Scheduler(new ModelClock(1, true));
  const runs: Run[] = [];
  const lw = new LinkWatch(sched, () => LATENCY_MS, (r) => runs.push(r), { urgentCarrierOn });
  lw.interfaceUp();
  lw.setCarrier(true);
  sched.runUntil(10_000);
  runs.length = 0;
  return { lw, runs, at: (t: number) => sched.runUntil(t) };
}

describe('linkwatch of a current kernel (urgent carrier-on)', () => {
  it('carrier-on 20 ms after carrier-off reactivates the queue after keventd\'s latency, not a second later', () => {
    for (const urgent of [true, false]) {
      const { lw, runs, at } = linkwatch(urgent);
      lw.setCarrier(false);
      at(10_020);
      expect(lw.qdiscActive).toBe(false);
      lw.setCarrier(true);
      at(10_020 + LATENCY_MS);
      // current kernel: back at once; 2.6.16: still on the noop qdisc until linkwatch_nextevent
      expect(lw.qdiscActive, `urgentCarrierOn ${urgent}`).toBe(urgent);
      at(12_000);
      expect(runs.map((r) => [r.atMs, r.deactivated, r.activated])).toEqual([
        [10_000 + LATENCY_MS, true, false],
        [urgent ? 10_020 + LATENCY_MS : 11_000 + LATENCY_MS, false, true],
      ]);
    }
  });

  it('the urgent run does not restart the one-second limit: a carrier-off in that second still waits for linkwatch_nextevent', () => {
    const { lw, runs, at } = linkwatch(true);
    lw.setCarrier(false); // run at 10_002, next non-urgent run not before 11_002
    at(10_020);
    lw.setCarrier(true); // urgent: 10_022
    at(10_100);
    lw.setCarrier(false); // not urgent (no carrier): waits for 11_002
    at(11_001);
    expect(lw.qdiscActive).toBe(true);
    at(11_002);
    expect(lw.qdiscActive).toBe(false);
    expect(runs.map((r) => r.atMs)).toEqual([10_002, 10_022, 11_002]);
  });

  it('carrier-on is urgent only while the queue is down: an off and an on before the off was handled still coalesce', () => {
    const { lw, runs, at } = linkwatch(true);
    lw.setCarrier(false);
    at(10_000 + LATENCY_MS / 2);
    lw.setCarrier(true); // the queue was never deactivated: nothing urgent, one run that sees the carrier up
    at(12_000);
    expect(runs).toEqual([{ atMs: 10_000 + LATENCY_MS, carrierOk: true, activated: false, deactivated: false }]);
  });

  it('a device that is not running has no urgent events (dev_open() activates it later)', () => {
    const sched = new Scheduler(new ModelClock(1, true));
    const runs: Run[] = [];
    const lw = new LinkWatch(sched, () => LATENCY_MS, (r) => runs.push(r), { urgentCarrierOn: true });
    lw.setCarrier(true);
    lw.setCarrier(false);
    sched.runUntil(500);
    lw.setCarrier(true); // inside the second after the first run, not running: waits
    sched.runUntil(900);
    expect(runs.map((r) => r.atMs)).toEqual([LATENCY_MS]);
  });
});

/** The nl80211 client in the model: interface up and wpa_supplicant started, as the virtual board does it. */
function nl80211Bench(seed: number) {
  const world = new World({
    seed,
    timeScale: 1,
    manualClock: true,
    epochBaseMs: 1_700_000_000_000,
    accessPoints: [
      { name: 'ap1', bssid: BSSID.ap1, txPowerDbm: 18 },
      { name: 'ap2', bssid: BSSID.ap2, txPowerDbm: 18 },
    ],
    paths: [
      { ap: 'ap1', fixedLossDb: 40, attenuationDb: 20 },
      { ap: 'ap2', fixedLossDb: 40, attenuationDb: 60 },
    ],
    client: { name: 'client', mac: '00:03:7F:0C:00:01', variant: 'stock', stack: 'nl80211' },
  });
  world.ap('ap1').channel = 1;
  world.ap('ap2').channel = 6;
  for (const ap of world.accessPoints) {
    ap.vap = { iface: 'ath0', radio: 'wifi0' };
    ap.essid = ESSID;
    ap.up = true;
  }
  const c = world.client;
  c.createVap('wlan0', 'phy0');
  c.ifUp();
  c.startSupplicant({ ssid: ESSID, psk: null });
  const until = (cond: () => boolean, maxMs: number): boolean => {
    const end = world.sched.now() + maxMs;
    while (!cond() && world.sched.now() < end) world.sched.runUntil(Math.min(end, world.sched.now() + 5));
    return cond();
  };
  return { world, c, until };
}

describe('the nl80211 client in the world model', () => {
  it('roams only when told: ap1 fading to the bottom of the range for two minutes does not move it', () => {
    const { world, c, until } = nl80211Bench(11);
    expect(until(() => c.state === 'RUN' && c.bss?.bssid === BSSID.ap1, 10_000)).toBe(true);
    world.setAttenuation('ap2', 20);
    world.setAttenuation('ap1', 50); // -72 dBm: weak, still heard
    world.sched.runUntil(world.sched.now() + 120_000);
    expect(c.bss?.bssid).toBe(BSSID.ap1);
    // the same fade moves the stock madwifi client (its sta_age() roam check)
    const madwifi = new ModelBench({ variant: 'stock', seed: 11, minDb: 20, maxDb: 50 });
    madwifi.associate();
    madwifi.setAttenuation('ap2', 20);
    madwifi.setAttenuation('ap1', 50);
    expect(madwifi.until(() => madwifi.world.client.bss?.bssid === BSSID.ap2, 120_000)).toBe(true);
  });

  it('a commanded roam: carrier off at the leave, on at the join, the queue back within keventd\'s latency (no 1 s blackout)', () => {
    const { world, c, until } = nl80211Bench(5);
    world.setAttenuation('ap2', 20);
    expect(until(() => c.state === 'RUN', 10_000)).toBe(true);
    world.sched.runUntil(world.sched.now() + 3000);
    for (let i = 1; i <= 6; i++) {
      world.groundTruth.beginCycle(i);
      const to = c.bss?.bssid === BSSID.ap1 ? BSSID.ap2 : BSSID.ap1;
      c.setDesiredBssid(to);
      expect(until(() => c.state === 'RUN' && c.bss?.bssid === to, 1000)).toBe(true);
      world.sched.runUntil(world.sched.now() + 3000);
    }
    world.stop();
    const roams = world.groundTruth.entries.filter((e) => e.index > 0).flatMap((e) => e.roams);
    expect(roams).toHaveLength(6);
    for (const r of roams) {
      expect(r.deferredLeave).toBeNull();
      expect(r.carrierOffMs).toBe(r.tLeaveMs);
      expect(r.carrierOnMs).toBe(r.tJoinMs);
      expect(r.tJoinMs - r.tLeaveMs).toBeLessThan(100);
      expect(r.qdiscOffMs! - r.carrierOffMs!).toBeLessThan(3.001);
      // the stock madwifi client waits ~1 s here (world-linkwatch.test.ts); this one keventd's latency
      expect(r.qdiscOnMs! - r.tJoinMs).toBeGreaterThanOrEqual(0);
      expect(r.qdiscOnMs! - r.tJoinMs).toBeLessThan(3.001);
    }
  });
});
