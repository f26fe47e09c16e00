/**
 * The report's data (what index.html embeds), built from a run folder's contents:
 * per-variant views and statistics, the histogram, A/B comparisons, and (in model/)
 * the verdict, the timeline and the per-roam columns.
 */
import { distribution } from '../record/summary.ts';
import type { RoamRecord } from '../record/schema.ts';
import { RIG_VERSION } from '../version.ts';
import type {
  ComparisonView,
  HistogramView,
  ReportData,
  RunMeta,
  StatsRow,
  Thresholds,
  VariantView,
} from './data.ts';
import type { RunData } from './load.ts';
import { buildRoamColumns } from './model/roam-columns.ts';
import { buildTimeline, timeOrigin } from './model/timeline.ts';
import { buildVerdict } from './model/verdict.ts';
import { compareSamples, type Metric } from './stats.ts';

/** Okabe-Ito: tells variants apart for colour-blind readers too. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#8C6D31', '#666666'];

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
    trigger: s.trigger ?? 'crossfade',
    security: run.security,
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

