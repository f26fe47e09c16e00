/**
 * The shells' own processes on a board (background jobs: `sh -c ...&`), by pid, so a
 * `kill PID` from any session reaches them as kill(2) would on a real board: a
 * timed-out command in one SSH session is killed from another. The device's table
 * (`VirtualDevice.signalProcess`) holds the commands it runs; this one the jobs the
 * shells start, whose processes (the commands inside) all get the signal.
 */
import type { VirtualDevice } from '../types.ts';

const tables = new WeakMap<VirtualDevice, Map<number, (signal: string) => void>>();

/** Record a job's pid on its board; the returned function removes it (when the job ends). */
export function registerJobPid(device: VirtualDevice, pid: number, deliver: (signal: string) => void): () => void {
  let t = tables.get(device);
  if (!t) tables.set(device, (t = new Map()));
  t.set(pid, deliver);
  return () => {
    if (t.get(pid) === deliver) t.delete(pid);
  };
}

/** Signal a job started by any shell on this board; false when no such job runs. */
export function signalJobPid(device: VirtualDevice, pid: number, signal: string): boolean {
  const deliver = tables.get(device)?.get(pid);
  if (!deliver) return false;
  deliver(signal);
  return true;
}
