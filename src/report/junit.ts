import type { ReportData } from './data.ts';
import { csvField, escapeXml as x } from './escape.ts';
import { lateLabel } from './late-cause.ts';

/** A roam's columns as plain values (strings resolved). */
export interface RoamRow {
  index: number;
  variant: string;
  direction: string;
  from: string;
  to: string | null;
  lost: number;
  lostSeqs: string;
  late: number;
  lateSeqs: string;
  /** The late replies in words (`late 5 (ARP stall ~1.0 s)`), `late 0` when none. */
  lateText: string;
  /** The longest late round trip (ms) and the late replies sent after the join; null when not recorded. */
  lateMaxRttMs: number | null;
  lateAfterAssociation: number | null;
  outageMs: number | null;
  beforeAssociationMs: number | null;
  afterAssociationMs: number | null;
  splitResolutionMs: number | null;
  att1: number | null;
  att2: number | null;
  signalBeforeDbm: number | null;
  signalAfterDbm: number | null;
  seqFrom: number;
  seqTo: number;
  timestampSource: string;
  valid: boolean;
  invalidReason: string | null;
  overThreshold: boolean;
  /** Bench seconds from crossfade start to recovery; null when unknown. */
  cycleS: number | null;
}

export function roamRows(d: ReportData): RoamRow[] {
  const c = d.roams;
  const s = (i: number): string | null => (i < 0 ? null : d.strings[i]);
  const rows: RoamRow[] = [];
  for (let i = 0; i < c.n; i++) {
    const start = c.tStart[i];
    const end = c.tEnd[i];
    rows.push({
      index: c.index[i],
      variant: s(c.variant[i]) ?? '',
      direction: s(c.direction[i]) ?? '',
      from: s(c.from[i]) ?? '',
      to: s(c.to[i]),
      lost: c.lost[i],
      lostSeqs: c.lostSeqs[i],
      late: c.late[i],
      lateSeqs: c.lateSeqs[i],
      lateMaxRttMs: c.lateMax?.[i] ?? null,
      lateAfterAssociation: c.lateAfter?.[i] ?? null,
      lateText: lateLabel({ late: c.late[i], lateMaxRttMs: c.lateMax?.[i] ?? null, lateAfterAssociation: c.lateAfter?.[i] ?? null }) ?? 'late 0',
      outageMs: c.outage[i],
      beforeAssociationMs: c.before[i],
      afterAssociationMs: c.after[i],
      splitResolutionMs: c.afterRes?.[i] ?? null,
      att1: c.att1[i],
      att2: c.att2[i],
      signalBeforeDbm: c.sigBefore[i],
      signalAfterDbm: c.sigAfter[i],
      seqFrom: c.seqFrom[i],
      seqTo: c.seqTo[i],
      timestampSource: s(c.src[i]) ?? '',
      valid: c.valid[i] === 1,
      invalidReason: s(c.reason[i]),
      overThreshold: c.over[i] === 1,
      cycleS: start !== null && end !== null && end >= start ? (end - start) / 1000 : null,
    });
  }
  return rows;
}

const ms = (v: number | null): string => (v === null ? '–' : `${Math.round(v)} ms`);

/**
 * JUnit XML for CI: one test suite per variant, one test case per roam. A roam
 * losing more than the variant's maxLostPerRoam fails; an invalid roam is
 * skipped with its reason (it was not measured: neither a pass nor a loss);
 * one more case per variant carries the run's threshold verdict (median,
 * invalid fraction), and a bench failure or interruption is an error.
 */
export function renderJunit(d: ReportData): string {
  const rows = roamRows(d);
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  const props = (extra: [string, string][]): string =>
    [
      ['run', d.run.id],
      ['bench', d.run.bench],
      ['rigVersion', d.run.rigVersion],
      ['inventory', d.run.inventory],
      ['inventoryDigest', d.run.inventoryDigest],
      ['pingCommand', d.run.ping?.command ?? ''],
      ...(d.run.devices ?? []).map((dev): [string, string] => [`device.${dev.name}.banner`, dev.banner ?? '']),
      ...extra,
    ]
      .map(([k, v]) => `      <property name="${x(k)}" value="${x(v)}"/>`)
      .join('\n');

  for (const v of d.variants.filter((vv) => vv.run === 'this')) {
    const th = v.thresholds;
    const cases: string[] = [];
    let sf = 0;
    let ss = 0;
    let time = 0;
    for (const r of rows.filter((rr) => rr.variant === v.name)) {
      const name = `roam ${r.index} ${r.direction}`;
      const cls = `rig.roam.${v.name}.${r.direction.replace(/[^A-Za-z0-9_-]+/g, '_to_')}`;
      const t = r.cycleS ?? 0;
      time += t;
      const facts = `${r.from} -> ${r.to ?? '(none)'}; lost ${r.lost}${r.lostSeqs ? ` (seq ${r.lostSeqs})` : ''}; ${r.lateText}; outage ${ms(r.outageMs)}; after association ${ms(r.afterAssociationMs)}${r.splitResolutionMs ? ` ± ${Math.round(r.splitResolutionMs)}` : ''}`;
      let body: string;
      if (!r.valid) {
        ss++;
        body = `\n      <skipped message="${x(`invalid roam: ${r.invalidReason ?? 'no reason recorded'}`)}"/>\n    `;
      } else if (th && r.lost > th.maxLostPerRoam) {
        sf++;
        body = `\n      <failure type="threshold" message="${x(`lost ${r.lost} pings, more than the ${th.maxLostPerRoam} allowed`)}">${x(facts)}</failure>\n    `;
      } else {
        body = `\n      <system-out>${x(facts)}</system-out>\n    `;
      }
      cases.push(`    <testcase classname="${x(cls)}" name="${x(name)}" time="${t.toFixed(3)}">${body}</testcase>`);
    }
    if (th) {
      const name = `thresholds: median lost per roam at most ${th.maxMedianLostPerRoam}, each roam at most ${th.maxLostPerRoam}, invalid at most ${Math.round(th.maxInvalidFraction * 100)}%`;
      const body = v.failures.length
        ? `\n      <failure type="threshold" message="${x(v.failures.join('; '))}">${x(v.failures.join('\n'))}</failure>\n    `
        : '';
      if (v.failures.length) sf++;
      cases.push(`    <testcase classname="${x(`rig.roam.${v.name}`)}" name="${x(name)}" time="0.000">${body}</testcase>`);
    }
    const n = cases.length;
    tests += n;
    failures += sf;
    skipped += ss;
    const extra: [string, string][] = [['variant', v.name]];
    if (th) extra.push(['maxLostPerRoam', String(th.maxLostPerRoam)], ['maxMedianLostPerRoam', String(th.maxMedianLostPerRoam)], ['maxInvalidFraction', String(th.maxInvalidFraction)]);
    suites.push(
      `  <testsuite name="${x(`rig.roam.${v.name}`)}" tests="${n}" failures="${sf}" errors="0" skipped="${ss}" timestamp="${x(d.run.startedAt.replace(/Z$/, ''))}" time="${time.toFixed(3)}">\n` +
        `    <properties>\n${props(extra)}\n    </properties>\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  if (d.run.benchFailure || d.verdict.status === 'interrupted' || d.verdict.status === 'incomplete') {
    const msg =
      d.run.benchFailure !== null
        ? `bench failure: ${d.run.benchFailure}`
        : d.verdict.status === 'interrupted'
          ? 'the run was interrupted before all roams were done'
          : 'the run did not finish (no summary.json)';
    tests++;
    errors++;
    suites.push(
      `  <testsuite name="rig.run" tests="1" failures="0" errors="1" skipped="0" time="0.000">\n` +
        `    <testcase classname="rig.run" name="run completed" time="0.000">\n      <error type="${x(d.verdict.status)}" message="${x(msg)}"/>\n    </testcase>\n  </testsuite>`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="${x(`rig roam ${d.run.id}`)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}

export const CSV_COLUMNS = [
  'index', 'variant', 'direction', 'from_bssid', 'to_bssid', 'valid', 'invalid_reason', 'lost', 'lost_seqs', 'late', 'late_seqs',
  'outage_ms', 'before_association_ms', 'after_association_ms', 'after_association_resolution_ms', 'attenuation_ap1_db', 'attenuation_ap2_db',
  'signal_before_dbm', 'signal_after_dbm', 'seq_from', 'seq_to', 'timestamp_source', 'over_threshold',
  'late_max_rtt_ms', 'late_after_association',
] as const;

/** roams.csv: one row per roam, the table's columns, for a spreadsheet. */
export function renderCsv(d: ReportData): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of roamRows(d)) {
    lines.push(
      [
        r.index, r.variant, r.direction, r.from, r.to, r.valid, r.invalidReason, r.valid ? r.lost : null, r.lostSeqs, r.late, r.lateSeqs,
        r.outageMs, r.beforeAssociationMs, r.afterAssociationMs, r.splitResolutionMs, r.att1, r.att2, r.signalBeforeDbm, r.signalAfterDbm,
        r.seqFrom, r.seqTo, r.timestampSource, r.overThreshold, r.lateMaxRttMs, r.lateAfterAssociation,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
