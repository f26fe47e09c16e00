/**
 * The parts of the adaptive crossfade: the roam check's phase learned from joins
 * (CheckPhase, pure), and on the virtual bench the madwifi station's scan (`iwlist athN
 * scan`), its noise floor and roam threshold, and a roam check that decides with the
 * fresh cache at once. Expected signals come from the inventory (tx power 18 dBm, fixed
 * loss 40 dB, the programmed attenuation), not from the model's code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { provisionBench } from '../api/provision.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { CheckPhase, scanGapWithoutPhase } from '../roam/triggers/check-phase.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

describe('CheckPhase: when the driver checks next, from the joins seen', () => {
  it('knows nothing before a join; then the grid through the latest join', () => {
    const p = new CheckPhase(15_000);
    expect(p.known).toBe(false);
    expect(p.nextCheckAfter(1000)).toBeNull();
    p.observe(100_010);
    expect(p.nextCheckAfter(100_011)).toBe(115_010);
    expect(p.nextCheckAfter(100_010)).toBe(100_010);
    expect(p.nextCheckAfter(131_000)).toBe(145_010);
  });

  it('refines the period from joins whole periods apart (a timer re-armed late drifts)', () => {
    const p = new CheckPhase(15_000);
    // a 15.006 s period seen over roams 1, 2 and 4 periods apart
    for (const k of [0, 1, 3, 7]) p.observe(50_000 + k * 15_006);
    expect(p.periodMs).toBeCloseTo(15_006, 6);
    expect(p.nextCheckAfter(50_000 + 7 * 15_006 + 1)).toBeCloseTo(50_000 + 8 * 15_006, 6);
  });

  it('a join off the grid moves nothing until the next join confirms it', () => {
    const p = new CheckPhase(15_000);
    p.observe(0);
    p.observe(15_000);
    p.observe(35_000); // 5 s off: a join delayed by a lost management frame
    expect(p.nextCheckAfter(40_000)).toBe(45_000);
    p.observe(45_000); // on the old grid again
    expect(p.nextCheckAfter(46_000)).toBe(60_000);
    // the check's phase really moved (the VAP was created again): two joins agree
    p.observe(52_000);
    p.observe(67_000);
    expect(p.nextCheckAfter(68_000)).toBe(82_000);
  });

  it('refuses a period that is not positive', () => {
    expect(() => new CheckPhase(0)).toThrow(/period must be > 0/);
  });
});

let session: BenchSession | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

/**
 * madwifi's sta_age() as the scans meet it: a check every `periodMs` at phase `phaseMs`
 * decides when no scan runs at that moment (a check during a scan is skipped) and the last
 * scan ended at most `scanValidMs` before (or at all, when that is unknown). The scans: one
 * ending at 0, then one every `gap` after the end of the last, each `scanTookMs` long. Returns
 * how many checks pass before one decides (null: none in 40).
 */
function checksUntilDecided(phaseMs: number, periodMs: number, gap: number, scanTookMs: number, scanValidMs: number | null): number | null {
  const scans: [number, number][] = [[-scanTookMs, 0]];
  for (let i = 0; i < 80; i++) {
    const start = scans[scans.length - 1][1] + gap;
    scans.push([start, start + scanTookMs]);
  }
  for (let k = 0; k < 40; k++) {
    const c = phaseMs + k * periodMs;
    if (scans.some(([a, b]) => c >= a && c <= b)) continue;
    const lastEnd = Math.max(...scans.filter(([, b]) => b < c).map(([, b]) => b));
    if (scanValidMs === null || c - lastEnd <= scanValidMs) return k;
  }
  return null;
}

describe('scans with no phase known: no scan falls on every check', () => {
  const periodMs = 15_000;
  const cases = [
    { leadMs: 3000, scanTookMs: 700, scanValidMs: 20_000 }, // the shipped bench: scanvalid 20
    { leadMs: 3000, scanTookMs: 700, scanValidMs: 60_000 }, // madwifi's default
    { leadMs: 3000, scanTookMs: 700, scanValidMs: null },
    { leadMs: 5000, scanTookMs: 2500, scanValidMs: 30_000 }, // a slow board
    { leadMs: 3000, scanTookMs: 700, scanValidMs: 16_350 }, // scanvalid whose interval is one whole period
    { leadMs: 3000, scanTookMs: 700, scanValidMs: 31_350 }, // ... two periods
  ];
  for (const c of cases) {
    it(`lead ${c.leadMs} ms, scan ${c.scanTookMs} ms, scanvalid ${c.scanValidMs ?? 'unknown'}: at every phase of the check a check decides within 3 periods`, () => {
      const gap = scanGapWithoutPhase({ periodMs, ...c, settleMs: 1000 });
      expect(gap).toBeGreaterThan(0);
      const worst = Math.max(...Array.from({ length: 300 }, (_, i) => checksUntilDecided(i * 50, periodMs, gap, c.scanTookMs, c.scanValidMs) ?? Infinity));
      expect(worst).toBeLessThanOrEqual(3);
    });
  }

  it('the same simulation finds the lock a gap of a whole period (less a scan) would make', () => {
    // a scan that ends where the next starts one period later: the check it met once it meets every time
    const locked = Array.from({ length: 300 }, (_, i) => checksUntilDecided(i * 50, periodMs, periodMs - 700, 700, 20_000)).filter((k) => k === null);
    expect(locked.length).toBeGreaterThan(0);
  });
});

describe('the madwifi station scans on request (the virtual client board)', () => {
  it('iwlist athN scan lists both APs as the attenuation sets them; noise floor and threshold; the next check roams', { timeout: 120_000 }, async () => {
    const { bench } = selectBench(await loadInventory(inventoryCopy(tempDir())), 'virtual');
    session = await openBench(bench, { provision: provisionBench, timeScale: 100 });
    const s = session;
    await Promise.all([s.setPath('ap1', 20), s.setPath('ap2', 60)]);
    const b1 = await s.aps.ap1.configure({ essid: bench.essid, channel: 1, psk: null });
    const b2 = await s.aps.ap2.configure({ essid: bench.essid, channel: 6, psk: null });
    s.startEvents(() => undefined);
    await s.station.configure({ essid: bench.essid, roaming: { ...bench.roaming }, psk: null });
    expect(await s.station.waitAssociated(s.clock, 60_000)).toBe(b1);

    const link = await s.station.link();
    expect(link.noiseDbm).toBe(-95); // madwifi's iwconfig "Noise level" on the virtual board
    expect(link.signalDbm).toBeGreaterThanOrEqual(18 - 40 - 20 - 3);
    expect(link.signalDbm).toBeLessThanOrEqual(18 - 40 - 20 + 3);
    expect(s.station.roamThresholdDb?.(1)).toBe(bench.roaming.rssi11g);
    expect(s.station.roamThresholdDb?.(36)).toBe(bench.roaming.rssi11a);

    // the crossing: ap1 weak (below rssi11g 24 above -95 dBm), ap2 strong; then a scan
    await Promise.all([s.setPath('ap1', 60), s.setPath('ap2', 20)]);
    const r = await s.devices.client.exec('iwlist ath0 scan', { timeoutMs: 10_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const cells = [...r.stdout.matchAll(/Address: (\S+)[\s\S]*?Signal level=(-?\d+) dBm/g)].map((m) => ({ bssid: m[1], dbm: Number(m[2]) }));
    expect(cells.map((c) => c.bssid).sort()).toEqual([b1, b2].sort());
    const dbm = (b: string): number => cells.find((c) => c.bssid === b)!.dbm;
    expect(Math.abs(dbm(b1) - (18 - 40 - 60))).toBeLessThanOrEqual(3);
    expect(Math.abs(dbm(b2) - (18 - 40 - 20))).toBeLessThanOrEqual(3);
    expect(r.stdout.startsWith('ath0      Scan completed :\n')).toBe(true);

    // with the cache fresh and strong on ap2, the very next roam check (15 s) moves the client
    await s.station.scan!();
    const scannedAt = s.clock.now();
    const events = s.events.length;
    await s.station.waitAssociated(s.clock, 40_000, [b2]);
    const join = s.events.slice(events).find((e) => e.bssid === b2);
    expect(join).toBeDefined();
    expect(join!.arrivedMs - scannedAt).toBeLessThanOrEqual(15_010 + 1000); // one check period (+ its jitter, + the clocks' anchoring)
  });

  it('iwlist on a missing interface or with a bad command says so', async () => {
    const { bench } = selectBench(await loadInventory(inventoryCopy(tempDir())), 'virtual');
    session = await openBench(bench, { provision: provisionBench, timeScale: 100 });
    const c = session.devices.client;
    const none = await c.exec('iwlist ath0 scan', { timeoutMs: 5000 });
    expect(none.exitCode).toBe(255);
    expect(none.stderr).toMatch(/ath0 +Interface doesn't support scanning/);
    const bad = await c.exec('iwlist ath0 frobnicate', { timeoutMs: 5000 });
    expect(bad.exitCode).toBe(255);
    expect(bad.stderr).toMatch(/unknown command/);
  });
});
