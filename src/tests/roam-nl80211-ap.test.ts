/**
 * `rig roam` end to end on the shipped `virtual-nl80211` bench: both APs are hostapd 2.10
 * boards (rig/device/nl80211-ap-board.ts, answering hostapd_cli in hostapd's own format)
 * and the client is wpa_supplicant 2.x on nl80211. The roams are AP-initiated (the current
 * AP's `hostapd_cli bss_tm_req`, which the client's supplicant follows) or commanded from
 * the client (`wpa_cli roam`), open and WPA2-PSK. The roam cycle is the same code; the
 * records say which trigger moved the client, and every roam's loss is the ground truth's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { parseDocument } from 'yaml';
import { inventoryCopy, readJsonl, runCli, tempDir, type RoamJson } from './helpers/cli.ts';

interface Roam {
  index: number;
  trigger: string;
  valid: boolean;
  invalidReason: string | null;
  firmware: Record<string, string>;
  fromBssid: string;
  toBssid: string | null;
  tLeave: number | null;
  tJoin: number | null;
  rampSteps: number;
  attenuationDb: Record<string, number>;
  lostSeqs: number[];
}

interface Truth {
  index: number;
  droppedSeqs: number[];
  roams: { fromBssid: string; toBssid: string; tJoinMs: number }[];
}

const BSSIDS = ['00:03:7F:0A:00:01', '00:03:7F:0A:00:02'];
const PSK = 'nl80211 ap test passphrase';
const INTERVAL_MS = 200; // the bench's ping -i 0.2

async function roamRun(trigger: string, count: number, wpa = false, edit?: (doc: ReturnType<typeof parseDocument>) => void) {
  const dir = tempDir();
  const inv = inventoryCopy(dir, (doc) => {
    doc.setIn(['benches', 'virtual-nl80211', 'profile', 'trigger'], trigger);
    if (wpa) doc.setIn(['benches', 'virtual-nl80211', 'security'], doc.createNode({ mode: 'wpa-psk', pskEnv: 'RIG_TEST_NL80211_PSK' }));
    edit?.(doc);
  });
  const r = await runCli(['roam', '--inventory', inv, '--bench', 'virtual-nl80211', '--reports', join(dir, 'reports'), '--count', String(count), '--json'], {
    env: { RIG_TEST_NL80211_PSK: PSK },
  });
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const json = JSON.parse(r.stdout) as RoamJson;
  const roams = readJsonl<Roam>(join(json.runDir, 'roams.jsonl'));
  const truth = new Map(readJsonl<Truth>(join(json.runDir, 'ground-truth.jsonl')).map((t) => [t.index, t]));
  return { json, roams, truth };
}

function expectTruthful(roams: Roam[], truth: Map<number, Truth>, trigger: string, count: number, lowDb = 20): void {
  expect(roams).toHaveLength(count);
  roams.forEach((x, i) => {
    expect(x.valid, `roam ${x.index}: ${x.invalidReason}`).toBe(true);
    expect(x.trigger).toBe(trigger);
    if (trigger !== 'txpower-crossfade') {
      expect(x.rampSteps).toBe(1);
      expect(x.firmware).toEqual({ ap1: 'nl80211 (not flashed)', ap2: 'nl80211 (not flashed)', client: 'nl80211 (not flashed)' });
    }
    // both attenuators held at the low end of the range: the request (or the APs' power) moved the client
    expect(x.attenuationDb).toEqual({ ap1: lowDb, ap2: lowDb });
    expect(x.fromBssid).toBe(BSSIDS[i % 2]);
    expect(x.toBssid).toBe(BSSIDS[(i + 1) % 2]);
    const t = truth.get(x.index)!;
    // the model made exactly one roam in this cycle, to where the record says, at the time its event said
    expect(t.roams.map((r) => [r.fromBssid, r.toBssid])).toEqual([[x.fromBssid, x.toBssid]]);
    expect(x.tJoin).toBeCloseTo(t.roams[0].tJoinMs, 0);
    expect(x.tLeave).not.toBeNull();
    expect(x.lostSeqs, `roam ${x.index}`).toEqual(t.droppedSeqs);
  });
}

describe('rig roam on the virtual nl80211 bench (hostapd APs, wpa_supplicant client)', () => {
  it('bss-transition (the shipped profile): six AP-initiated roams, valid, alternating, loss equal to the ground truth', async () => {
    const { json, roams, truth } = await roamRun('bss-transition', 6);
    expect(json.verdict).toBe('passed');
    expectTruthful(roams, truth, 'bss-transition', 6);
    const summary = JSON.parse(readFileSync(join(json.runDir, 'summary.json'), 'utf8')) as { trigger: string };
    expect(summary.trigger).toBe('bss-transition');
    const html = readFileSync(join(json.runDir, 'index.html'), 'utf8');
    expect(html).toContain('bss-transition');
  });

  it('station-command on the same bench: four commanded roams, equally truthful', async () => {
    const { roams, truth } = await roamRun('station-command', 4);
    expectTruthful(roams, truth, 'station-command', 4);
  });

  it('txpower-crossfade: the APs\' transmit power ramps (iw set txpower fixed), a madwifi client roams on its own as the signal crosses its threshold', async () => {
    // hostapd APs at 18 dBm full power, 0..18 dB of ramp: 18 dBm down to 0 dBm; 75 dB of path
    // loss puts the weak AP at -75 dBm, below the madwifi client's roam threshold (rssi11g 24).
    const { roams, truth } = await roamRun('txpower-crossfade', 4, false, (doc) => {
      doc.setIn(['benches', 'virtual-nl80211', 'devices', 'client', 'driver'], 'madwifi');
      doc.setIn(['benches', 'virtual-nl80211', 'devices', 'client', 'wireless'], doc.createNode({ interface: 'ath0', radio: 'wifi0' }));
      doc.setIn(['benches', 'virtual-nl80211', 'roaming'], doc.createNode({ scanvalid: 20 }));
      doc.setIn(['benches', 'virtual-nl80211', 'profile', 'range'], doc.createNode({ minDb: 0, maxDb: 18 }));
      doc.setIn(['benches', 'virtual-nl80211', 'profile', 'roamTimeoutS'], 120);
      // stock madwifi loses ~5 pings per roam (ticket 1404): the madwifi bench's own thresholds
      doc.setIn(['benches', 'virtual-nl80211', 'thresholds', 'default'], doc.createNode({ maxMedianLostPerRoam: 6, maxLostPerRoam: 8, maxInvalidFraction: 0.1 }));
      for (const a of ['att1', 'att2']) doc.setIn(['benches', 'virtual-nl80211', 'attenuators', a, 'fixedLossDb'], 75);
    });
    expectTruthful(roams, truth, 'txpower-crossfade', 4, 0);
    // the ramp took steps of the APs' power before the client moved
    for (const x of roams) expect(x.rampSteps).toBeGreaterThan(1);
  });

  it('an ARP stall after roam 2 (fault arp-stall): the pings queued behind the ARP retry are late, not lost, and said to be an ARP stall', async () => {
    const { json, roams, truth } = await roamRun('bss-transition', 3, false, (doc) => {
      doc.setIn(['benches', 'virtual-nl80211', 'virtual', 'faults'], doc.createNode([{ kind: 'arp-stall', atRoam: 2, afterS: 0 }]));
    });
    expectTruthful(roams, truth, 'bss-transition', 3);
    const stalled = roams[1] as Roam & { late: number; lateMaxRttMs: number | null; lateAfterAssociation: number; lateSeqs: number[] };
    const held = (truth.get(2) as Truth & { held: { seq: number; heldMs: number }[] }).held;
    // the model held the pings sent in the second after the join: 1000 ms, 800, 600, ...
    expect(held.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...held.map((h) => h.heldMs))).toBe(1000);
    // every ping held longer than an interval came back late; nothing late that was not held; none lost
    for (const h of held.filter((x) => x.heldMs > INTERVAL_MS + 5)) expect(stalled.lateSeqs).toContain(h.seq);
    for (const q of stalled.lateSeqs) expect(held.map((h) => h.seq)).toContain(q);
    expect(stalled.late).toBe(stalled.lateSeqs.length);
    expect(stalled.lateAfterAssociation).toBe(stalled.late);
    expect(stalled.lateMaxRttMs).toBeGreaterThan(1000);
    expect(stalled.lateMaxRttMs).toBeLessThan(1010);
    // the other roams had no stall
    for (const i of [1, 3]) expect((truth.get(i) as Truth & { held: unknown[] }).held).toEqual([]);
    expect(readFileSync(join(json.runDir, 'junit.xml'), 'utf8')).toMatch(new RegExp(`late ${stalled.late} \\(ARP stall ~1\\.0 s\\)`));
  });

  it('bss-transition with WPA2-PSK: hostapd wpa=2, the handshake after every roam, loss equal to the ground truth', async () => {
    const { roams, truth } = await roamRun('bss-transition', 4, true);
    expectTruthful(roams, truth, 'bss-transition', 4);
  });
});
