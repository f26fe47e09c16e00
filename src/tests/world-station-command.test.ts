/**
 * `iwconfig ath0 ap BSSID` in the model (manual clock), following madwifi 0.9.3:
 * ieee80211_ioctl_siwap() (net80211/ieee80211_wireless.c) sets the desired BSSID and,
 * with the VAP up in auto roaming, goes to SCAN; from RUN that is ieee80211_sta_leave()
 * then ieee80211_check_scan() (net80211/ieee80211_scan.c), which consults a cache
 * younger than scanvalid at once and scans first otherwise.
 */
import { describe, expect, it } from 'vitest';
import { BSSID, ModelBench } from './helpers/world.ts';

/** Both APs strong (the station-command trigger's setting): the driver's own roam check has no reason to move. */
function bothStrong(variant: 'stock' | 'patched', scanvalidS = 20): ModelBench {
  const b = new ModelBench({ variant, scanvalidS, seed: 7 });
  b.associate();
  b.setAttenuation('ap2', 10);
  return b;
}

describe('iwconfig ap BSSID on the model station', () => {
  it('with a warm scan cache the station joins at once; the patch cancels the deferred leave', () => {
    const b = bothStrong('patched');
    b.run(1000); // well inside scanvalid after the association's scan
    b.world.groundTruth.beginCycle(1);
    const t0 = b.now;
    b.world.client.setDesiredBssid(BSSID.ap2);
    expect(b.until(() => b.world.client.state === 'RUN' && b.world.client.bss?.bssid === BSSID.ap2, 500, 1)).toBe(true);
    expect(b.now - t0).toBeLessThan(100);
    const [roam] = b.finish().flatMap((e) => e.roams);
    expect(roam.deferredLeave).toBe('cancelled');
    expect(roam.carrierOffMs).toBeNull();
  });

  it('with a cold cache it scans first: on the patched driver the deferred leave fires and the carrier goes off', () => {
    const b = bothStrong('patched');
    b.run(25_000); // past scanvalid (20 s); both APs strong, so no background scan refreshed it
    b.world.groundTruth.beginCycle(1);
    const t0 = b.now;
    b.world.client.setDesiredBssid(BSSID.ap2);
    expect(b.world.client.state).toBe('SCAN');
    expect(b.until(() => b.world.client.state === 'RUN' && b.world.client.bss?.bssid === BSSID.ap2, 5000, 1)).toBe(true);
    // A foreground scan of the 2.4 GHz channels (1.2 s in the model) before the join.
    expect(b.now - t0).toBeGreaterThanOrEqual(1200);
    const [roam] = b.finish().flatMap((e) => e.roams);
    expect(roam.deferredLeave).toBe('fired');
    expect(roam.carrierOffMs).not.toBeNull();
  });

  it('the desired BSSID holds the station: a crossfade towards the other AP does not move it', () => {
    const b = new ModelBench({ variant: 'stock', seed: 3 });
    b.associate();
    b.world.client.setDesiredBssid(BSSID.ap1); // already there: a rescan that picks ap1 again
    b.associate();
    const r = b.roam({ timeoutMs: 45_000, afterMs: 0 });
    expect(r.joinMs).toBeUndefined();
    expect(b.world.client.bss?.bssid).toBe(BSSID.ap1);
    // `ap off` lets it choose again; the next roam check moves it.
    b.world.client.setDesiredBssid('00:00:00:00:00:00');
    expect(b.until(() => b.world.client.bss?.bssid === BSSID.ap2, 45_000)).toBe(true);
  });

  it('manual roaming (hostroaming 2): the desired BSSID is set, nothing moves until asked', () => {
    const b = bothStrong('stock');
    b.world.client.params.hostroaming = 2;
    b.world.client.setDesiredBssid(BSSID.ap2);
    b.run(5000);
    expect(b.world.client.bss?.bssid).toBe(BSSID.ap1);
    expect(b.world.client.desiredBssid).toBe(BSSID.ap2);
  });
});
