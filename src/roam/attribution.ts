/**
 * Loss attribution (docs/roam-cycle.md, "Attribution"): a pure function from the ping
 * analysis, a roam's sequence window and its join time to the record's numbers. Loss
 * belongs to a roam by sequence number, never by clock; only the before/after split
 * of the outage uses time, on one clock (the board's with -D stamps, else arrival).
 */
import type { PingAnalyzer } from '../ping/analyzer.ts';
import type { RoamRecord } from '../record/schema.ts';

export type Attribution = Pick<
  RoamRecord,
  'seqFrom' | 'seqTo' | 'lostSeqs' | 'lateSeqs' | 'lost' | 'outageMs' | 'beforeAssociationMs' | 'afterAssociationMs' | 'timestampSource'
>;

/** Highest seq that has a reply (-1 if none). */
export function highestAnswered(a: PingAnalyzer): number {
  for (let s = a.highestSeq(), i = 0; s >= 0 && i < 100_000; s--, i++) if (a.answered(s)) return s;
  return -1;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * The numbers of the window [seqFrom, seqTo]: lost and late seqs, and the outage that
 * holds the join (else the one that lost most) split at `tJoinMs` into before and after
 * the association. No outage: all zero. An outage without a reply on one side (stream
 * start or end, no timestamps): its duration and split stay unknown (null).
 */
export function attributeWindow(a: PingAnalyzer, window: { seqFrom: number; seqTo: number }, tJoinMs: number): Attribution {
  const { seqFrom, seqTo } = window;
  const lostSeqs = a.lostIn(seqFrom, seqTo);
  const out: Attribution = {
    seqFrom,
    seqTo,
    lostSeqs,
    lateSeqs: a.lateIn(seqFrom, seqTo),
    lost: lostSeqs.length,
    outageMs: null,
    beforeAssociationMs: null,
    afterAssociationMs: null,
    timestampSource: a.timestampSource,
  };
  const outages = a.outagesIn(seqFrom, seqTo);
  if (outages.length === 0) return { ...out, outageMs: 0, beforeAssociationMs: 0, afterAssociationMs: 0 };
  const withBounds = outages.map((o) => ({ o, b: a.outageBounds(o) }));
  const main =
    withBounds.find(({ b }) => b.before && b.after && b.before.atMs <= tJoinMs && tJoinMs <= b.after.atMs) ??
    [...withBounds].sort((x, y) => y.o.lost - x.o.lost)[0];
  out.outageMs = main.o.durationMs;
  if (main.b.before && main.b.after) {
    const tj = Math.min(Math.max(tJoinMs, main.b.before.atMs), main.b.after.atMs);
    out.beforeAssociationMs = round(tj - main.b.before.atMs);
    out.afterAssociationMs = round(main.b.after.atMs - tj);
  }
  return out;
}
