/**
 * `openBench(bench, { provision })`: make the bench exist (the provisioner the CLI or
 * API chose: a real bench, or the virtual rig), then connect to it. The session stops
 * what was provisioned when it closes; a bench that fails to open leaves nothing running.
 */
import type { Bench, DeviceName } from '../inventory/schema.ts';
import type { Provisioner, ProvisionRequest } from './provision.ts';
import { BenchSession } from './session.ts';

export interface OpenBenchOptions extends ProvisionRequest {
  provision: Provisioner;
  /** Checked between the slow steps: an abort stops what was started and throws. */
  signal?: AbortSignal;
  /** Each device's console output as it arrives (devices with a `console:`). */
  consoleOutput?: (device: DeviceName, text: string) => void;
}

export async function openBench(bench: Bench, opts: OpenBenchOptions): Promise<BenchSession> {
  const { provision, signal, consoleOutput, ...req } = opts;
  const provisioned = await provision(bench, req);
  try {
    const session = await BenchSession.open(bench, { overrides: provisioned.endpoints, timeScale: req.timeScale, log: req.log, consoleOutput });
    session.provisioned = provisioned;
    return session;
  } catch (err) {
    await provisioned.stop();
    throw err;
  }
}
