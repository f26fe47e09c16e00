/**
 * Reports: a pure function of the files a run wrote. `writeRunReport(dir)`
 * (re)writes dir/index.html, dir/junit.xml, dir/roams.csv and the run list
 * dir/../index.html; the same files in give the same bytes out.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { distribution } from '../record/summary.ts';
import { RIG_VERSION } from '../version.ts';
import type { IndexData, ReportData } from './data.ts';
import { renderPage } from './html.ts';
import { renderCsv, renderJunit } from './junit.ts';
import { assertRunFolder, isRunFolder, loadRun } from './load.ts';
import { buildReportData } from './model.ts';
import { trendSeries, variantColors } from './trend-series.ts';

export { isRunFolder, loadRun } from './load.ts';
export { buildReportData } from './model.ts';
export { mergeReports, type MergeResult } from './merge.ts';
export type { MergedData } from './merge-data.ts';
export type { ReportData, IndexData } from './data.ts';

export interface RunReportOptions {
  /** Another run folder to compare this run with (variant by variant). */
  compare?: string;
  /** Regenerate the run list in the parent folder too (default true). */
  index?: boolean;
}

/** Write atomically, with fsync: a browser or CI upload never sees half a file, a crash never leaves one. */
function writeAtomic(file: string, text: string): void {
  writeFileAtomic.sync(file, text);
}

/** Build the report data of a run folder (what index.html embeds). */
export function reportDataFor(runDir: string, opts: { compare?: string } = {}): ReportData {
  const run = loadRun(runDir);
  let other = null;
  if (opts.compare) {
    assertRunFolder(resolve(opts.compare));
    other = loadRun(opts.compare, { ping: false, timeline: false });
  }
  return buildReportData(run, other);
}

export async function writeRunReport(runDir: string, opts: RunReportOptions = {}): Promise<void> {
  const dir = resolve(runDir);
  const data = reportDataFor(dir, opts);
  const title = `${data.verdict.title} · ${data.run.bench} · ${data.run.id} · rig roam report`;
  writeAtomic(join(dir, 'index.html'), renderPage('report', title, data));
  writeAtomic(join(dir, 'junit.xml'), renderJunit(data));
  writeAtomic(join(dir, 'roams.csv'), renderCsv(data));
  if (opts.index !== false) await regenerateReportsIndex(dirname(dir));
}

/**
 * reports/index.html: every run folder under `reportsDir`, newest first, with
 * the trend of the median loss per roam of each variant across runs. Reads
 * only each run's summary.json (or, for a run that never finished, its roams).
 */
export async function regenerateReportsIndex(reportsDir: string): Promise<void> {
  const dir = resolve(reportsDir);
  const data = indexDataFor(dir);
  writeAtomic(join(dir, 'index.html'), renderPage('index', `rig roam reports: ${basename(dir)}`, data));
}

export function indexDataFor(dir: string): IndexData {
  const runs: IndexData['runs'] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    names = [];
  }
  for (const name of names) {
    const runDir = join(dir, name);
    if (!isRunFolder(runDir)) continue;
    runs.push(indexEntry(runDir, name));
  }
  runs.sort((a, b) => (b.startedAt || b.id).localeCompare(a.startedAt || a.id) || b.id.localeCompare(a.id));
  const colors = variantColors(runs.flatMap((r) => r.variants.map((v) => v.name)));
  // Loss on one bench says nothing about another: one line per bench and variant when there are several benches.
  const benches = new Set(runs.map((r) => r.bench));
  const series: IndexData['series'] = trendSeries(
    runs.map((r) => ({ bench: r.bench, variants: r.variants.map((v) => v.name) })),
    colors,
    benches.size > 1,
  );
  return { schema: 1, generator: `rig ${RIG_VERSION}`, runs, colors, series };
}

function indexEntry(runDir: string, name: string): IndexData['runs'][number] {
  const href = `${encodeURIComponent(name)}/index.html`;
  const sf = join(runDir, 'summary.json');
  try {
    if (existsSync(sf)) {
      const s = JSON.parse(readFileSync(sf, 'utf8')) as Record<string, unknown>;
      const variants = (Array.isArray(s.variants) ? s.variants : []).filter((v) => v && typeof v === 'object') as Record<string, unknown>[];
      const n = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
      const dist = (x: unknown): { median: number | null; mean: number | null; p95: number | null; max: number | null } => {
        const d = (x && typeof x === 'object' ? x : {}) as Record<string, unknown>;
        const f = (k: string): number | null => (typeof d[k] === 'number' ? (d[k] as number) : null);
        return { median: f('median'), mean: f('mean'), p95: f('p95'), max: f('max') };
      };
      return {
        id: name,
        href,
        bench: String(s.bench ?? ''),
        startedAt: String(s.startedAt ?? ''),
        endedAt: String(s.endedAt ?? ''),
        verdict: String(s.verdict ?? 'unknown'),
        roams: variants.reduce((a, v) => a + n(v.roams), 0),
        valid: variants.reduce((a, v) => a + n(v.valid), 0),
        invalid: variants.reduce((a, v) => a + n(v.invalid), 0),
        variants: variants.map((v) => ({
          name: String(v.variant ?? '?'),
          ...dist(v.lostPerRoam),
          valid: n(v.valid),
          failures: Array.isArray(v.failures) ? v.failures.length : 0,
        })),
        problem: existsSync(join(runDir, 'index.html')) ? null : 'no report in this folder yet (rig report rebuilds it)',
      };
    }
  } catch (e) {
    return { id: name, href, bench: '', startedAt: '', endedAt: '', verdict: 'unreadable', roams: 0, valid: 0, invalid: 0, variants: [], problem: `summary.json unreadable: ${(e as Error).message}` };
  }
  // A run that never finished: figures from its roams.
  const run = loadRun(runDir, { ping: false, timeline: false });
  const byVariant = new Map<string, number[]>();
  for (const r of run.records) {
    if (!byVariant.has(r.variant)) byVariant.set(r.variant, []);
    if (r.valid) byVariant.get(r.variant)!.push(r.lost);
  }
  return {
    id: name,
    href,
    bench: run.summary.bench,
    startedAt: run.summary.startedAt,
    endedAt: '',
    verdict: 'incomplete',
    roams: run.records.length,
    valid: run.records.filter((r) => r.valid).length,
    invalid: run.records.filter((r) => !r.valid).length,
    variants: [...byVariant.entries()].map(([v, lost]) => ({ name: v, ...distribution(lost), valid: lost.length, failures: 0 })),
    problem: 'no summary.json: the run did not finish',
  };
}
