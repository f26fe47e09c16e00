/**
 * One run folder as the merged report sees it: the run's facts and one set of
 * figures per variant, read through the run-record package's tolerant reader
 * (loadRun). The figures are the run's own summary.json's when it has them (what
 * the run's report and `rig roam --json` show), else the same distributions
 * (record/summary.ts) of its roams.jsonl; anything missing is null with the reason,
 * and whatever is wrong with the files is listed, never hidden and never fatal.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readPlan } from '../record/read.ts';
import type { RoamRecord, RunPlan, VariantSummary } from '../record/schema.ts';
import { distribution } from '../record/summary.ts';
import { isRunFolder, loadRun, type RunData } from './load.ts';
import type { DeviceFirmware, Figure } from './merge-data.ts';
import { variantNames } from './model.ts';

/** One variant's figures, before the run is placed among the others. */
export interface VariantFigures {
  variant: string | null;
  firmware: DeviceFirmware[] | null;
  firmwareWhy: string | null;
  roams: Figure;
  valid: Figure;
  lostMedian: Figure;
  lostMax: Figure;
  afterMedian: Figure;
  afterResolution: Figure;
  verdict: string;
  failures: string[];
  source: 'summary.json' | 'roams.jsonl' | null;
}

export interface RunEntry {
  /** The run folder (absolute, symlinks resolved). */
  dir: string;
  id: string;
  bench: string;
  startedAt: string;
  endedAt: string;
  verdict: string;
  benchFailure: string | null;
  hasReport: boolean;
  variants: VariantFigures[];
  problems: string[];
  /** Two copies of one run with the same fingerprint hold the same records. */
  fingerprint: string;
  /** Prefer the most complete copy of a run: a summary, then more records. */
  completeness: number;
}

const known = (value: number): Figure => ({ value, why: null });
const unknown = (why: string): Figure => ({ value: null, why });
const fig = (value: number | null, why: string): Figure => (value === null || !Number.isFinite(value) ? unknown(why) : known(value));

/** A folder the merged report takes as a run: records of a run, or a valid run.json of one that recorded nothing yet. */
export function looksLikeRun(dir: string): boolean {
  if (isRunFolder(dir)) return true;
  if (!existsSync(join(dir, 'run.json'))) return false;
  try {
    readPlan(dir);
    return true;
  } catch {
    return false;
  }
}

function planOf(dir: string, problems: string[]): RunPlan | null {
  if (!existsSync(join(dir, 'run.json'))) return null;
  try {
    return readPlan(dir);
  } catch (e) {
    problems.push(`run.json: ${(e as Error).message.replace(/^--resume \S+: /, '')}`);
    return null;
  }
}

function fingerprintOf(dir: string): string {
  const h = createHash('sha256');
  for (const f of ['summary.json', 'roams.jsonl']) {
    h.update(`${f}\0`);
    try {
      h.update(readFileSync(join(dir, f)));
    } catch {
      h.update('(none)');
    }
    h.update('\0');
  }
  return h.digest('hex');
}

/** Read one run folder; never throws for what is in its files. */
export function readRunEntry(dir: string): RunEntry {
  const problems: string[] = [];
  const plan = planOf(dir, problems);
  const id = basename(dir);
  const base = { dir, id, fingerprint: fingerprintOf(dir), hasReport: existsSync(join(dir, 'index.html')) };
  if (!base.hasReport) problems.push(`no index.html in the run folder (rig report ${id} builds it)`);

  let run: RunData | null = null;
  if (isRunFolder(dir)) {
    try {
      run = loadRun(dir, { ping: false, timeline: false });
    } catch (e) {
      problems.push(`unreadable: ${(e as Error).message}`);
    }
  } else problems.push('neither summary.json nor roams.jsonl: the run recorded no roam (run.json only)');

  if (!run) {
    const why = problems.at(-1)!;
    const variants = (plan?.variants ?? []).map((v) => noFigures(v, why, 'incomplete'));
    return {
      ...base,
      bench: plan?.bench ?? '(unknown bench)',
      startedAt: plan?.startedAt ?? '',
      endedAt: '',
      verdict: 'incomplete',
      benchFailure: null,
      variants: variants.length ? variants : [noFigures(null, why, 'incomplete')],
      problems,
      completeness: 0,
    };
  }

  problems.push(...run.warnings);
  const summaryFile = join(dir, 'summary.json');
  const summaryUnreadable = existsSync(summaryFile) && !run.summaryFound;
  const haveRoams = existsSync(join(dir, 'roams.jsonl'));
  if (!haveRoams) problems.push('roams.jsonl is missing: the per-roam figures (the after-association resolution) are unknown');
  if (run.summaryFound) {
    const raw = rawVariantCount(summaryFile);
    if (raw > run.summary.variants.length) problems.push(`summary.json: ${raw - run.summary.variants.length} of its ${raw} variant entries not readable: their figures come from roams.jsonl`);
  }
  const s = run.summary;
  const verdict = run.summaryFound ? String(s.verdict) : summaryUnreadable ? 'unreadable' : 'incomplete';
  const names = variantNames(run);
  if (!run.summaryFound) for (const v of plan?.variants ?? []) if (!names.includes(v)) names.push(v);
  const byVariant = new Map<string, RoamRecord[]>(names.map((n) => [n, []]));
  for (const r of run.records) byVariant.get(r.variant)?.push(r);

  const variants = names.map((name) =>
    variantFigures(run, name, byVariant.get(name)!, {
      summary: run.summaryFound ? (s.variants.find((v) => v.variant === name) ?? null) : null,
      haveRoams,
      runVerdict: verdict,
      problems,
    }),
  );
  const noVariant = run.summaryFound ? 'summary.json names no variant and roams.jsonl holds no roam' : 'no readable summary.json and no roam in roams.jsonl';
  return {
    ...base,
    bench: run.summaryFound || !plan ? s.bench : plan.bench,
    startedAt: run.summaryFound || !plan ? s.startedAt : plan.startedAt,
    endedAt: s.endedAt,
    verdict,
    benchFailure: s.benchFailure,
    variants: variants.length ? variants : [noFigures(null, noVariant, verdict)],
    problems,
    completeness: (run.summaryFound ? 1e9 : 0) + run.records.length,
  };
}

/** How many entries summary.json's `variants` holds, readable or not. */
function rawVariantCount(file: string): number {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { variants?: unknown };
    return Array.isArray(raw.variants) ? raw.variants.length : 0;
  } catch {
    return 0;
  }
}

function noFigures(variant: string | null, why: string, verdict: string): VariantFigures {
  const u = unknown(why);
  return { variant, firmware: null, firmwareWhy: why, roams: u, valid: u, lostMedian: u, lostMax: u, afterMedian: u, afterResolution: u, verdict, failures: [], source: null };
}

const PASSED_OR_FAILED = new Set(['passed', 'failed']);

function variantFigures(
  run: RunData,
  name: string,
  recs: RoamRecord[],
  o: { summary: VariantSummary | null; haveRoams: boolean; runVerdict: string; problems: string[] },
): VariantFigures {
  const valid = recs.filter((r) => r.valid);
  // The same distributions the run's summary was made of (record/summary.ts).
  const fromRecords = {
    roams: recs.length,
    valid: valid.length,
    lost: distribution(valid.map((r) => r.lost)),
    after: distribution(valid.map((r) => r.afterAssociationMs).filter((x): x is number => x !== null)),
  };
  const sv = o.summary;
  const firmware = firmwareOf(run, name, recs);
  let roams: number;
  let validN: number;
  let lost: { median: number | null; max: number | null };
  let afterMedian: number | null;
  let source: VariantFigures['source'];
  if (sv) {
    ({ roams, valid: validN } = sv);
    lost = sv.lostPerRoam;
    afterMedian = sv.afterAssociationMs.median;
    source = 'summary.json';
    if (o.haveRoams && (sv.roams !== fromRecords.roams || sv.valid !== fromRecords.valid || sv.lostPerRoam.median !== fromRecords.lost.median || sv.lostPerRoam.max !== fromRecords.lost.max)) {
      o.problems.push(
        `${name}: summary.json (${sv.roams} roams, ${sv.valid} valid, lost median ${sv.lostPerRoam.median ?? 'unknown'}, max ${sv.lostPerRoam.max ?? 'unknown'}) and roams.jsonl (${fromRecords.roams} roams, ${fromRecords.valid} valid, lost median ${fromRecords.lost.median ?? 'unknown'}, max ${fromRecords.lost.max ?? 'unknown'}) disagree: the figures shown are the summary's`,
      );
    }
  } else if (o.haveRoams) {
    ({ roams, valid: validN } = fromRecords);
    lost = fromRecords.lost;
    afterMedian = fromRecords.after.median;
    source = 'roams.jsonl';
  } else {
    const why = run.summaryFound ? `${name}: not in summary.json, and no roams.jsonl` : 'neither a readable summary.json nor roams.jsonl';
    return { ...noFigures(name, why, o.runVerdict), ...firmware };
  }
  const noValid = roams === 0 ? 'no roam recorded for this variant' : validN === 0 ? `no valid roam (${roams} invalid)` : null;
  const afterWhy = noValid ?? 'no valid roam has one (ping times unknown, or the ping stream ended inside the blackout)';
  const afterMedianFig = fig(afterMedian, afterWhy);
  return {
    variant: name,
    ...firmware,
    roams: known(roams),
    valid: known(validN),
    lostMedian: fig(lost.median, noValid ?? 'not recorded'),
    lostMax: fig(lost.max, noValid ?? 'not recorded'),
    afterMedian: afterMedianFig,
    afterResolution: afterMedianFig.value === null ? unknown(afterMedianFig.why!) : resolutionOf(valid, o.haveRoams),
    verdict: !PASSED_OR_FAILED.has(o.runVerdict) ? o.runVerdict : sv ? (sv.failures.length ? 'failed' : 'passed') : 'not judged',
    failures: sv ? [...sv.failures] : [],
    source,
  };
}

/** The largest resolution among the valid roams that have an after-association figure (each is within its own). */
function resolutionOf(valid: RoamRecord[], haveRoams: boolean): Figure {
  if (!haveRoams) return unknown('roams.jsonl is missing (the resolution is recorded roam by roam)');
  const withAfter = valid.filter((r) => r.afterAssociationMs !== null);
  if (withAfter.length === 0) return unknown('no roam in roams.jsonl has an after-association figure');
  let worst = 0;
  for (const r of withAfter) {
    const res = r.splitResolutionMs;
    if (res === null || res === undefined || !Number.isFinite(res)) return unknown('not recorded (the run is older than the split by send time)');
    worst = Math.max(worst, res);
  }
  return known(worst);
}

/** What each device ran for a variant: the summary's firmwareByVariant, else the records' own. */
function firmwareOf(run: RunData, name: string, recs: RoamRecord[]): { firmware: DeviceFirmware[] | null; firmwareWhy: string | null } {
  const byDevice = run.summary.firmwareByVariant?.[name];
  if (byDevice && Object.keys(byDevice).length) {
    return {
      firmware: Object.keys(byDevice)
        .sort()
        .map((device) => ({ device, variant: byDevice[device].variant, banner: byDevice[device].banner })),
      firmwareWhy: null,
    };
  }
  const rec = recs.find((r) => r.firmware && Object.keys(r.firmware).length);
  if (rec?.firmware) {
    const fw = rec.firmware;
    return { firmware: Object.keys(fw).sort().map((device) => ({ device, variant: fw[device], banner: null })), firmwareWhy: null };
  }
  return { firmware: null, firmwareWhy: 'not recorded by this run' };
}
