/** The report's verdict block: the run's verdict and, per variant, its figures against its thresholds. */
import type { StatsRow, VariantView, VerdictView } from '../data.ts';
import type { RunData } from '../load.ts';

const VERDICT_TITLE: Record<string, string> = {
  passed: 'PASSED',
  failed: 'FAILED',
  interrupted: 'INTERRUPTED',
  'bench-failure': 'BENCH FAILURE',
  incomplete: 'INCOMPLETE',
};

export function buildVerdict(run: RunData, variants: VariantView[], stats: StatsRow[]): VerdictView {
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
