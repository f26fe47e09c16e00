/**
 * The old AP after a roam (model, manual clock). madwifi's station never tells the AP it
 * leaves on a roam (sta_roam_check(): "XXX deauth current ap"; RUN -> ASSOC sends nothing to
 * the old AP), so the AP keeps its node until ieee80211_timeout_stations() runs its
 * inactivity count out: IEEE80211_INACT_RUN (300 s / IEEE80211_INACT_WAIT 15 s = 20 ticks)
 * after the last frame, probed with null data in the last IEEE80211_INACT_PROBE (2) ticks.
 * `wlanconfig athN list sta` (AccessPoint.stationTable()) lists it meanwhile, its IDLE
 * growing in 15 s steps.
 */
import { describe, expect, it } from 'vitest';
import { ApBoard } from '../../rig/device/ap-board.ts';
import { INACT_RELOAD, INACT_WAIT_MS } from '../../rig/world/node-inactivity.ts';
import { ModelBench } from './helpers/world.ts';

describe('the AP keeps a station that roamed away (model, manual clock)', () => {
  it('listed with its association id, IDLE in 15 s steps, dropped 285 to 300 s after its last frame', () => {
    const b = new ModelBench({ variant: 'stock', seed: 51 });
    b.associate();
    b.startPing();
    b.run(3000);
    const c = b.world.client;
    const ap1 = b.ap('ap1');
    const aid = ap1.stationTable()[0].aid;
    expect(b.roam({ afterMs: 0 }).joinMs).toBeDefined();
    expect(c.bss?.name).toBe('ap2');
    // the roam just ended (a few ms after the departure): the station's last frame to ap1 went
    // before that, at most one ping interval (~0.2 s) earlier; nothing reaches ap1 after it
    const depart = b.now;
    const seen: { t: number; idle: number }[] = [];
    let goneAt: number | null = null;
    while (b.now - depart < 320_000) {
      b.run(500);
      const row = ap1.stationTable().find((s) => s.mac === c.mac);
      if (!row) {
        goneAt = b.now;
        break;
      }
      expect(row.aid).toBe(aid);
      seen.push({ t: b.now - depart, idle: row.idleS });
    }
    // IDLE only ever takes whole ticks of 15 s, and grows with time
    for (const s of seen) expect(s.idle % (INACT_WAIT_MS / 1000)).toBe(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i].idle).toBeGreaterThanOrEqual(seen[i - 1].idle);
    // after n ticks IDLE is 15 n, and n ticks of 15 s fit in t once or twice over: floor(t / 15 s) or one more
    for (const s of seen) {
      expect(s.idle).toBeLessThanOrEqual((Math.floor(s.t / INACT_WAIT_MS) + 1) * 15);
      expect(s.idle).toBeGreaterThanOrEqual((Math.floor(s.t / INACT_WAIT_MS) - 1) * 15);
    }
    // dropped at the 20th tick after the last frame: 19 to 20 ticks after it (ticks exactly
    // 15 s apart), seen by the next 500 ms poll; the last frame up to ~0.2 s before `depart`
    expect(goneAt).not.toBeNull();
    const ticks = INACT_RELOAD.run;
    expect(goneAt! - depart).toBeGreaterThan((ticks - 1) * INACT_WAIT_MS - 300);
    expect(goneAt! - depart).toBeLessThanOrEqual(ticks * INACT_WAIT_MS + 500);
    // the AP the station is on never dropped it: its pings refill the count
    expect(b.ap('ap2').stationTable().map((s) => s.mac)).toEqual([c.mac]);
    expect(b.ap('ap2').stationTable()[0].idleS).toBeLessThanOrEqual(15);
  });

  it('a station associated but silent is probed and stays: the null data frame is ACKed', () => {
    const b = new ModelBench({ variant: 'stock', seed: 52 });
    b.associate(); // no ping: nothing but the AP's probes
    b.run(20 * 60_000);
    const rows = b.ap('ap1').stationTable();
    expect(rows.map((s) => s.mac)).toEqual([b.world.client.mac]);
    // it idles between probes: the count runs 20, 19, ... 3 (IDLE up to 17 ticks), and the
    // tick that brings it to IEEE80211_INACT_PROBE (2) probes it and refills it
    expect(rows[0].idleS).toBeLessThanOrEqual((INACT_RELOAD.run - 3) * 15);
  });

  it('the board lists the stale station with its IDLE (wlanconfig athN list sta)', () => {
    const b = new ModelBench({ variant: 'stock', seed: 53 });
    b.associate();
    b.startPing();
    b.run(3000);
    expect(b.roam({ afterMs: 0 }).joinMs).toBeDefined();
    b.run(100_000);
    const board = new ApBoard('ap1', b.world, { radio: 'wifi0' }, b.ap('ap1'));
    const text = (board as unknown as { stationList(): string }).stationList();
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    const cols = lines[1].trim().split(/\s+/);
    expect(cols[0]).toBe(b.world.client.mac.toLowerCase());
    const idle = Number(cols[6]);
    expect(idle).toBe(b.ap('ap1').stationTable()[0].idleS);
    expect(idle).toBeGreaterThanOrEqual(90); // 100 s away: at least 6 ticks of 15 s
    expect(idle % 15).toBe(0);
  });
});
