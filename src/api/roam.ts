/**
 * `rig roam` for programs: the run (src/roam/run.ts) on the bench the inventory names,
 * provisioned as its kind says, then the report built from the run folder.
 */
import { provisionBench } from './provision.ts';
import type { Provisioner } from '../bench/provision.ts';
import { writeRunReport } from '../report/index.ts';
import { runRoam, type RoamOptions, type RunResult } from '../roam/run.ts';

export interface RoamApiOptions extends Omit<RoamOptions, 'provision'> {
  /** Default: the virtual rig for a virtual bench, else the real bench as it is. */
  provision?: Provisioner;
  /** Build index.html, junit.xml, roams.csv and the runs index afterwards (default true). */
  report?: boolean;
}

export async function roam(opts: RoamApiOptions): Promise<RunResult> {
  const result = await runRoam({ ...opts, provision: opts.provision ?? provisionBench });
  if (opts.report !== false) await writeRunReport(result.runDir);
  return result;
}
