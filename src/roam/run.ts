/**
 * `rig roam` as a function: plan the run, open its folder, bring the bench up through
 * the provisioner the caller chose, roam `count` times per variant, write the summary.
 * Records are written as each roam ends. The report is the caller's to build from the
 * run folder (src/api/roam.ts does); this orchestrator knows nothing of it.
 */
import { wepSettings } from '../bench/settings.ts';
import { join, resolve } from 'node:path';
import type { Provisioner } from '../bench/provision.ts';
import { RigError, UsageError, describeError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { thresholdsFor } from '../inventory/schema.ts';
import { RunFolder } from '../record/run-folder.ts';
import type { RoamRecord, RunPlan, RunSummary } from '../record/schema.ts';
import { summarizeVariant } from '../record/summary.ts';
import { RIG_VERSION } from '../version.ts';
import { LiveBench } from './live-bench.ts';
import { openRunLog } from './run-log.ts';
import { planRun, secretFromEnv } from './plan.ts';
import { trimHeap } from './heap-trim.ts';

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

/** The run folder: a new one under the reports folder, or the one to resume. A path that cannot be a folder is a usage error. */
function openFolder(opts: RoamOptions, inventoryDir: string, plan: RunPlan): RunFolder {
  const dir = opts.resume ? resolve(opts.resume) : join(resolve(opts.reportsDir ?? join(inventoryDir, 'reports')), RunFolder.newRunId(plan.bench));
  try {
    return opts.resume ? new RunFolder(dir) : new RunFolder(dir, plan);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EACCES' || code === 'EROFS' || code === 'ENOENT') {
      const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way' : code === 'ENOENT' ? 'it does not exist' : 'no permission to write there';
      throw new UsageError(`${opts.resume ? '--resume' : '--reports'}: cannot use ${dir} as a run folder (${why})`, 'E_REPORTS_DIR');
    }
    throw err;
  }
}

export async function runRoam(opts: RoamOptions): Promise<RunResult> {
  if (typeof opts.provision !== 'function') throw new UsageError('runRoam: say how to provision the bench (realBench, or the virtual rig for a virtual bench)');
  const plan = await planRun(opts);
  const loaded = await loadInventory(plan.inventory);
  const { bench } = selectBench(loaded, plan.bench);
  const psk = bench.security.mode === 'wpa-psk' ? secretFromEnv(bench.security.pskEnv) : null;
  wepSettings(bench); // a WEP bench without a usable key in its variable: a config error before anything starts

  const folder = openFolder(opts, loaded.dir, plan);
  const records: RoamRecord[] = folder.recoverRoams();
  const runLog = openRunLog(folder.dir);
  runLog.info(opts.resume ? 'run resumed' : 'run started', { bench: plan.bench, variants: plan.variants, count: plan.count, timeScale: plan.timeScale, recordsSoFar: records.length });
  const log = (message: string): void => {
    runLog.info(message);
    opts.log?.(message);
  };
  const live = new LiveBench(bench, plan, folder, psk, {
    provision: opts.provision,
    signal: opts.signal,
    log,
    progress: (message) => {
      runLog.info(message);
      opts.onProgress?.({ kind: 'setup', message });
    },
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
    security: bench.security.mode,
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
          runLog.info(record.valid ? 'roam measured' : 'roam invalid', { index: record.index, variant, direction: record.direction, lost: record.lost, reason: record.invalidReason });
          opts.onProgress?.({ kind: 'roam', record, done: records.length, total });
          trimHeap(records.length);
          // A long run's memory, for soaks: what the process holds (rss) and what is live (heapUsed).
          if (records.length % 1000 === 0) runLog.info('memory', { roams: records.length, ...process.memoryUsage() });
          // A board that did not come back: its roam is written, then the run ends (exit 3).
          if (live.failure) throw live.failure;
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
    runLog.warn('run failed', { error: describeError(fatal) });
    runLog.close();
    folder.close();
    throw fatal;
  }

  summary.endedAt = new Date().toISOString();
  summary.variants = plan.variants.map((v) => summarizeVariant(v, records.filter((r) => r.variant === v), thresholdsFor(bench.thresholds, v)));
  if (summary.verdict === 'passed' && summary.variants.some((v) => v.failures.length > 0)) summary.verdict = 'failed';
  folder.writeSummary(summary);
  runLog.info('run ended', { verdict: summary.verdict, benchFailure: summary.benchFailure, roams: records.length });
  runLog.close();
  folder.close();
  const exitCode = summary.verdict === 'bench-failure' ? 3 : summary.verdict === 'interrupted' ? 130 : summary.verdict === 'failed' ? 1 : 0;
  return { runDir: folder.dir, summary, exitCode };
}
