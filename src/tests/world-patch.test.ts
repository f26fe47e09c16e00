/**
 * Ticket 1404's patch in the model: ieee80211_notify_node_leave() is deferred by a
 * 100 ms timer. A join inside the window cancels it (no carrier transition, no
 * all-zero BSSID event, no blackout); no join inside the window and the leave goes out
 * after 100 ms and linkwatch blacks the link out exactly as on stock firmware.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DRIVER_VARIANTS } from '../../rig/world/variants.ts';
import { BSSID, ModelBench } from './helpers/world.ts';

/**
 * Make the next roams' reassociation take `ms` from the leave to the join (a slow AP), by
 * answering each AP's management turnaround (AccessPoint.mgmtTurnaroundMs()). The roams
 * measured come after one round trip (warmUp()), so both APs hold the station in their
 * node tables and every join is one REASSOC_REQ / response (rig/world/association.ts).
 * Returns how many exchanges were answered: the tests assert it, so the mock cannot pass
 * vacuously.
 */
function slowAssociation(b: ModelBench, ms: number): { hits: () => number } {
  let hits = 0;
  for (const name of ['ap1', 'ap2'] as const) {
    vi.spyOn(b.ap(name), 'mgmtTurnaroundMs').mockImplementation(() => {
      hits++;
      return ms;
    });
  }
  return { hits: () => hits };
}

/** One roam each way first: afterwards both APs know the station (the old AP is never told it left). */
function warmUp(b: ModelBench): number {
  for (let i = 0; i < 2; i++) expect(b.roam().joinMs).toBeDefined();
  return b.world.groundTruth.entries.length;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the patched driver\'s deferred leave (model, manual clock)', () => {
  it('the patch is a 100 ms deferral and nothing else', () => {
    expect(DRIVER_VARIANTS.patched).toEqual({ ...DRIVER_VARIANTS.stock, deferLeaveMs: 100 });
    expect(DRIVER_VARIANTS.stock.deferLeaveMs).toBe(0);
  });

  it('a join within 100 ms cancels the leave: no carrier transition, no all-zero event, no blackout', () => {
    const b = new ModelBench({ variant: 'patched', seed: 11 });
    b.associate();
    const ping = b.startPing();
    b.run(3000);
    const before = b.events.length;
    for (let i = 0; i < 6; i++) expect(b.roam().joinMs).toBeDefined();
    const entries = b.finish();
    const roams = entries.flatMap((e) => e.roams);
    expect(roams).toHaveLength(6);
    for (const r of roams) {
      expect(r.tJoinMs - r.tLeaveMs).toBeLessThan(100);
      expect(r.deferredLeave).toBe('cancelled');
      expect(r.carrierOffMs).toBeNull();
      expect(r.carrierOnMs).toBeNull();
      expect(r.qdiscOffMs).toBeNull();
      expect(r.qdiscOnMs).toBeNull();
    }
    // iwevent sees only the new BSSIDs, never Not-Associated
    const seen = b.events.slice(before);
    expect(seen.every((e) => e.bssid !== null)).toBe(true);
    expect(seen.map((e) => e.bssid)).toEqual([BSSID.ap2, BSSID.ap1, BSSID.ap2, BSSID.ap1, BSSID.ap2, BSSID.ap1]);
    // the only loss left is a ping sent during the radio switch itself
    for (const e of entries) {
      expect(e.droppedSeqs.length).toBeLessThanOrEqual(1);
      for (const d of e.drops) expect(d.reason).toBe('tx-not-associated');
    }
    expect(b.world.client.linkwatch.qdiscActive).toBe(true);
    expect(ping.lines.length).toBeGreaterThan(0);
  });

  it('no join within 100 ms: the leave goes out after exactly 100 ms, and the blackout is the stock one', () => {
    const b = new ModelBench({ variant: 'patched', seed: 12 });
    b.associate();
    b.startPing();
    b.run(3000);
    warmUp(b);
    const slow = slowAssociation(b, 150);
    const before = b.events.length;
    for (let i = 0; i < 4; i++) expect(b.roam().joinMs).toBeDefined();
    expect(slow.hits()).toBe(4);
    const entries = b.finish().slice(2);
    const roams = entries.flatMap((e) => e.roams);
    expect(roams).toHaveLength(4);
    for (const r of roams) {
      expect(r.mgmt.map((m) => `${m.frame}:${m.outcome}`)).toEqual(['reassoc:assoc-ok']);
      expect(r.tJoinMs - r.tLeaveMs).toBeCloseTo(150, 6);
      expect(r.deferredLeave).toBe('fired');
      expect(r.carrierOffMs! - r.tLeaveMs).toBeCloseTo(100, 6);
      expect(r.carrierOnMs).toBe(r.tJoinMs);
      // linkwatch as in stock: off processed at once, on waits for the rest of the second
      expect(r.qdiscOffMs! - r.carrierOffMs!).toBeLessThan(3.001);
      expect(r.qdiscOnMs! - r.qdiscOffMs!).toBeCloseTo(1000, 6);
      const after = r.qdiscOnMs! - r.tJoinMs;
      expect(after).toBeGreaterThan(900);
      expect(after).toBeLessThan(1000);
    }
    // iwevent: Not-Associated 100 ms after the leave, then the new BSSID 50 ms later
    const seen = b.events.slice(before);
    expect(seen.map((e) => e.bssid)).toEqual([null, BSSID.ap2, null, BSSID.ap1, null, BSSID.ap2, null, BSSID.ap1]);
    for (let i = 0; i < seen.length; i += 2) expect(seen[i + 1].atMs - seen[i].atMs).toBeCloseTo(50, 6);
    // and the ping loses what stock loses: the ~1 s of noop qdisc after the association
    for (const e of entries) {
      expect(e.droppedSeqs.length).toBeGreaterThanOrEqual(5);
      expect(e.droppedSeqs.length).toBeLessThanOrEqual(7);
      expect(e.drops.filter((d) => d.reason === 'tx-noop-qdisc').length).toBeGreaterThanOrEqual(4);
    }
  });

  it('the same slow association on stock firmware: the same blackout, the leave not deferred', () => {
    const b = new ModelBench({ variant: 'stock', seed: 12 });
    b.associate();
    b.startPing();
    b.run(3000);
    warmUp(b);
    const slow = slowAssociation(b, 150);
    for (let i = 0; i < 4; i++) expect(b.roam().joinMs).toBeDefined();
    expect(slow.hits()).toBe(4);
    const roams = b.finish().slice(2).flatMap((e) => e.roams);
    expect(roams).toHaveLength(4);
    for (const r of roams) {
      expect(r.deferredLeave).toBeNull();
      expect(r.carrierOffMs).toBe(r.tLeaveMs);
      // the carrier went off 150 ms before the join: linkwatch's second started earlier
      expect(r.qdiscOnMs! - r.qdiscOffMs!).toBeCloseTo(1000, 6);
      expect(r.qdiscOnMs! - r.tJoinMs).toBeGreaterThan(850);
      expect(r.qdiscOnMs! - r.tJoinMs).toBeLessThan(853.001);
    }
  });

  it('a join that fails altogether: the deferred leave still goes out at 100 ms and the client re-associates later', () => {
    const b = new ModelBench({ variant: 'patched', seed: 13 });
    b.associate();
    b.run(3000);
    const c = b.world.client;
    const target = b.ap('ap2');
    // Crossfade until the station starts authenticating to ap2, then switch ap2 off the air.
    b.world.groundTruth.beginCycle(1);
    let db = 10;
    let authStarted = false;
    for (let step = 0; step < 200 && !authStarted; step++) {
      if (db < 60) {
        db += 2;
        b.setAttenuation('ap1', db);
        b.setAttenuation('ap2', 70 - db);
      }
      authStarted = b.until(() => c.state === 'AUTH' && c.bss === target, 1000, 1);
    }
    expect(authStarted).toBe(true);
    const leaveAt = b.now;
    target.up = false;
    b.run(50);
    // Changed with the re-association rule (rig/world/association.ts): the AUTH frame to ap2
    // goes unanswered and the station waits IEEE80211_TRANS_WAIT (5 s) for the answer before
    // ieee80211_tx_timeout() moves it on; it was 'INIT' when the model failed joins at once.
    expect(c.state).toBe('AUTH');
    expect(b.events.filter((e) => e.atMs >= leaveAt - 1)).toEqual([]); // still nothing sent: the leave is deferred
    b.run(60);
    const zero = b.events.filter((e) => e.atMs >= leaveAt - 1);
    expect(zero).toHaveLength(1);
    expect(zero[0].bssid).toBeNull();
    expect(c.linkwatch.carrierOk).toBe(false);
    // the client scans again and goes back to the only AP on the air
    expect(b.until(() => c.state === 'RUN', 10_000)).toBe(true);
    expect(c.bss?.name).toBe('ap1');
    const r = b.finish()[0].roams[0];
    expect(r.deferredLeave).toBe('fired');
    expect(r.carrierOffMs! - r.tLeaveMs).toBeCloseTo(100, 6);
  });
});
