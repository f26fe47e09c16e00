/**
 * The summary statistics of a run's records: the distributions the summary, the CLI and
 * the report show, and each variant judged against its thresholds.
 */
import { max, mean, median, quantileSorted } from 'simple-statistics';
import type { Distribution, RoamRecord, VariantSummary, VariantThresholds } from './schema.ts';

/** Median, mean, p95 (simple-statistics' quantile) and max, rounded to 0.001; all null for no values. */
export function distribution(values: number[]): Distribution {
  if (values.length === 0) return { median: null, mean: null, p95: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    median: round(median(sorted)),
    mean: round(mean(sorted)),
    p95: round(quantileSorted(sorted, 0.95)),
    max: round(max(sorted)),
  };
}

/** Summary of one variant's roams, judged against its thresholds. */
export function summarizeVariant(variant: string, records: RoamRecord[], thresholds: VariantThresholds): VariantSummary {
  const valid = records.filter((r) => r.valid);
  const invalidReasons: Record<string, number> = {};
  for (const r of records) if (!r.valid) invalidReasons[r.invalidReason ?? 'unknown'] = (invalidReasons[r.invalidReason ?? 'unknown'] ?? 0) + 1;
  const nums = (f: (r: RoamRecord) => number | null): number[] => valid.map(f).filter((x): x is number => x !== null);
  const s: VariantSummary = {
    variant,
    roams: records.length,
    valid: valid.length,
    invalid: records.length - valid.length,
    lostPerRoam: distribution(valid.map((r) => r.lost)),
    outageMs: distribution(nums((r) => r.outageMs)),
    afterAssociationMs: distribution(nums((r) => r.afterAssociationMs)),
    beforeAssociationMs: distribution(nums((r) => r.beforeAssociationMs)),
    invalidReasons,
    thresholds,
    failures: [],
  };
  const t = thresholds;
  if (records.length > 0 && s.invalid / records.length > t.maxInvalidFraction) {
    s.failures.push(`${s.invalid} of ${records.length} roams invalid (at most ${Math.round(t.maxInvalidFraction * 100)}% allowed)`);
  }
  if (s.lostPerRoam.median !== null && s.lostPerRoam.median > t.maxMedianLostPerRoam) {
    s.failures.push(`median ${s.lostPerRoam.median} lost per roam (at most ${t.maxMedianLostPerRoam} allowed)`);
  }
  const over = valid.filter((r) => r.lost > t.maxLostPerRoam);
  if (over.length > 0) {
    s.failures.push(`${over.length} roam(s) lost more than ${t.maxLostPerRoam} pings (worst: roam ${over.sort((a, b) => b.lost - a.lost)[0].index}, ${over[0].lost} lost)`);
  }
  if (records.length > 0 && valid.length === 0) s.failures.push('no valid roam');
  return s;
}
