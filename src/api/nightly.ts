/**
 * `rig nightly`: what a CI job on a bench's runner runs each night, in one command and
 * one run folder: the preflight (check.json), every variant flashed and roamed in turn
 * (A/B), the report, JUnit and CSV, and one exit code (0 passed, 1 a threshold failed,
 * 3 the bench failed, the check included; 130/143 interrupted). A failed preflight still
 * leaves a run folder that says why, so the CI artifact and the runs index show it.
 */
import { resolve, join } from 'node:path';
import type { Provisioner } from '../bench/provision.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { RunFolder } from '../record/run-folder.ts';
import type { RunSummary } from '../record/schema.ts';
import { writeRunReport } from '../report/index.ts';
import { planRun } from '../roam/plan.ts';
import { runRoam, type ProgressEvent, type RunResult } from '../roam/run.ts';
import { RIG_VERSION } from '../version.ts';
import { check, type CheckResult } from './check.ts';
import { provisionBench } from './provision.ts';

export interface NightlyOptions {
  inventory: string;
  bench?: string;
  variants: string[];
  count: number;
  reportsDir?: string;
  provision?: Provisioner;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  log?: (m: string) => void;
}

export interface NightlyResult extends RunResult {
  check: CheckResult;
}

export async function nightly(o: NightlyOptions): Promise<NightlyResult> {
  const provision = o.provision ?? provisionBench;
  o.onProgress?.({ kind: 'setup', message: 'preflight: rig check' });
  const pre = await check({ inventory: o.inventory, bench: o.bench, provision, log: o.log });
  if (!pre.passed) return preflightFailed(o, pre);
  const result = await runRoam({
    inventory: o.inventory,
    bench: o.bench,
    variants: o.variants,
    count: o.count,
    reportsDir: o.reportsDir,
    provision,
    signal: o.signal,
    onProgress: o.onProgress,
    log: o.log,
  });
  new RunFolder(result.runDir).writeJson('check.json', pre);
  await writeRunReport(result.runDir);
  return { ...result, check: pre };
}

/** A run folder that holds the failed preflight and a summary saying the bench failed; exit 3. */
async function preflightFailed(o: NightlyOptions, pre: CheckResult): Promise<NightlyResult> {
  const plan = await planRun({ inventory: o.inventory, bench: o.bench, variants: o.variants, count: o.count });
  const loaded = await loadInventory(resolve(o.inventory));
  const { bench } = selectBench(loaded, plan.bench);
  const folder = new RunFolder(join(resolve(o.reportsDir ?? join(loaded.dir, 'reports')), RunFolder.newRunId(plan.bench)), plan);
  const failed = pre.items.filter((i) => i.status === 'failed').map((i) => `${i.check} ${i.subject}: ${i.detail}`);
  const summary: RunSummary = {
    runDir: folder.dir,
    bench: plan.bench,
    inventory: loaded.file,
    inventoryDigest: loaded.digest,
    rigVersion: RIG_VERSION,
    startedAt: plan.startedAt,
    endedAt: new Date().toISOString(),
    timeScale: plan.timeScale,
    virtual: Boolean(bench.virtual),
    ping: null,
    attenuators: {},
    essid: bench.essid,
    variants: [],
    lostOutsideCycles: [],
    verdict: 'bench-failure',
    benchFailure: `the preflight failed: ${failed.join('; ')}`,
    problems: [],
  };
  folder.writeJson('check.json', pre);
  folder.writeSummary(summary);
  folder.close();
  await writeRunReport(folder.dir);
  return { runDir: folder.dir, summary, exitCode: 3, check: pre };
}
