/**
 * The virtual rig's entry point: the one module of rig/ that src/ may import (the
 * CLI and the programmatic API, to provision a virtual bench). Everything else in
 * rig/ is private to it; the controllers never see any of it.
 */
import type { Bench } from '../src/inventory/schema.ts';
import { startLab, type Lab, type LabOptions } from './lab.ts';
import { startHwsimLab, type HwsimLab } from './hwsim/lab.ts';

export { startLab, type Lab, type LabOptions, type LabEndpoints } from './lab.ts';
export { parseFaultArg, FAULT_KINDS, type FaultSpec } from './faults.ts';
export { VirtualRigError } from './errors.ts';
export { startHwsimLab, HWSIM_DEVICES, type HwsimLab, type HwsimLabOptions, type HwsimLabEndpoints } from './hwsim/lab.ts';

/** What `rig roam` / `rig flash` ask of a provisioner (src/bench/provision.ts has the same shape). */
export interface VirtualProvisionRequest {
  firmware?: string;
  timeScale: number;
  groundTruthFile?: string;
  log?: (message: string) => void;
}

/**
 * Provision a virtual bench: start its virtual rig in-process. The result is the bench's
 * endpoints (where each device and attenuator really listens), cycle markers for the
 * ground truth, and `stop()`.
 */
export function provisionVirtualBench(bench: Bench, req: VirtualProvisionRequest, extra: Partial<LabOptions> = {}): Promise<Lab> {
  return startLab({ ...extra, bench, firmware: req.firmware, timeScale: req.timeScale, groundTruthFile: req.groundTruthFile, log: req.log });
}

/** Provision a hwsim bench (`virtual: { kind: hwsim }`): boot its VM (rig/hwsim/); real time only. */
export function provisionHwsimBench(bench: Bench, req: Pick<VirtualProvisionRequest, 'log'>): Promise<HwsimLab> {
  return startHwsimLab({ bench, log: req.log });
}
