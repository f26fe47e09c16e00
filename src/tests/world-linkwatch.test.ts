/**
 * Linux 2.6.16 linkwatch as the virtual rig models it (rig/world/linkwatch.ts), on a
 * manual model clock: at most one event run per second, carrier-on inside that second
 * waits for the rest of it (the ticket's ~1 s blackout), and an off+on that both land
 * before the pending work runs coalesce (no blackout at all).
 */
import { describe, expect, it } from 'vitest';
import { ModelClock, Scheduler } from '../../rig/world/clock.ts';
import { LinkWatch } from '../../rig/world/linkwatch.ts';
import { ModelBench } from './helpers/world.ts';

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
    }
  });
});
