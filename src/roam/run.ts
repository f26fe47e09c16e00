/**
 * `rig roam` as a function: plan the run, open its folder, bring the bench up through
 * the provisioner the caller chose, roam `count` times per variant, write the summary.
 * Records are written as each roam ends. The report is the caller's to build from the
 * run folder (src/api/roam.ts does); this orchestrator knows nothing of it.
 */
import { join, resolve } from 'node:path';
import type { Provisioner } from '../bench/provision.ts';
import { RigError, UsageError, describeError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { thresholdsFor } from '../inventory/schema.ts';
import { RunFolder } from '../record/run-folder.ts';
import type { RoamRecord, RunSummary } from '../record/schema.ts';
import { summarizeVariant } from '../record/summary.ts';
import { RIG_VERSION } from '../version.ts';
import { LiveBench } from './live-bench.ts';
import { planRun, secretFromEnv } from './plan.ts';

export interface RoamOptions {
  inventory: string;
  bench?: string;
  /** Roams per variant. With `resume`, the total to reach (default: the count the run was started with). */
  count?: number;
  /** The firmware variant to run (flashed first; a virtual bench also boots with it). */
  firmware?: string;
  /** Several variants in one run, one after the other, `count` roams each. */
  variants?: string[];
  reportsDir?: string;
  /** Continue this run folder up to the requested count. */
  resume?: string;
  /** Virtual bench: override the inventory's time scale. */
  timeScale?: number;
  /** Makes the bench exist: `realBench`, or the virtual rig's provisioner for a virtual bench. */
  provision: Provisioner;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  log?: (message: string) => void;
}

export type ProgressEvent =
  | { kind: 'setup'; message: string }
  | { kind: 'roam'; record: RoamRecord; done: number; total: number };

export interface RunResult {
  runDir: string;
  summary: RunSummary;
  exitCode: number;
}

export async function runRoam(opts: RoamOptions): Promise<RunResult> {
  if (typeof opts.provision !== 'function') throw new UsageError('runRoam: say how to provision the bench (realBench, or the virtual rig for a virtual bench)');
  const plan = await planRun(opts);
  const loaded = await loadInventory(plan.inventory);
  const { bench } = selectBench(loaded, plan.bench);
  const psk = bench.security.mode === 'wpa-psk' ? secretFromEnv(bench.security.pskEnv) : null;

  const folder = opts.resume
    ? new RunFolder(resolve(opts.resume))
    : new RunFolder(join(resolve(opts.reportsDir ?? join(loaded.dir, 'reports')), RunFolder.newRunId(plan.bench)), plan);
  const records: RoamRecord[] = folder.recoverRoams();
  const live = new LiveBench(bench, plan, folder, psk, {
    provision: opts.provision,
    signal: opts.signal,
    log: opts.log,
    progress: (message) => opts.onProgress?.({ kind: 'setup', message }),
  });
  const summary: RunSummary = {
    runDir: folder.dir,
    bench: plan.bench,
    inventory: loaded.file,
    inventoryDigest: loaded.digest,
    rigVersion: RIG_VERSION,
    startedAt: plan.startedAt,
    endedAt: '',
    timeScale: plan.timeScale,
    virtual: Boolean(bench.virtual),
    ping: null,
    attenuators: {},
    devices: {},
    firmwareByVariant: {},
    essid: bench.essid,
    trigger: live.trigger.name,
    variants: [],
    lostOutsideCycles: [],
    verdict: 'passed',
    benchFailure: null,
    problems: [],
  };

  let fatal: unknown = null;
  try {
    const remaining = plan.variants.map((v) => ({ variant: v, todo: plan.count - records.filter((r) => r.variant === v).length }));
    if (remaining.some((r) => r.todo > 0)) {
      await live.start(remaining.find((r) => r.todo > 0)!.variant);
      summary.attenuators = live.attenuators;
      summary.ping = live.pingInfo;
      const total = plan.count * plan.variants.length;
      for (const { variant, todo } of remaining) {
        if (todo <= 0) continue;
        live.nextIndex = records.length + 1;
        await live.useVariant(variant);
        summary.devices = { ...live.devices };
        summary.firmwareByVariant = { ...summary.firmwareByVariant, [variant]: { ...live.devices } };
        for (let n = 0; n < todo && !opts.signal?.aborted; n++) {
          live.nextIndex = records.length + 1;
          const record = await live.cycle(records.length + 1, variant);
          if (record.invalidReason === 'interrupted') break;
          live.endCycle(record.index);
          records.push(record);
          folder.appendRoam(record);
          opts.onProgress?.({ kind: 'roam', record, done: records.length, total });
        }
        if (opts.signal?.aborted) break;
      }
    }
    if (opts.signal?.aborted) summary.verdict = 'interrupted';
  } catch (err) {
    if (err instanceof RigError && err.kind === 'bench') {
      summary.verdict = opts.signal?.aborted ? 'interrupted' : 'bench-failure';
      summary.benchFailure = describeError(err);
    } else fatal = err;
  } finally {
    summary.problems.push(...(await live.stop()));
    summary.lostOutsideCycles = live.lostOutsideCycles(records);
  }
  if (fatal) {
    folder.close();
    throw fatal;
  }

  summary.endedAt = new Date().toISOString();
  summary.variants = plan.variants.map((v) => summarizeVariant(v, records.filter((r) => r.variant === v), thresholdsFor(bench.thresholds, v)));
  if (summary.verdict === 'passed' && summary.variants.some((v) => v.failures.length > 0)) summary.verdict = 'failed';
  folder.writeSummary(summary);
  folder.close();
  const exitCode = summary.verdict === 'bench-failure' ? 3 : summary.verdict === 'interrupted' ? 130 : summary.verdict === 'failed' ? 1 : 0;
  return { runDir: folder.dir, summary, exitCode };
}
