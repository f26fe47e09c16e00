/**
 * WPA-PSK roams in the model: the EAPOL 4-way handshake starts right after the
 * association. On stock firmware the station's message 2 goes out into linkwatch's
 * noop qdisc and dies; hostapd resends message 1 after its 1 s pairwise update timeout
 * and the handshake completes on the retry. On patched firmware there is no blackout
 * and it completes on the first try.
 */
import { describe, expect, it } from 'vitest';
import { EAPOL_TIMEOUT_MS } from '../../rig/world/access-point.ts';
import type { GroundTruthEntry, HandshakeTruth } from '../../rig/world/ground-truth.ts';
import { ModelBench } from './helpers/world.ts';

function wpaRoams(variant: string, seed: number, n: number): { entries: GroundTruthEntry[]; bench: ModelBench } {
  const b = new ModelBench({ variant, wpa: true, seed });
  b.associate();
  b.startPing();
  b.run(3000);
  for (let i = 0; i < n; i++) expect(b.roam({ afterMs: 6000 }).joinMs, `roam ${i + 1}`).toBeDefined();
  return { entries: b.finish(), bench: b };
}

const frameList = (h: HandshakeTruth): string[] => h.frames.map((f) => `${f.msg}/${f.attempt}:${f.delivered ? 'ok' : 'dropped'}`);

describe('WPA-PSK handshake in the model', () => {
  it('stock: message 2 dies in the blackout, hostapd resends message 1 after 1 s, the handshake completes', () => {
    const { entries } = wpaRoams('stock', 21, 6);
    expect(entries).toHaveLength(6);
    for (const e of entries) {
      expect(e.roams).toHaveLength(1);
      expect(e.handshakes).toHaveLength(1);
      const r = e.roams[0];
      const h = e.handshakes[0];
      expect(h.bssid).toBe(r.toBssid);
      expect(h.startMs).toBe(r.tJoinMs); // right after the association
      expect(frameList(h)).toEqual(['1/1:ok', '2/1:dropped', '1/2:ok', '2/2:ok', '3/1:ok', '4/1:ok']);
      expect(h.retries).toBe(1);
      expect(h.failed).toBe(false);
      // message 2 was sent while linkwatch had the device on the noop qdisc ...
      const m2 = h.frames[1];
      expect(m2.atMs).toBeGreaterThan(r.qdiscOffMs!);
      expect(m2.atMs).toBeLessThan(r.qdiscOnMs!);
      // ... and hostapd's retry came exactly one pairwise update timeout after its first message 1, after the blackout
      expect(h.frames[2].atMs - h.frames[0].atMs).toBeCloseTo(EAPOL_TIMEOUT_MS, 6);
      expect(h.frames[3].atMs).toBeGreaterThan(r.qdiscOnMs!);
      expect(h.completedMs).not.toBeNull();
      expect(h.completedMs! - r.tJoinMs).toBeGreaterThan(1000);
      expect(h.completedMs! - r.tJoinMs).toBeLessThan(1400);
      // the keys come after the qdisc is back: the key, not linkwatch, ends the blackout
      expect(r.postJoinTxBlackoutMs).toBeCloseTo(h.completedMs! - r.tJoinMs, 6);
      // the traffic is dead from the leave until the keys are in: longer than the open-mode blackout
      expect(e.drops.some((d) => d.reason === 'tx-noop-qdisc')).toBe(true);
      expect(e.droppedSeqs.length).toBeGreaterThanOrEqual(5);
    }
  });

  it('patched: no blackout, the handshake completes on the first try', () => {
    const { entries } = wpaRoams('patched', 22, 6);
    expect(entries).toHaveLength(6);
    for (const e of entries) {
      expect(e.handshakes).toHaveLength(1);
      const h = e.handshakes[0];
      const r = e.roams[0];
      expect(r.deferredLeave).toBe('cancelled');
      expect(frameList(h)).toEqual(['1/1:ok', '2/1:ok', '3/1:ok', '4/1:ok']);
      expect(h.retries).toBe(0);
      expect(h.failed).toBe(false);
      expect(h.completedMs! - r.tJoinMs).toBeLessThan(300);
      // the transmit path is back when wpa_supplicant installs the pairwise key (as it sends
      // message 4, the moment hostapd's handshake completes in the model): that is the
      // post-join blackout, whatever the ping happened to send meanwhile
      expect(r.postJoinTxBlackoutMs).toBeCloseTo(h.completedMs! - r.tJoinMs, 6);
      // what is lost went out before the pairwise key was installed, never into a noop qdisc
      for (const d of e.drops) expect(['tx-not-associated', 'tx-no-keys', 'rx-no-keys', 'rx-not-associated']).toContain(d.reason);
    }
  });

  it('stock WPA roams lose more than stock open roams, patched WPA fewer than stock open', () => {
    const stockWpa = wpaRoams('stock', 23, 8).entries.map((e) => e.droppedSeqs.length);
    const patchedWpa = wpaRoams('patched', 23, 8).entries.map((e) => e.droppedSeqs.length);
    const open = new ModelBench({ variant: 'stock', seed: 23 });
    open.associate();
    open.startPing();
    open.run(3000);
    for (let i = 0; i < 8; i++) open.roam();
    const stockOpen = open.finish().map((e) => e.droppedSeqs.length);
    const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0);
    expect(sum(stockWpa)).toBeGreaterThan(sum(stockOpen));
    expect(sum(patchedWpa)).toBeLessThan(sum(stockOpen));
  });

  it('a wrong passphrase: message 2 fails the MIC, hostapd tries 3 times and deauthenticates', () => {
    const b = new ModelBench({ variant: 'patched', wpa: true, seed: 24 });
    b.associate();
    b.world.client.supplicant = { ssid: 'rig-roam', psk: 'not-the-passphrase' };
    b.startPing();
    b.run(3000);
    b.roam({ afterMs: 5000 });
    const entries = b.finish();
    const hs = entries.flatMap((e) => e.handshakes);
    expect(hs.length).toBeGreaterThanOrEqual(1);
    const h = hs[0];
    expect(h.failed).toBe(true);
    expect(h.completedMs).toBeNull();
    expect(h.retries).toBe(2);
    expect(h.frames.filter((f) => f.msg === 1).map((f) => f.attempt)).toEqual([1, 2, 3]);
    expect(h.frames.filter((f) => f.msg === 3)).toEqual([]);
  });
});
