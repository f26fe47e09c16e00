/**
 * The report's timeline: attenuation, signal, ping round trips, late and lost echoes on
 * one time axis, thinned to a point budget (min/max per bucket, every lost echo kept),
 * and each roam's window in its ping session.
 */
import type { TimelineView } from '../data.ts';
import { deltaEncode, minMaxIndices } from '../downsample.ts';
import type { RunData } from '../load.ts';
import { sendTimeOf, sessionAt, type PingSession } from '../ping-log.ts';

/** Point budgets of the timeline: far above a nightly run, reached only by thousands of roams. */
export const BUDGET = { rtt: 120_000, att: 40_000, signal: 30_000, lost: 100_000 };

export function timeOrigin(run: RunData): number {
  let t0 = Infinity;
  for (const r of run.records) if (Number.isFinite(r.tStart) && r.tStart < t0) t0 = r.tStart;
  if (run.timeline.att.t.length) t0 = Math.min(t0, run.timeline.att.t[0]);
  if (run.timeline.sig.t.length) t0 = Math.min(t0, run.timeline.sig.t[0]);
  for (const sess of run.ping?.sessions ?? []) if (sess.sendT.length) t0 = Math.min(t0, sess.sendT[0]);
  if (!Number.isFinite(t0)) t0 = Date.parse(run.summary.startedAt) || 0;
  return Math.floor(t0);
}

export interface RoamWindow {
  session: PingSession | null;
  tEnd: number | null;
}

/** Round to a step (0.1 -> one decimal) without float noise in the JSON. */
export const roundTo = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function buildTimeline(run: RunData, t0: number): { timeline: TimelineView; windows: RoamWindow[] } {
  const notes: string[] = [];
  const records = run.records;
  const ping = run.ping;

  // Which ping session (and so which seq numbering) each roam belongs to, and when its window ended.
  const windows: RoamWindow[] = records.map((r) => {
    const session = ping && Number.isFinite(r.tStart) ? sessionAt(ping, r.tStart) : null;
    const tEnd = session && r.seqTo > 0 ? sendTimeOf(session, r.seqTo) : null;
    return { session, tEnd };
  });

  // --- attenuation and signal (columns, sorted by time) --------------------
  const { att: A, sig: S } = run.timeline;
  const attT = A.t;
  const a1 = A.ap1;
  const a2 = A.ap2;
  const bssidAp = new Map<string, string>();
  for (const r of records) {
    if (r.fromBssid && r.fromAp) bssidAp.set(r.fromBssid.toLowerCase(), r.fromAp);
    if (r.toBssid && r.toAp) bssidAp.set(r.toBssid.toLowerCase(), r.toAp);
  }
  const sig = new Map<string, { t: number[]; dbm: number[] }>();
  const apOf = new Map<string, string>();
  for (let i = 0; i < S.t.length; i++) {
    const b = S.bssid[i];
    let ap = apOf.get(b);
    if (ap === undefined) apOf.set(b, (ap = bssidAp.get(b.toLowerCase()) ?? b));
    let ser = sig.get(ap);
    if (!ser) sig.set(ap, (ser = { t: [], dbm: [] }));
    ser.t.push(S.t[i]);
    ser.dbm.push(S.dbm[i]);
  }
  // Attenuation: every step while it fits. Beyond the budget, each ramp is
  // drawn as a straight line between its first and last step (a crossfade is
  // linear), with the plateau before it kept flat: exact at every ramp end.
  let att: TimelineView['att'];
  if (attT.length <= BUDGET.att) {
    att = { t: deltaEncode(attT, t0), ap1: a1.map((v) => roundTo(v, 2)), ap2: a2.map((v) => roundTo(v, 2)), total: attT.length, linear: false };
  } else {
    const pt: number[] = [];
    const p1: number[] = [];
    const p2: number[] = [];
    let prevEnd = -1;
    for (let s0 = 0; s0 < attT.length; ) {
      let e0 = s0;
      while (e0 + 1 < attT.length && A.roam[e0 + 1] === A.roam[s0]) e0++;
      if (prevEnd >= 0) {
        // The plateau ends just before the ramp's first step (1 ms: a distinct time, the chart joins series by time).
        pt.push(attT[s0] - 1);
        p1.push(a1[prevEnd]);
        p2.push(a2[prevEnd]);
      }
      for (const i of e0 > s0 ? [s0, e0] : [s0]) {
        pt.push(attT[i]);
        p1.push(a1[i]);
        p2.push(a2[i]);
      }
      prevEnd = e0;
      s0 = e0 + 1;
    }
    const ai = minMaxIndices(pt, p1, BUDGET.att);
    notes.push(
      `attenuation: ${attT.length.toLocaleString('en-US')} steps drawn as ${ai.length.toLocaleString('en-US')} points: each ramp a straight line between its first and last step` +
        (ai.length < pt.length ? ', min/max per time bucket beyond that' : ''),
    );
    att = { t: deltaEncode(ai.map((i) => pt[i]), t0), ap1: ai.map((i) => roundTo(p1[i], 2)), ap2: ai.map((i) => roundTo(p2[i], 2)), total: attT.length, linear: true };
  }

  const signal = [...sig.entries()]
    .sort((x, y) => x[0].localeCompare(y[0]))
    .map(([ap, ser]) => {
      const bssid = [...bssidAp.entries()].find(([, a]) => a === ap)?.[0];
      const idx = minMaxIndices(ser.t, ser.dbm, BUDGET.signal);
      if (idx.length < ser.t.length) notes.push(`signal from ${ap}: ${idx.length.toLocaleString('en-US')} of ${ser.t.length.toLocaleString('en-US')} samples drawn (min/max per time bucket)`);
      return {
        ap,
        label: bssid ? `signal from ${ap} (${bssid.toUpperCase()})` : `signal from ${ap}`,
        t: deltaEncode(idx.map((i) => ser.t[i]), t0),
        dbm: idx.map((i) => roundTo(ser.dbm[i], 1)),
        total: ser.t.length,
      };
    });

  // --- ping replies ----------------------------------------------------------
  let total = 0;
  for (const sess of ping?.sessions ?? []) total += sess.sendT.length;
  const rt = new Float64Array(total);
  const rms = new Float64Array(total);
  {
    let k = 0;
    for (const sess of ping?.sessions ?? []) {
      for (let i = 0; i < sess.sendT.length; i++) {
        rt[k] = sess.sendT[i];
        rms[k++] = sess.rtt[i];
      }
    }
    // Sessions follow each other in time; within one, send times follow seq order.
    let ordered = true;
    for (let i = 1; i < total && ordered; i++) if (rt[i] < rt[i - 1]) ordered = false;
    if (!ordered) {
      const idx = Array.from({ length: total }, (_, i) => i).sort((x, y) => rt[x] - rt[y]);
      const t2 = Float64Array.from(idx, (i) => rt[i]);
      const m2 = Float64Array.from(idx, (i) => rms[i]);
      rt.set(t2);
      rms.set(m2);
    }
  }
  // Late and lost echoes, placed at their send time in their roam's ping session.
  const lateT: number[] = [];
  const lateMs: number[] = [];
  const lostT: number[] = [];
  const lostSeq: number[] = [];
  records.forEach((r, i) => {
    const sess = windows[i].session;
    if (!sess) return;
    for (const q of r.lostSeqs) {
      const t = sendTimeOf(sess, q);
      if (t !== null) {
        lostT.push(t);
        lostSeq.push(q);
      }
    }
    for (const q of r.lateSeqs) {
      const t = sendTimeOf(sess, q);
      const j = sessIndex(sess, q);
      if (t !== null && j >= 0 && Number.isFinite(sess.rtt[j])) {
        lateT.push(t);
        lateMs.push(roundTo(sess.rtt[j], 1));
      }
    }
  });
  if (ping && ping.sessions.length === 1) {
    for (const q of run.summary.lostOutsideCycles) {
      const t = sendTimeOf(ping.sessions[0], q);
      if (t !== null) {
        lostT.push(t);
        lostSeq.push(q);
      }
    }
  }
  // Keep every reply near a roam (where the story is), thin out the quiet stretches.
  let keep: Uint8Array | undefined;
  if (total > BUDGET.rtt) {
    for (const margin of [2000, 1000, 400, 0]) {
      keep = new Uint8Array(total);
      let count = 0;
      records.forEach((r) => {
        const a = r.tLeave ?? r.tJoin;
        if (a === null) return;
        const b = (r.tJoin ?? a) + (r.afterAssociationMs ?? 0);
        let j = lowerBound(rt, a - margin);
        for (; j < total && rt[j] <= b + margin; j++) if (!keep![j]) {
          keep![j] = 1;
          count++;
        }
      });
      if (count <= BUDGET.rtt * 0.6) break;
      if (margin === 0) keep = undefined;
    }
  }
  const ri = minMaxIndices(rt, rms, BUDGET.rtt, keep);
  if (ri.length < total) {
    notes.push(
      `ping replies: ${ri.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} drawn (all around each roam, min/max RTT per time bucket elsewhere); every lost and late echo is drawn`,
    );
  }
  const order = (t: number[], ...cols: number[][]): void => {
    const idx = t.map((_, i) => i).sort((x, y) => t[x] - t[y]);
    for (const c of [t, ...cols]) {
      const copy = c.slice();
      idx.forEach((from, to) => (c[to] = copy[from]));
    }
  };
  order(lostT, lostSeq);
  order(lateT, lateMs);
  if (lostT.length > BUDGET.lost) {
    const step = lostT.length / BUDGET.lost;
    const pick = Array.from({ length: BUDGET.lost }, (_, i) => Math.floor(i * step));
    notes.push(`lost echoes: ${BUDGET.lost.toLocaleString('en-US')} of ${lostT.length.toLocaleString('en-US')} drawn (evenly spaced)`);
    const t2 = pick.map((i) => lostT[i]);
    const s2 = pick.map((i) => lostSeq[i]);
    lostT.length = lostSeq.length = 0;
    for (let i = 0; i < t2.length; i++) {
      lostT.push(t2[i]);
      lostSeq.push(s2[i]);
    }
  }
  const timeline: TimelineView = {
    t0,
    att,
    signal,
    rtt: { t: deltaEncode(ri.map((i) => rt[i]), t0), ms: ri.map((i) => roundTo(rms[i], rms[i] < 10 ? 2 : 1)), total },
    late: { t: deltaEncode(lateT, t0), ms: lateMs },
    lost: { t: deltaEncode(lostT, t0), seq: lostSeq },
    notes,
  };
  if (!ping) notes.push('no ping.log in the run folder: ping replies and losses are not drawn');
  return { timeline, windows };
}

function sessIndex(s: PingSession, seq: number): number {
  let lo = 0;
  let hi = s.seq.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s.seq[mid] === seq) return mid;
    if (s.seq[mid] < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
