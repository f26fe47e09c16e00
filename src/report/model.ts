import { distribution } from '../record/summary.ts';
import type { RoamRecord } from '../record/schema.ts';
import { RIG_VERSION } from '../version.ts';
import type {
  ComparisonView,
  HistogramView,
  ReportData,
  RoamColumns,
  RunMeta,
  StatsRow,
  Thresholds,
  TimelineView,
  VariantView,
  VerdictView,
} from './data.ts';
import { deltaEncode, minMaxIndices } from './downsample.ts';
import type { RunData } from './load.ts';
import { sendTimeOf, sessionAt, type PingSession } from './ping-log.ts';
import { compareSamples, type Metric } from './stats.ts';

/** Okabe-Ito: tells variants apart for colour-blind readers too. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#8C6D31', '#666666'];

/** Point budgets of the timeline: far above a nightly run, reached only by thousands of roams. */
export const BUDGET = { rtt: 120_000, att: 40_000, signal: 30_000, lost: 100_000 };

const VERDICT_TITLE: Record<string, string> = {
  passed: 'PASSED',
  failed: 'FAILED',
  interrupted: 'INTERRUPTED',
  'bench-failure': 'BENCH FAILURE',
  incomplete: 'INCOMPLETE',
};

/** The baseline of a comparison: "stock" when the run has it, else the first variant. */
export function baselineOf(names: string[]): string {
  return names.includes('stock') ? 'stock' : names[0];
}

export function variantNames(run: RunData): string[] {
  const names = run.summary.variants.map((v) => v.variant);
  for (const r of run.records) if (!names.includes(r.variant)) names.push(r.variant);
  return names;
}

const METRICS: { metric: Metric; pick: (r: RoamRecord) => number | null }[] = [
  { metric: 'lost', pick: (r) => r.lost },
  { metric: 'outageMs', pick: (r) => r.outageMs },
  { metric: 'afterAssociationMs', pick: (r) => r.afterAssociationMs },
];

function valuesOf(records: RoamRecord[], pick: (r: RoamRecord) => number | null): number[] {
  const out: number[] = [];
  for (const r of records) {
    if (!r.valid) continue;
    const v = pick(r);
    if (v !== null && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function compareGroups(scope: string, aLabel: string, a: RoamRecord[], bLabel: string, b: RoamRecord[]): ComparisonView {
  const metrics = METRICS.map(({ metric, pick }) => compareSamples(metric, aLabel, valuesOf(a, pick), bLabel, valuesOf(b, pick)));
  return { scope, headline: metrics[0], metrics };
}

/** Build everything the page shows from one run (and optionally the run it is compared with). */
export function buildReportData(run: RunData, other: RunData | null = null): ReportData {
  const s = run.summary;
  const names = variantNames(run);
  const byVariant = new Map<string, RoamRecord[]>(names.map((n) => [n, []]));
  for (const r of run.records) byVariant.get(r.variant)!.push(r);

  const variants: VariantView[] = names.map((name, i) => variantView(run, name, byVariant.get(name)!, `this:${name}`, name, 'this', PALETTE[i % PALETTE.length]));
  const otherByVariant = new Map<string, RoamRecord[]>();
  if (other) {
    const otherNames = variantNames(other);
    for (const n of otherNames) otherByVariant.set(n, []);
    for (const r of other.records) otherByVariant.get(r.variant)!.push(r);
    otherNames.forEach((name, i) =>
      variants.push(variantView(other, name, otherByVariant.get(name)!, `other:${name}`, `${name} @ ${other.id}`, 'other', PALETTE[(names.length + i) % PALETTE.length])),
    );
  }

  // --- comparisons -------------------------------------------------------
  const comparisons: ComparisonView[] = [];
  if (names.length >= 2) {
    const base = baselineOf(names);
    for (const n of names) {
      if (n !== base) comparisons.push(compareGroups('within this run', base, byVariant.get(base)!, n, byVariant.get(n)!));
    }
  }
  if (other) {
    const otherNames = [...otherByVariant.keys()];
    const pairs: [string, string][] = names.filter((n) => otherByVariant.has(n)).map((n) => [n, n]);
    if (pairs.length === 0 && names.length > 0 && otherNames.length > 0) pairs.push([baselineOf(otherNames), baselineOf(names)]);
    for (const [on, tn] of pairs) {
      comparisons.push(
        compareGroups(`against run ${other.id}`, `${on} @ ${other.id}`, otherByVariant.get(on)!, `${tn} @ this run`, byVariant.get(tn)!),
      );
    }
  }

  // --- statistics per variant and direction ------------------------------
  const stats: StatsRow[] = [];
  for (const v of variants.filter((x) => x.run === 'this')) {
    const recs = byVariant.get(v.name)!;
    const dirs = [...new Set(recs.map((r) => r.direction))].sort();
    stats.push(statsRow(v.key, 'all', recs, v.thresholds));
    for (const d of dirs) stats.push(statsRow(v.key, d, recs.filter((r) => r.direction === d), v.thresholds));
  }
  if (other) {
    for (const v of variants.filter((x) => x.run === 'other')) stats.push(statsRow(v.key, 'all', otherByVariant.get(v.name)!, v.thresholds));
  }

  const histogram = buildHistogram(variants.map((v) => ({ key: v.key, recs: v.run === 'this' ? byVariant.get(v.name)! : otherByVariant.get(v.name)! })));
  const t0 = timeOrigin(run);
  const { timeline, windows } = buildTimeline(run, t0);
  const strings: string[] = [];
  const roams = buildRoamColumns(run, t0, windows, variants, strings);

  const verdict = buildVerdict(run, variants.filter((v) => v.run === 'this'), stats);
  const meta: RunMeta = {
    id: run.id,
    bench: s.bench,
    essid: run.essid,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    rigVersion: s.rigVersion,
    inventory: s.inventory,
    inventoryDigest: s.inventoryDigest,
    virtual: s.virtual,
    timeScale: s.timeScale,
    ping: s.ping,
    attenuators: Object.entries(s.attenuators),
    devices: run.devices ? Object.entries(run.devices).map(([name, d]) => ({ name, banner: d.banner, variant: d.variant })) : null,
    roams: run.records.length,
    valid: run.records.filter((r) => r.valid).length,
    invalid: run.records.filter((r) => !r.valid).length,
    lostOutsideCycles: s.lostOutsideCycles,
    problems: s.problems,
    warnings: run.warnings,
    benchFailure: s.benchFailure,
    pingErrors: { count: run.ping?.errorCount ?? 0, first: (run.ping?.errors ?? []).slice(0, 20) },
    compareWith: other ? { id: other.id, bench: other.summary.bench, startedAt: other.summary.startedAt } : null,
  };
  return { schema: 1, generator: `rig ${RIG_VERSION}`, run: meta, verdict, variants, stats, histogram, comparisons, timeline, roams, strings };
}

function variantView(run: RunData, name: string, recs: RoamRecord[], key: string, label: string, which: 'this' | 'other', color: string): VariantView {
  const vs = run.summary.variants.find((v) => v.variant === name);
  const reasons = new Map<string, number>();
  for (const r of recs) if (!r.valid) reasons.set(r.invalidReason ?? 'unknown', (reasons.get(r.invalidReason ?? 'unknown') ?? 0) + 1);
  const t = vs?.thresholds as Partial<Thresholds> | undefined;
  const thresholds =
    t && typeof t.maxLostPerRoam === 'number' && typeof t.maxMedianLostPerRoam === 'number' && typeof t.maxInvalidFraction === 'number'
      ? { maxLostPerRoam: t.maxLostPerRoam, maxMedianLostPerRoam: t.maxMedianLostPerRoam, maxInvalidFraction: t.maxInvalidFraction }
      : null;
  return {
    key,
    name,
    label,
    run: which,
    color,
    thresholds,
    failures: Array.isArray(vs?.failures) ? vs.failures.map(String) : [],
    roams: recs.length,
    valid: recs.filter((r) => r.valid).length,
    invalid: recs.filter((r) => !r.valid).length,
    invalidReasons: [...reasons.entries()].sort((a, b) => b[1] - a[1]),
  };
}

function statsRow(variantKey: string, direction: string, recs: RoamRecord[], th: Thresholds | null): StatsRow {
  const valid = recs.filter((r) => r.valid);
  return {
    variantKey,
    direction,
    roams: recs.length,
    valid: valid.length,
    invalid: recs.length - valid.length,
    lost: distribution(valid.map((r) => r.lost)),
    outageMs: distribution(valuesOf(valid, (r) => r.outageMs)),
    afterAssociationMs: distribution(valuesOf(valid, (r) => r.afterAssociationMs)),
    beforeAssociationMs: distribution(valuesOf(valid, (r) => r.beforeAssociationMs)),
    overThreshold: th ? valid.filter((r) => r.lost > th.maxLostPerRoam).length : null,
  };
}

function buildHistogram(groups: { key: string; recs: RoamRecord[] }[]): HistogramView {
  let maxLost = 0;
  for (const g of groups) for (const r of g.recs) if (r.valid && r.lost > maxLost) maxLost = r.lost;
  const binWidth = Math.max(1, Math.ceil((maxLost + 1) / 40));
  const bins = Math.floor(maxLost / binWidth) + 1;
  const x = Array.from({ length: bins }, (_, i) => i * binWidth);
  const series = groups.map((g) => {
    const counts = new Array<number>(bins).fill(0);
    let n = 0;
    for (const r of g.recs) {
      if (!r.valid) continue;
      counts[Math.floor(r.lost / binWidth)]++;
      n++;
    }
    return { variantKey: g.key, counts, n };
  });
  return { binWidth, x, series };
}

function buildVerdict(run: RunData, variants: VariantView[], stats: StatsRow[]): VerdictView {
  const s = run.summary;
  const status = s.verdict;
  const lines = variants.map((v) => {
    const row = stats.find((r) => r.variantKey === v.key && r.direction === 'all')!;
    const th = v.thresholds;
    const parts = [`${v.valid} of ${v.roams} roams valid`];
    const med = row.lost.median;
    parts.push(`median ${med ?? '–'} lost per roam${th ? ` (at most ${th.maxMedianLostPerRoam} allowed)` : ''}`);
    parts.push(`worst ${row.lost.max ?? '–'}${th ? ` (at most ${th.maxLostPerRoam} allowed)` : ''}`);
    if (row.afterAssociationMs.median !== null) parts.push(`blackout after association median ${Math.round(row.afterAssociationMs.median)} ms`);
    if (v.invalid > 0) parts.push(`${v.invalid} invalid${th ? ` (at most ${Math.round(th.maxInvalidFraction * 100)}% allowed)` : ''}`);
    return { variant: v.name, text: parts.join('; '), passed: th ? v.failures.length === 0 : null };
  });
  const failures = variants.flatMap((v) => v.failures.map((text) => ({ variant: v.name, text })));
  let title = VERDICT_TITLE[status] ?? status.toUpperCase();
  if (status === 'failed' && failures.length === 0) title = 'FAILED';
  return { status, title, lines, failures };
}

function timeOrigin(run: RunData): number {
  let t0 = Infinity;
  for (const r of run.records) if (Number.isFinite(r.tStart) && r.tStart < t0) t0 = r.tStart;
  if (run.timeline.att.t.length) t0 = Math.min(t0, run.timeline.att.t[0]);
  if (run.timeline.sig.t.length) t0 = Math.min(t0, run.timeline.sig.t[0]);
  for (const sess of run.ping?.sessions ?? []) if (sess.sendT.length) t0 = Math.min(t0, sess.sendT[0]);
  if (!Number.isFinite(t0)) t0 = Date.parse(run.summary.startedAt) || 0;
  return Math.floor(t0);
}

interface RoamWindow {
  session: PingSession | null;
  tEnd: number | null;
}

/** Round to a step (0.1 -> one decimal) without float noise in the JSON. */
const roundTo = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function buildTimeline(run: RunData, t0: number): { timeline: TimelineView; windows: RoamWindow[] } {
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

function buildRoamColumns(run: RunData, t0: number, windows: RoamWindow[], variants: VariantView[], strings: string[]): RoamColumns {
  const ids = new Map<string, number>();
  const str = (x: string | null): number => {
    if (x === null) return -1;
    let i = ids.get(x);
    if (i === undefined) {
      i = strings.length;
      strings.push(x);
      ids.set(x, i);
    }
    return i;
  };
  const rel = (t: number | null): number | null => (t === null || !Number.isFinite(t) ? null : Math.round(t - t0));
  const r1 = (x: number | null): number | null => (x === null ? null : roundTo(x, 1));
  const th = new Map(variants.filter((v) => v.run === 'this').map((v) => [v.name, v.thresholds]));
  const recs = run.records;
  const cols: RoamColumns = {
    n: recs.length,
    index: [], variant: [], direction: [], from: [], to: [], tStart: [], tLeave: [], tJoin: [], tEnd: [],
    att1: [], att2: [], sigBefore: [], sigAfter: [], lost: [], lostSeqs: [], late: [], lateSeqs: [],
    outage: [], before: [], after: [], seqFrom: [], seqTo: [], src: [], valid: [], reason: [], over: [],
  };
  recs.forEach((r, i) => {
    cols.index.push(r.index);
    cols.variant.push(str(r.variant));
    cols.direction.push(str(r.direction));
    cols.from.push(str(r.fromBssid));
    cols.to.push(str(r.toBssid));
    cols.tStart.push(rel(r.tStart));
    cols.tLeave.push(rel(r.tLeave));
    cols.tJoin.push(rel(r.tJoin));
    cols.tEnd.push(rel(windows[i].tEnd));
    cols.att1.push(r.attenuationDb?.ap1 ?? null);
    cols.att2.push(r.attenuationDb?.ap2 ?? null);
    cols.sigBefore.push(r.signalBeforeDbm);
    cols.sigAfter.push(r.signalAfterDbm);
    cols.lost.push(r.lost);
    cols.lostSeqs.push(r.lostSeqs.join(' '));
    cols.late.push(r.lateSeqs.length);
    cols.lateSeqs.push(r.lateSeqs.join(' '));
    cols.outage.push(r1(r.outageMs));
    cols.before.push(r1(r.beforeAssociationMs));
    cols.after.push(r1(r.afterAssociationMs));
    cols.seqFrom.push(r.seqFrom);
    cols.seqTo.push(r.seqTo);
    cols.src.push(str(r.timestampSource));
    cols.valid.push(r.valid ? 1 : 0);
    cols.reason.push(str(r.valid ? null : r.invalidReason));
    const t = th.get(r.variant);
    cols.over.push(r.valid && t && r.lost > t.maxLostPerRoam ? 1 : 0);
  });
  return cols;
}
