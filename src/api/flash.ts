/** `rig flash` for programs: runFlash on the bench the inventory names, provisioned as its kind says. */
import { provisionBench } from './provision.ts';
import type { Provisioner } from '../bench/provision.ts';
import { runFlash, type FlashRunOptions, type FlashRunResult } from '../flash/run.ts';

export interface FlashApiOptions extends Omit<FlashRunOptions, 'provision'> {
  provision?: Provisioner;
}

export function flash(opts: FlashApiOptions): Promise<FlashRunResult> {
  return runFlash({ ...opts, provision: opts.provision ?? provisionBench });
}
