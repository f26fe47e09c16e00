/**
 * The report's roams as rows: one object per roam, unpacked from the
 * columnar `ReportData.roams` (strings by index, times relative to t0) into
 * absolute epoch-ms times and plain strings, with a lower-case search text.
 */
import type { ReportData } from '../data.ts';

export interface Row {
  /** Position in `ReportData.roams`: the stable tie-break of every sort. */
  i: number;
  index: number;
  variant: string;
  direction: string;
  from: string;
  to: string | null;
  tStart: number | null;
  tLeave: number | null;
  tJoin: number | null;
  tEnd: number | null;
  att1: number | null;
  att2: number | null;
  sigBefore: number | null;
  sigAfter: number | null;
  lost: number;
  lostSeqs: string;
  late: number;
  lateSeqs: string;
  /** The longest late round trip, ms; null when not recorded. */
  lateMaxMs: number | null;
  /** Late replies to pings sent after the join; null when not recorded. */
  lateAfter: number | null;
  outage: number | null;
  before: number | null;
  after: number | null;
  afterRes: number | null;
  seqFrom: number;
  seqTo: number;
  src: string;
  valid: boolean;
  reason: string | null;
  over: boolean;
  /** What the consoles showed (oops text), when anything. */
  kernel: string | null;
  /** What the recovery after the roam did. */
  recovery: string | null;
  search: string;
}

export function buildRows(d: ReportData): Row[] {
  const c = d.roams;
  const t0 = d.timeline.t0;
  const abs = (rel: number | null): number | null => (rel === null ? null : t0 + rel);
  const s = (i: number): string | null => (i < 0 ? null : d.strings[i]);
  const out: Row[] = [];
  for (let i = 0; i < c.n; i++) {
    const r: Row = {
      i,
      index: c.index[i],
      variant: s(c.variant[i]) ?? '',
      direction: s(c.direction[i]) ?? '',
      from: s(c.from[i]) ?? '',
      to: s(c.to[i]),
      tStart: abs(c.tStart[i]),
      tLeave: abs(c.tLeave[i]),
      tJoin: abs(c.tJoin[i]),
      tEnd: abs(c.tEnd[i]),
      att1: c.att1[i],
      att2: c.att2[i],
      sigBefore: c.sigBefore[i],
      sigAfter: c.sigAfter[i],
      lost: c.lost[i],
      lostSeqs: c.lostSeqs[i],
      late: c.late[i],
      lateSeqs: c.lateSeqs[i],
      lateMaxMs: c.lateMax?.[i] ?? null,
      lateAfter: c.lateAfter?.[i] ?? null,
      outage: c.outage[i],
      before: c.before[i],
      after: c.after[i],
      afterRes: c.afterRes?.[i] ?? null,
      seqFrom: c.seqFrom[i],
      seqTo: c.seqTo[i],
      src: s(c.src[i]) ?? '',
      valid: c.valid[i] === 1,
      reason: s(c.reason[i]),
      over: c.over[i] === 1,
      kernel: c.kernel ? s(c.kernel[i]) : null,
      recovery: c.recovery ? s(c.recovery[i]) : null,
      search: '',
    };
    r.search = [r.index, r.variant, r.direction, r.from, r.to ?? '', r.reason ?? '', r.lostSeqs].join(' ').toLowerCase();
    out.push(r);
  }
  return out;
}
