/**
 * Linux 2.6.16 linkwatch as the virtual rig models it (rig/world/linkwatch.ts), on a
 * manual model clock: at most one event run per second, carrier-on inside that second
 * waits for the rest of it (the ticket's ~1 s blackout), and an off+on that both land
 * before the pending work runs coalesce (no blackout at all).
 */
import { describe, expect, it, vi } from 'vitest';
import { ModelClock, Scheduler } from '../../rig/world/clock.ts';
import { LinkWatch, LinkWatchQueue } from '../../rig/world/linkwatch.ts';
import { BSSID, ModelBench } from './helpers/world.ts';

interface Run {
  atMs: number;
  carrierOk: boolean;
  activated: boolean;
  deactivated: boolean;
}

const LATENCY_MS = 2; // keventd picking the work up

function setup(): { sched: Scheduler; lw: LinkWatch; runs: Run[]; at: (t: number) => void } {
  const sched = new Scheduler(new ModelClock(1, true));
  const runs: Run[] = [];
  const lw = new LinkWatch(sched, () => LATENCY_MS, (r) => runs.push(r));
  return { sched, lw, runs, at: (t) => sched.runUntil(t) };
}

/** A device that came up long ago: carrier on and the qdisc active, the last linkwatch run far in the past. */
function upLongAgo(): ReturnType<typeof setup> {
  const s = setup();
  s.lw.interfaceUp();
  s.lw.setCarrier(true);
  s.at(10_000);
  expect(s.lw.qdiscActive).toBe(true);
  s.runs.length = 0;
  return s;
}

describe('linkwatch (2.6.16) in the model', () => {
  it('a carrier change after a quiet second is processed at once (keventd latency only)', () => {
    const { lw, runs, at } = upLongAgo();
    lw.setCarrier(false);
    expect(lw.qdiscActive).toBe(true); // nothing happens synchronously: the work is queued
    at(10_000 + LATENCY_MS);
    expect(runs).toEqual([{ atMs: 10_000 + LATENCY_MS, carrierOk: false, activated: false, deactivated: true }]);
    expect(lw.qdiscActive).toBe(false); // noop qdisc: every transmitted packet is freed
  });

  it('processes at most one event per second', () => {
    const { lw, runs, at } = upLongAgo();
    // off, on, off, on, each 300 ms apart: four carrier changes in 0.9 s
    for (let i = 0; i < 4; i++) {
      lw.setCarrier(i % 2 === 1);
      at(10_000 + 300 * (i + 1));
    }
    at(20_000);
    const times = runs.map((r) => r.atMs);
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
    // the first run came at once, the next exactly one second after it (linkwatch_nextevent = jiffies + HZ)
    expect(times[0]).toBe(10_000 + LATENCY_MS);
    expect(times[1]).toBe(times[0] + 1000);
    expect(lw.carrierOk).toBe(true);
    expect(lw.qdiscActive).toBe(true);
  });

  it('carrier-on within a second of carrier-off waits for the rest of the second: ~1 s transmit blackout', () => {
    const { lw, runs, at } = upLongAgo();
    lw.setCarrier(false); // ieee80211_notify_node_leave()
    at(10_020);
    expect(lw.qdiscActive).toBe(false);
    lw.setCarrier(true); // ieee80211_notify_node_join(), 20 ms later
    at(10_999);
    expect(lw.carrierOk).toBe(true);
    expect(lw.qdiscActive).toBe(false); // carrier is on, the data path is still dead
    at(10_000 + LATENCY_MS + 1000);
    expect(lw.qdiscActive).toBe(true);
    expect(runs.map((r) => [r.atMs, r.deactivated, r.activated])).toEqual([
      [10_000 + LATENCY_MS, true, false],
      [10_000 + LATENCY_MS + 1000, false, true],
    ]);
    const blackoutAfterOn = runs[1].atMs - 10_020;
    expect(blackoutAfterOn).toBeGreaterThan(950);
    expect(blackoutAfterOn).toBeLessThanOrEqual(1000);
  });

  it('off and on before the pending work runs coalesce: one run, no blackout', () => {
    const { lw, runs, at } = upLongAgo();
    lw.setCarrier(false);
    at(10_000 + LATENCY_MS / 2);
    lw.setCarrier(true); // before the work queued by the off has run
    at(12_000);
    expect(runs).toEqual([{ atMs: 10_000 + LATENCY_MS, carrierOk: true, activated: false, deactivated: false }]);
    expect(lw.qdiscActive).toBe(true);
  });

  it('a carrier change inside the second after a run is coalesced with the next change in that second', () => {
    const { lw, runs, at } = upLongAgo();
    lw.setCarrier(false);
    at(10_100); // the off ran at 10_002; the next run cannot come before 11_002
    lw.setCarrier(true);
    at(10_200);
    lw.setCarrier(false);
    at(10_300);
    lw.setCarrier(true);
    at(12_000);
    // on, off, on in the same second: one pending work, it sees the final state only
    expect(runs.map((r) => r.atMs)).toEqual([10_000 + LATENCY_MS, 11_000 + LATENCY_MS]);
    expect(runs[1]).toMatchObject({ carrierOk: true, activated: true });
  });

  it('interface down deactivates at once; up activates only with carrier', () => {
    const { lw } = upLongAgo();
    lw.interfaceDown();
    expect(lw.qdiscActive).toBe(false);
    lw.interfaceUp();
    expect(lw.qdiscActive).toBe(true);
    const fresh = setup();
    fresh.lw.interfaceUp();
    expect(fresh.lw.qdiscActive).toBe(false); // dev_activate() does nothing without carrier
  });
});

describe('the station\'s roam through linkwatch (stock madwifi 0.9.3)', () => {
  it('leave = carrier off at once, join ms later = carrier on; the qdisc comes back one second after it went', () => {
    const b = new ModelBench({ variant: 'stock', seed: 7 });
    b.associate();
    b.run(3000);
    for (let i = 0; i < 6; i++) expect(b.roam().joinMs).toBeDefined();
    const entries = b.finish();
    const roams = entries.flatMap((e) => e.roams);
    expect(roams).toHaveLength(6);
    for (const r of roams) {
      expect(r.deferredLeave).toBeNull();
      expect(r.carrierOffMs).toBe(r.tLeaveMs);
      expect(r.carrierOnMs).toBe(r.tJoinMs);
      expect(r.tJoinMs - r.tLeaveMs).toBeGreaterThan(0);
      expect(r.tJoinMs - r.tLeaveMs).toBeLessThan(100);
      // carrier off is processed at once (keventd: < 3 ms), the on waits for linkwatch_nextevent
      expect(r.qdiscOffMs! - r.carrierOffMs!).toBeGreaterThanOrEqual(0);
      expect(r.qdiscOffMs! - r.carrierOffMs!).toBeLessThan(3.001);
      expect(r.qdiscOnMs! - r.qdiscOffMs!).toBeCloseTo(1000, 6);
      // the ticket: about one second of transmit blackout after the association
      const after = r.qdiscOnMs! - r.tJoinMs;
      expect(after).toBeGreaterThan(900);
      expect(after).toBeLessThan(1000);
      // the ground truth's post-join transmit blackout is exactly that (open network: the qdisc is all that blocks)
      expect(r.postJoinTxBlackoutMs).toBeCloseTo(after, 6);
    }
  });
});

describe('one linkwatch per kernel: every interface shares linkwatch_nextevent (2.6.16)', () => {
  /** A board kernel with ath0 and eth0 on one queue, both up with carrier long ago. */
  function board(): { sched: Scheduler; ath0: LinkWatch; eth0: LinkWatch; runs: Record<string, Run[]>; at: (t: number) => void } {
    const sched = new Scheduler(new ModelClock(1, true));
    const queue = new LinkWatchQueue(sched, () => LATENCY_MS);
    const runs: Record<string, Run[]> = { ath0: [], eth0: [] };
    const ath0 = queue.device('ath0', (r) => runs.ath0.push(r));
    const eth0 = queue.device('eth0', (r) => runs.eth0.push(r));
    for (const d of [ath0, eth0]) {
      d.interfaceUp();
      d.setCarrier(true);
    }
    sched.runUntil(10_000);
    runs.ath0.length = 0;
    runs.eth0.length = 0;
    return { sched, ath0, eth0, runs, at: (t) => sched.runUntil(t) };
  }

  it('an eth0 event 990 ms before the roam shifts the client\'s qdisc-off and carrier-on handling', () => {
    const { ath0, eth0, runs, at } = board();
    eth0.setCarrier(false); // the wired port drops at 10_000: its run at 10_002 sets linkwatch_nextevent = 11_002
    at(10_990);
    expect(runs.eth0.map((r) => r.atMs)).toEqual([10_002]);
    ath0.setCarrier(false); // the leave at 10_990: not handled at once but at linkwatch_nextevent
    at(11_001);
    expect(ath0.qdiscActive).toBe(true); // packets still go out for 12 ms
    at(11_002);
    expect(ath0.qdiscActive).toBe(false);
    at(11_010);
    ath0.setCarrier(true); // the join 20 ms after the leave
    at(12_001);
    expect(ath0.qdiscActive).toBe(false);
    at(12_002);
    expect(ath0.qdiscActive).toBe(true);
    // alone on its kernel ath0 would have run at 10_992 and 11_992 (as in 'carrier-on within a
    // second' above): eth0's second moved both runs by 10 ms
    expect(runs.ath0.map((r) => [r.atMs, r.deactivated, r.activated])).toEqual([
      [11_002, true, false],
      [12_002, false, true],
    ]);
  });

  it('an eth0 event 300 ms before the roam makes the leave and the join coalesce: no blackout at all', () => {
    const { ath0, eth0, runs, at } = board();
    eth0.setCarrier(false); // run at 10_002: linkwatch_nextevent = 11_002
    at(10_300);
    expect(runs.eth0.map((r) => r.atMs)).toEqual([10_002]);
    ath0.setCarrier(false); // leave at 10_300: queued for 11_002
    at(10_310);
    ath0.setCarrier(true); // join at 10_310, before that run
    at(12_000);
    // one run that sees the carrier up: nothing was deactivated
    expect(runs.ath0).toEqual([{ atMs: 11_002, carrierOk: true, activated: false, deactivated: false }]);
    expect(ath0.qdiscActive).toBe(true);
  });

  it('the client board\'s eth0 shares the station\'s linkwatch: a flap 800 ms before a roam delays the roam\'s qdisc-off and -on', () => {
    const roamAfterFlap = (flap: boolean) => {
      const b = new ModelBench({ variant: 'stock', seed: 61 });
      b.associate();
      b.setAttenuation('ap2', 20); // both strong, a commanded roam (iwconfig ath0 ap BSSID)
      b.run(1000);
      // a slow AP (300 ms for AUTH + ASSOC to an AP that never saw the station) puts the
      // join after the shared second's run
      for (const name of ['ap1', 'ap2'] as const) vi.spyOn(b.ap(name), 'mgmtTurnaroundMs').mockReturnValue(150);
      if (flap) {
        b.world.clientEth0.setCarrier(false);
        b.run(50);
        b.world.clientEth0.setCarrier(true);
        b.run(750);
      } else {
        b.run(800);
      }
      b.world.groundTruth.beginCycle(1);
      b.world.client.setDesiredBssid(BSSID.ap2);
      b.run(3000);
      vi.restoreAllMocks();
      return b.finish()[0].roams[0];
    };
    const alone = roamAfterFlap(false);
    const shared = roamAfterFlap(true);
    for (const r of [alone, shared]) {
      expect(r.carrierOffMs).toBe(r.tLeaveMs);
      expect(r.tJoinMs - r.tLeaveMs).toBeGreaterThan(300);
      expect(r.qdiscOnMs! - r.qdiscOffMs!).toBeCloseTo(1000, 6);
    }
    // alone: the carrier-off is handled after keventd's latency
    expect(alone.qdiscOffMs! - alone.tLeaveMs).toBeLessThanOrEqual(3);
    // shared: eth0's off ran at flap + 0.2..3 ms, so the leave 800 ms later waits for
    // linkwatch_nextevent, ~200 ms; the carrier-on then waits a second after that
    expect(shared.qdiscOffMs! - shared.tLeaveMs).toBeGreaterThanOrEqual(200 + 0.2 - 0.5);
    expect(shared.qdiscOffMs! - shared.tLeaveMs).toBeLessThanOrEqual(200 + 3);
    expect(shared.postJoinTxBlackoutMs!).toBeGreaterThan(alone.postJoinTxBlackoutMs! + 190);
  });
});
