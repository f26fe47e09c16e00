/**
 * A roam's management exchange in the model (rig/world/association.ts, station.ts join(),
 * access-point.ts receiveMgmt()), on a manual clock, following madwifi 0.9.3:
 *
 * - ieee80211_sta_join1() switches the radio (ath_chan_set(): 4 to 6 ms in the model), then
 *   __ieee80211_newstate(RUN -> ASSOC) sends the leave notification and a REASSOC_REQ.
 * - An AP that never authenticated the station answers it with a deauthentication
 *   ("deny %s request, sta not authenticated", IEEE80211_REASON_ASSOC_NOT_AUTHED): the
 *   station goes to AUTH, authenticates, associates. An AP that still holds the station
 *   (it was never told the station left) accepts the REASSOC_REQ at once.
 * - An unanswered frame waits IEEE80211_TRANS_WAIT (5 s) for ieee80211_tx_timeout(), which
 *   scans (or consults a warm cache) and joins again.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MGMT_TURNAROUND_MS } from '../../rig/world/access-point.ts';
import { CHANNEL_SWITCH_MS, TRANS_WAIT_MS } from '../../rig/world/association.ts';
import { BSSID, ModelBench } from './helpers/world.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const frames = (r: { mgmt: { frame: string; outcome: string }[] }): string[] => r.mgmt.map((m) => `${m.frame}:${m.outcome}`);

describe('re-association on a roam (model, manual clock)', () => {
  it('first visit: REASSOC_REQ refused (not authenticated), then AUTH and ASSOC; back to the old AP: REASSOC accepted at once', () => {
    const b = new ModelBench({ variant: 'stock', seed: 41 });
    b.associate();
    b.run(3000);
    expect(b.ap('ap2').knows(b.world.client)).toBe(false);
    for (let i = 0; i < 3; i++) expect(b.roam().joinMs).toBeDefined();
    const [there, back, again] = b.finish().map((e) => e.roams[0]);
    // ap1 -> ap2: ap2 has no node for the station
    expect(frames(there)).toEqual(['reassoc:deauth-not-authed', 'auth:auth-ok', 'assoc:assoc-ok']);
    // ap2 -> ap1 and ap1 -> ap2 again: both APs still hold the station, one exchange each
    expect(frames(back)).toEqual(['reassoc:assoc-ok']);
    expect(frames(again)).toEqual(['reassoc:assoc-ok']);
    for (const r of [there, back, again]) {
      // the channel switch comes first; the leave notification (and the REASSOC_REQ) after it
      expect(r.tLeaveMs - r.tDepartMs).toBeGreaterThanOrEqual(CHANNEL_SWITCH_MS[0]);
      expect(r.tLeaveMs - r.tDepartMs).toBeLessThanOrEqual(CHANNEL_SWITCH_MS[1]);
      expect(r.mgmt[0].atMs).toBe(r.tLeaveMs);
      // each exchange is one AP turnaround; the join comes with the last answer
      const n = r.mgmt.length;
      expect(r.tJoinMs - r.tLeaveMs).toBeGreaterThanOrEqual(n * MGMT_TURNAROUND_MS[0]);
      expect(r.tJoinMs - r.tLeaveMs).toBeLessThanOrEqual(n * MGMT_TURNAROUND_MS[1]);
    }
    expect([there.toBssid, back.toBssid, again.toBssid]).toEqual([BSSID.ap2, BSSID.ap1, BSSID.ap2]);
  });

  it('an unanswered REASSOC_REQ waits IEEE80211_TRANS_WAIT, then the station joins again from its warm cache', () => {
    const b = new ModelBench({ variant: 'stock', seed: 42 });
    b.associate();
    b.setAttenuation('ap2', 20); // both strong: the station-command setting
    b.run(1000); // well inside scanvalid after the association's scan, which heard ap2
    b.world.groundTruth.beginCycle(1);
    const c = b.world.client;
    // ap2 is off the air for the first attempt only (its request is not heard)
    b.setAttenuation('ap2', 120);
    c.setDesiredBssid(BSSID.ap2);
    b.run(CHANNEL_SWITCH_MS[1] + 1);
    b.setAttenuation('ap2', 20);
    expect(b.until(() => c.state === 'RUN' && c.bss?.bssid === BSSID.ap2, 10_000, 1)).toBe(true);
    b.run(100); // linkwatch handles the carrier-on
    const r = b.finish()[0].roams[0];
    // a commanded roam leaves at once (RUN -> SCAN), then joins from SCAN: AUTH first
    expect(frames(r)).toEqual(['auth:lost', 'auth:auth-ok', 'assoc:assoc-ok']);
    // the retry is sent when the station's iv_mgtsend timer fires: 5 s after the first
    // frame, with no second channel switch (the radio is on ap2's channel already)
    expect(r.mgmt[1].atMs - r.mgmt[0].atMs).toBeCloseTo(TRANS_WAIT_MS, 6);
    expect(r.tJoinMs - r.tLeaveMs).toBeGreaterThan(TRANS_WAIT_MS);
    expect(r.tJoinMs - r.tLeaveMs).toBeLessThan(TRANS_WAIT_MS + CHANNEL_SWITCH_MS[1] + 2 * MGMT_TURNAROUND_MS[1]);
    // the carrier went off at the leave and linkwatch's second was long over at the join:
    // the carrier-on is handled at once (keventd's latency, 0.2 to 3 ms)
    expect(r.postJoinTxBlackoutMs).toBeGreaterThanOrEqual(0.2);
    expect(r.postJoinTxBlackoutMs).toBeLessThanOrEqual(3);
  });

  it('patched: a frame lost at the roam makes the join 5 s late, so the deferred leave fires and the carrier drops', () => {
    const b = new ModelBench({ variant: 'patched', seed: 43 });
    b.associate();
    b.setAttenuation('ap2', 20);
    b.run(1000);
    b.world.groundTruth.beginCycle(1);
    const c = b.world.client;
    b.setAttenuation('ap2', 120);
    c.setDesiredBssid(BSSID.ap2);
    b.run(CHANNEL_SWITCH_MS[1] + 1);
    b.setAttenuation('ap2', 20);
    expect(b.until(() => c.state === 'RUN' && c.bss?.bssid === BSSID.ap2, 10_000, 1)).toBe(true);
    const r = b.finish()[0].roams[0];
    expect(r.deferredLeave).toBe('fired');
    expect(r.carrierOffMs! - r.tLeaveMs).toBeCloseTo(100, 6);
    expect(r.qdiscOffMs).not.toBeNull();
    expect(r.carrierOnMs).toBe(r.tJoinMs);
  });

  it('the station switches channel before it leaves: a packet sent in the switch is lost as not associated', () => {
    const b = new ModelBench({ variant: 'stock', seed: 44 });
    b.associate();
    b.setAttenuation('ap2', 20);
    b.run(1000);
    const c = b.world.client;
    // a roam the driver decides (sta_roam_check() -> ieee80211_sta_join() from RUN):
    // during the switch the VAP is no longer usable for data
    (c as unknown as { join(ap: unknown): void }).join(b.ap('ap2'));
    expect(c.txVerdict()).toEqual({ drop: 'tx-not-associated' });
    expect(b.events).toHaveLength(1); // only the association's BSSID so far: no leave yet
    b.run(CHANNEL_SWITCH_MS[1] + 0.01);
    expect(b.events.at(-1)?.bssid).toBeNull(); // the leave came after the switch
  });
});
