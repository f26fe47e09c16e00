/**
 * Loss attribution (docs/roam-cycle.md, "Attribution"): a pure function from the ping
 * analysis, a roam's sequence window and its join time to the record's numbers. Loss
 * belongs to a roam by sequence number, never by clock. Time is used for two things:
 *
 * - the outage (`outageMs`): from the last reply before the gap to the first reply after
 *   it, as ping saw it;
 * - the split at the association: every ping is placed before or after the join by when
 *   it was SENT, not by when the gap ended. An answered ping's send time is its reply
 *   time (a -D stamp, or its arrival at the rig) minus its round trip; a lost ping's is
 *   interpolated from the answered pings around it. The transmit blackout after the
 *   join then lies between the send time of the last ping lost after the join and that
 *   of the first one answered after it: the record gives the middle of that bracket
 *   (`afterAssociationMs`) and its half-width (`splitResolutionMs`, about half an
 *   interval with -D stamps, plus how far the lost ping's interpolated send time can be
 *   off: the slack its gap shows beyond whole intervals). With no ping lost after the join there is no sign of a
 *   blackout: 0, and the resolution says how long one could have lasted unseen (until
 *   the first ping sent after the join). Without -D the times are arrival times, which
 *   carry the SSH delivery's jitter: the resolution is then one whole interval plus the
 *   jitter the window's own replies show. A blackout whose end no answered ping shows
 *   (the stream ended in it) is unknown (null), never guessed.
 */
import type { PingAnalyzer } from '../ping/analyzer.ts';
import type { RoamRecord } from '../record/schema.ts';

export type Attribution = Pick<
  RoamRecord,
  | 'seqFrom'
  | 'seqTo'
  | 'lostSeqs'
  | 'lateSeqs'
  | 'late'
  | 'lateMaxRttMs'
  | 'lateAfterAssociation'
  | 'lost'
  | 'outageMs'
  | 'beforeAssociationMs'
  | 'afterAssociationMs'
  | 'splitResolutionMs'
  | 'timestampSource'
>;

/** What attribution asks of the ping analysis (PingAnalyzer has it). */
export type PingWindowView = Pick<
  PingAnalyzer,
  'answered' | 'rttMs' | 'sendTimeMs' | 'lostIn' | 'lateIn' | 'outagesIn' | 'highestSeq' | 'timestampSource' | 'intervalMs'
>;

/** Highest seq that has a reply (-1 if none). */
export function highestAnswered(a: Pick<PingAnalyzer, 'highestSeq' | 'answered'>): number {
  for (let s = a.highestSeq(), i = 0; s >= 0 && i < 100_000; s--, i++) if (a.answered(s)) return s;
  return -1;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** The largest of the known values (rounded), null when none is known. */
function maxFinite(xs: number[]): number | null {
  const known = xs.filter(Number.isFinite);
  return known.length > 0 ? round(Math.max(...known)) : null;
}

/** How far beyond the window to look for answered pings that anchor the send times. */
const ANCHOR_REACH = 50;

/**
 * Send times around a window, from the analysis (PingAnalyzer.sendTimeMs: an answered,
 * on-time ping's reply minus its RTT; any other interpolated between such neighbours).
 * Anchors are the answered, on-time pings: a late reply's arrival says little about when
 * it left.
 */
class SendTimes {
  private readonly anchors: { seq: number; atMs: number }[] = [];

  constructor(
    private readonly a: PingWindowView,
    from: number,
    to: number,
  ) {
    for (let s = Math.max(0, from - ANCHOR_REACH); s <= to + ANCHOR_REACH; s++) {
      if (!a.answered(s) || a.rttMs(s) > a.intervalMs) continue;
      const t = a.sendTimeMs(s);
      if (t !== undefined) this.anchors.push({ seq: s, atMs: t });
    }
  }

  get known(): boolean {
    return this.anchors.length > 0;
  }

  /**
   * How unevenly the anchors' times fall, ms: the largest distance of an anchor from the
   * middle of its two neighbours (three consecutive seqs). With arrival times this is the
   * delivery's jitter, which the split's resolution must include.
   */
  jitterMs(): number {
    let max = 0;
    const an = this.anchors;
    for (let i = 1; i + 1 < an.length; i++) {
      if (an[i - 1].seq !== an[i].seq - 1 || an[i + 1].seq !== an[i].seq + 1) continue;
      max = Math.max(max, Math.abs(an[i].atMs - (an[i - 1].atMs + an[i + 1].atMs) / 2));
    }
    return max;
  }

  /**
   * How far the interpolated send time of an unanswered `seq` can be off, ms. ping never
   * sends sooner than its interval after the previous ping, so between its answered
   * neighbours a and b, seq left between t(a) + (seq - a)·I and t(b) - (b - seq)·I: the
   * gap's slack, (t(b) - t(a)) - (b - a)·I, bounds the error (the kernel's timer and the
   * stamps' own unevenness, jitterMs, come on top). Without an anchor on each side, only
   * the jitter is known.
   */
  interpolationErrorMs(seq: number): number {
    let lo: { seq: number; atMs: number } | undefined;
    let hi: { seq: number; atMs: number } | undefined;
    for (const x of this.anchors) {
      if (x.seq < seq) lo = x;
      else if (x.seq > seq) {
        hi = x;
        break;
      } else return 0; // answered: its own stamp
    }
    const slack = lo && hi ? Math.max(0, hi.atMs - lo.atMs - (hi.seq - lo.seq) * this.a.intervalMs) : 0;
    return slack + this.jitterMs();
  }

  /** Estimated send time of `seq`; undefined when no answered ping anchors it. */
  of(seq: number): number | undefined {
    return this.a.sendTimeMs(seq, ANCHOR_REACH);
  }

  /** The first anchor sent strictly after `t`. */
  firstAnchorAfter(t: number): { seq: number; atMs: number } | undefined {
    return this.anchors.find((x) => x.atMs > t);
  }

  /** The last anchor sent at or before `t`. */
  lastAnchorAtOrBefore(t: number): { seq: number; atMs: number } | undefined {
    let out: { seq: number; atMs: number } | undefined;
    for (const x of this.anchors) if (x.atMs <= t) out = x;
    return out;
  }
}

/**
 * The numbers of the window [seqFrom, seqTo]: lost and late seqs, the outage that holds
 * the join (else the one that lost most; 0 when there is none), and the split of the
 * transmit blackout at the join `tJoinMs` (on the same clock as the reply times).
 */
export function attributeWindow(a: PingWindowView, window: { seqFrom: number; seqTo: number }, tJoinMs: number): Attribution {
  const { seqFrom, seqTo } = window;
  const lostSeqs = a.lostIn(seqFrom, seqTo);
  const lateSeqs = a.lateIn(seqFrom, seqTo);
  const out: Attribution = {
    seqFrom,
    seqTo,
    lostSeqs,
    lateSeqs,
    late: lateSeqs.length,
    lateMaxRttMs: maxFinite(lateSeqs.map((q) => a.rttMs(q))),
    lateAfterAssociation: 0,
    lost: lostSeqs.length,
    outageMs: null,
    beforeAssociationMs: null,
    afterAssociationMs: null,
    splitResolutionMs: null,
    timestampSource: a.timestampSource,
  };
  const outages = a.outagesIn(seqFrom, seqTo);
  const send = new SendTimes(a, seqFrom, seqTo);
  // Late replies to pings sent after the join (an ARP entry lost in the roam: ~1 s late).
  out.lateAfterAssociation = lateSeqs.filter((q) => {
    const t = send.of(q);
    return t !== undefined && t >= tJoinMs;
  }).length;

  // The outage as ping saw it: the one holding the join, else the one that lost most.
  if (outages.length > 0) {
    const holdsJoin = outages.find((o) => {
      const t0 = send.of(o.firstSeq);
      const t1 = send.of(o.lastSeq + 1);
      return t0 !== undefined && t1 !== undefined && t0 - a.intervalMs <= tJoinMs && tJoinMs <= t1;
    });
    out.outageMs = (holdsJoin ?? [...outages].sort((x, y) => y.lost - x.lost)[0]).durationMs;
  } else out.outageMs = 0;
  if (!send.known) return out;

  // Transmit blackout after the join: from the join until the first ping sent after the
  // join that got through; the pings lost in between were sent into it. None lost in
  // between: no sign of a blackout, 0, and it could have lasted unseen at most until
  // that first ping was sent.
  const arrival = a.timestampSource !== 'ping';
  const firstOk = send.firstAnchorAfter(tJoinMs);
  if (firstOk) {
    const lostAfter = lostSeqs.filter((q) => {
      const t = send.of(q);
      return t !== undefined && t >= tJoinMs && t < firstOk.atMs;
    });
    const hi = firstOk.atMs - tJoinMs;
    const lo = lostAfter.length > 0 ? (send.of(lostAfter[lostAfter.length - 1]) as number) - tJoinMs : 0;
    const [value, halfWidth] = lostAfter.length > 0 ? [(lo + hi) / 2, (hi - lo) / 2] : [0, hi];
    out.afterAssociationMs = round(Math.max(0, value));
    // The last lost ping's send time is interpolated (interpolationErrorMs bounds how far
    // off it can be). With arrival times the delivery's jitter touches every time.
    const interpolation = lostAfter.length > 0 ? send.interpolationErrorMs(lostAfter[lostAfter.length - 1]) : 0;
    out.splitResolutionMs = round(arrival ? Math.max(a.intervalMs, halfWidth) + Math.max(send.jitterMs(), interpolation) : halfWidth + interpolation);
  }

  // Before the join: the pings lost between the last one that got through before the join
  // and the join; the blackout began between the send times of that last good ping and
  // the first lost one (their middle is taken). None lost there: 0.
  const lastOk = send.lastAnchorAtOrBefore(tJoinMs);
  const lostBefore = lostSeqs.filter((q) => {
    const t = send.of(q);
    return t !== undefined && t < tJoinMs && (!lastOk || t > lastOk.atMs);
  });
  if (lostBefore.length === 0) out.beforeAssociationMs = 0;
  else {
    const firstLost = send.of(lostBefore[0]) as number;
    const start = lastOk ? (lastOk.atMs + firstLost) / 2 : firstLost;
    out.beforeAssociationMs = round(Math.max(0, tJoinMs - start));
  }
  return out;
}
