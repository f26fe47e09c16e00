/**
 * `rig report merge DIR... --out DIR`: one report over several run folders, from
 * several benches and nights (each bench's CI artifact, a night's reports folder).
 * Each DIR is a run folder or a folder holding run folders (found up to
 * MAX_DEPTH levels down). The output folder gets index.html (the 'merged' page:
 * one row per run and variant, filterable by bench and night, and the trend per
 * bench and variant) and merged.json (the data the page embeds). A pure function
 * of the run folders: the same inputs give the same bytes, whatever order they are
 * given in; a run given twice (a run folder and its reports folder, or two copies
 * of one artifact) counts once; a damaged run is listed with its reasons.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { UsageError } from '../errors.ts';
import { RIG_VERSION } from '../version.ts';
import { renderPage } from './html.ts';
import type { Figure, MergedData, MergedRow, MergedRun } from './merge-data.ts';
import { looksLikeRun, readRunEntry, type RunEntry } from './merge-run.ts';
import { trendSeries, variantColors } from './trend-series.ts';

/** How deep under a given folder run folders are looked for (an artifact folder holding a reports folder holding runs). */
export const MAX_DEPTH = 3;

export interface MergeResult {
  /** The output folder (absolute). */
  out: string;
  index: string;
  json: string;
  runs: {
    dir: string;
    id: string;
    bench: string;
    night: string | null;
    startedAt: string;
    verdict: string;
    /** The run's own report (absolute), or null when its folder has none. */
    report: string | null;
    /** Other places the same run was given (counted once). */
    alsoAt: string[];
    variants: {
      variant: string | null;
      roams: Figure;
      valid: Figure;
      lostMedian: Figure;
      lostMax: Figure;
      afterMedian: Figure;
      afterResolution: Figure;
      verdict: string;
      source: MergedRow['source'];
    }[];
    problems: string[];
  }[];
  /** Every run's problems, one line each. */
  problems: { run: string; dir: string; problem: string }[];
  data: MergedData;
}

/** The run's start date in UTC (YYYY-MM-DD), or null when it has none. */
export function nightOf(startedAt: string): string | null {
  const t = Date.parse(startedAt);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : null;
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Run folders at or under `dir` (depth-first, by name), not looking inside a run folder or the output folder. */
function findRuns(dir: string, depth: number, skip: string, found: string[]): void {
  if (looksLikeRun(dir)) {
    found.push(dir);
    return;
  }
  if (depth === 0) return;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const sub = join(dir, name);
    if (!isDir(sub) || realOf(sub) === skip) continue;
    findRuns(sub, depth - 1, skip, found);
  }
}

function realOf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

function checkOut(outAbs: string): void {
  if (!existsSync(outAbs)) return;
  if (!isDir(outAbs)) throw new UsageError(`--out ${outAbs} is not a folder`);
  if (looksLikeRun(outAbs)) throw new UsageError(`--out ${outAbs} is a run folder (its index.html is that run's report); give a folder of its own, e.g. reports/merged`);
  const runsIn = readdirSync(outAbs)
    .sort()
    .filter((n) => isDir(join(outAbs, n)) && looksLikeRun(join(outAbs, n)));
  if (runsIn.length) throw new UsageError(`--out ${outAbs} holds run folders (${runsIn[0]}${runsIn.length > 1 ? ', …' : ''}): its index.html is their runs index; give a folder of its own, e.g. ${join(outAbs, 'merged')}`);
}

/** Merge the runs in `dirs` into one report in `out`. Throws a UsageError naming every DIR that is missing or holds no run. */
export async function mergeReports(dirs: readonly string[], out: string): Promise<MergeResult> {
  if (dirs.length === 0) throw new UsageError('report merge: give at least one run folder or reports folder');
  if (!out) throw new UsageError('report merge: --out DIR is required (the folder the merged report is written to)');
  const outAbs = resolve(out);
  checkOut(outAbs);
  const skip = realOf(outAbs);

  // Every run folder given, each once (by its real path), in path order: the result does not depend on the order of the arguments.
  const given = new Set<string>();
  const bad: string[] = [];
  for (const d of dirs) {
    const abs = resolve(d);
    if (!existsSync(abs)) {
      bad.push(`${d}: no such folder`);
      continue;
    }
    if (!isDir(abs)) {
      bad.push(`${d}: not a folder`);
      continue;
    }
    const found: string[] = [];
    findRuns(abs, MAX_DEPTH, skip, found);
    if (found.length === 0) {
      bad.push(`${d} holds no run folder (a folder with summary.json, roams.jsonl or run.json, up to ${MAX_DEPTH} levels down)`);
      continue;
    }
    for (const f of found) given.add(realOf(f));
  }
  if (bad.length) throw new UsageError(`report merge: ${bad.join('; ')}`);

  // Copies of one run (same bench, run id and start) in different places count once: the most complete copy, then the first by path.
  const groups = new Map<string, RunEntry[]>();
  for (const real of [...given].sort()) {
    const e = readRunEntry(real);
    const key = JSON.stringify([e.bench, e.id, e.startedAt]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(e);
  }

  mkdirSync(outAbs, { recursive: true });
  const outReal = realOf(outAbs);
  const rel = (p: string): string => relative(outReal, p).split(sep).join('/') || '.';
  const hrefOf = (e: RunEntry): string | null => (e.hasReport ? rel(join(e.dir, 'index.html')).split('/').map(encodeURIComponent).join('/') : null);

  const chosen = [...groups.values()].map((copies) => {
    const best = copies.slice().sort((a, b) => b.completeness - a.completeness || (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0))[0];
    const others = copies.filter((c) => c !== best);
    const problems = [...best.problems];
    for (const o of others) if (o.fingerprint !== best.fingerprint) problems.push(`another copy of this run, at ${rel(o.dir)}, has different records: the copy at ${rel(best.dir)} is shown`);
    return { e: best, others, problems, night: nightOf(best.startedAt) };
  });
  chosen.sort(
    (a, b) =>
      cmp(a.night ?? '\uffff', b.night ?? '\uffff') || cmp(a.e.bench, b.e.bench) || cmp(a.e.startedAt, b.e.startedAt) || cmp(a.e.id, b.e.id) || cmp(a.e.dir, b.e.dir),
  );

  const runs: MergedRun[] = [];
  const rows: MergedRow[] = [];
  chosen.forEach(({ e, others, problems, night }, i) => {
    const href = hrefOf(e);
    runs.push({
      id: e.id,
      bench: e.bench,
      night,
      startedAt: e.startedAt,
      endedAt: e.endedAt,
      verdict: e.verdict,
      path: rel(e.dir),
      alsoAt: others.map((o) => rel(o.dir)),
      href,
      variants: e.variants.flatMap((v) => (v.variant === null ? [] : [v.variant])),
      benchFailure: e.benchFailure,
      problems,
    });
    for (const v of e.variants) rows.push({ run: i, bench: e.bench, night, runId: e.id, startedAt: e.startedAt, ...v, href });
  });

  const colors = variantColors(runs.flatMap((r) => r.variants));
  const data: MergedData = {
    schema: 1,
    generator: `rig ${RIG_VERSION}`,
    runs,
    rows,
    benches: [...new Set(runs.map((r) => r.bench))].sort(),
    nights: [...new Set(runs.flatMap((r) => (r.night ? [r.night] : [])))].sort(),
    colors,
    series: trendSeries(runs, colors, true),
  };
  const json = join(outAbs, 'merged.json');
  const index = join(outAbs, 'index.html');
  const title = `rig merged roam report: ${data.benches.length} bench${data.benches.length === 1 ? '' : 'es'}, ${data.nights.length} night${data.nights.length === 1 ? '' : 's'}`;
  writeFileAtomic.sync(json, JSON.stringify(data, null, 2) + '\n');
  writeFileAtomic.sync(index, renderPage('merged', title, data));

  return {
    out: outAbs,
    index,
    json,
    runs: chosen.map(({ e, others, problems, night }) => ({
      dir: e.dir,
      id: e.id,
      bench: e.bench,
      night,
      startedAt: e.startedAt,
      verdict: e.verdict,
      report: e.hasReport ? join(e.dir, 'index.html') : null,
      alsoAt: others.map((o) => o.dir),
      variants: e.variants.map((v) => ({
        variant: v.variant,
        roams: v.roams,
        valid: v.valid,
        lostMedian: v.lostMedian,
        lostMax: v.lostMax,
        afterMedian: v.afterMedian,
        afterResolution: v.afterResolution,
        verdict: v.verdict,
        source: v.source,
      })),
      problems,
    })),
    problems: chosen.flatMap(({ e, problems }) => problems.map((problem) => ({ run: e.id, dir: e.dir, problem }))),
    data,
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
