/**
 * The virtual ping and the ground truth agree: every echo request the model sends is
 * either answered (a reply line on the ping's stdout) or recorded as dropped in the
 * ground truth, with the reason and the time, in the entry of the roam cycle it was
 * sent in. Checked for each ping flavour the client board offers.
 */
import { describe, expect, it } from 'vitest';
import type { GroundTruthEntry } from '../../rig/world/ground-truth.ts';
import type { PingFlavour } from '../../rig/world/ping.ts';
import { ModelBench, repliedSeqs } from './helpers/world.ts';

function stockRun(flavour: PingFlavour, seed: number, roams: number): { entries: GroundTruthEntry[]; all: GroundTruthEntry[]; lines: string[]; b: ModelBench } {
  const b = new ModelBench({ variant: 'stock', seed });
  b.associate();
  const { lines } = b.startPing({ flavour });
  b.run(3000);
  for (let i = 0; i < roams; i++) expect(b.roam().joinMs).toBeDefined();
  const entries = b.finish();
  return { entries, all: b.world.groundTruth.entries, lines, b };
}

describe('ping drops land in the ground truth', () => {
  for (const flavour of ['iputils', 'iputils-old', 'busybox'] as const) {
    it(`${flavour}: every request is answered or dropped with a reason, never both, never neither`, () => {
      const { entries, all, lines } = stockRun(flavour, 31, 5);
      const replied = repliedSeqs(lines);
      const dropped = new Set(all.flatMap((e) => e.droppedSeqs));
      for (const s of dropped) expect(replied.has(s), `seq ${s} both dropped and answered`).toBe(false);
      const first = flavour === 'busybox' ? 0 : 1;
      const last = Math.max(...replied);
      for (let s = first; s <= last; s++) expect(replied.has(s) || dropped.has(s), `seq ${s} neither answered nor dropped`).toBe(true);
      // busybox numbers from 0 and prints seq=, iputils from 1 and prints icmp_seq=
      expect(replied.has(0)).toBe(flavour === 'busybox');
      expect(lines.some((l) => l.includes('icmp_seq='))).toBe(flavour !== 'busybox');
      expect(lines.some((l) => /^\[\d+\.\d{6}\] /.test(l))).toBe(flavour === 'iputils');
      // each roam cycle dropped something, and every drop of a cycle is explained by that cycle's roam
      expect(entries).toHaveLength(5);
      for (const e of entries) {
        expect(e.droppedSeqs.length).toBeGreaterThanOrEqual(4);
        expect(e.droppedSeqs).toEqual([...new Set(e.drops.map((d) => d.seq))].sort((a, b) => a - b));
        const r = e.roams[0];
        for (const d of e.drops) {
          expect(['tx-not-associated', 'tx-noop-qdisc']).toContain(d.reason);
          if (d.reason === 'tx-noop-qdisc') {
            expect(d.atMs).toBeGreaterThanOrEqual(r.qdiscOffMs!);
            expect(d.atMs).toBeLessThan(r.qdiscOnMs!);
          } else {
            // Changed with the re-association rule: the station is gone from the old AP from
            // the start of ieee80211_sta_join1()'s channel switch (tDepartMs), a few ms before
            // the leave notification (was: tLeaveMs).
            expect(d.atMs).toBeGreaterThanOrEqual(r.tDepartMs);
            expect(d.atMs).toBeLessThan(r.tJoinMs);
          }
        }
        // most of the loss comes after the association: the ticket's blackout
        expect(e.drops.filter((d) => d.reason === 'tx-noop-qdisc' && d.atMs >= r.tJoinMs).length).toBeGreaterThanOrEqual(4);
      }
    });
  }

  it('nothing is dropped between roams (baseline, recovery and grace are clean)', () => {
    const { entries, all } = stockRun('iputils', 32, 4);
    const beforeFirstCycle = all.find((e) => e.index === 0);
    expect(beforeFirstCycle?.droppedSeqs ?? []).toEqual([]);
    for (const e of entries) {
      const r = e.roams[0];
      // all drops of a cycle lie inside [departure, qdisc back on] (changed with the
      // re-association rule: the departure, tDepartMs, precedes the leave; was tLeaveMs)
      for (const d of e.drops) {
        expect(d.atMs).toBeGreaterThanOrEqual(r.tDepartMs);
        expect(d.atMs).toBeLessThanOrEqual(r.qdiscOnMs!);
      }
    }
  });

  it('-O prints "no answer yet" for exactly the dropped seqs (iputils)', () => {
    const { all, lines } = stockRun('iputils', 33, 3);
    const dropped = all.flatMap((e) => e.droppedSeqs).sort((a, b) => a - b);
    const noAnswer = lines.map((l) => /no answer yet for icmp_seq=(\d+)/.exec(l)).filter((m) => m !== null).map((m) => Number(m![1]));
    expect(noAnswer.sort((a, b) => a - b)).toEqual(dropped);
  });
});
