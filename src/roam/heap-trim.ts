/**
 * Keeping a long run's memory near what is live. A roam allocates a few MB that are
 * garbage a moment later (ping lines, parsed events, timelines, the virtual rig's model);
 * V8 sizes its old space from the live data after each full collection times a growing
 * factor of up to 4, and without a pause in the allocations (a run never idles) its
 * memory reducer never runs: measured in a soak at scale 300, the live heap grew 8 MB
 * from roam 300 to roam 1,500 while the process's RSS grew 160 MB, nearly all of it V8
 * heap holding garbage (docs/roam-cycle.md, "Long runs").
 *
 * So every 25 roams the run asks for a full collection (a mark-compact, tens of ms for a
 * 40 MB heap: about 1% of 25 roams at scale 300, nothing at scale 1), which frees the
 * garbage and lets V8 give the empty pages back. Measured (scale 300, RSS of the CLI):
 * without it 266 MB at roam 1,000 and 283 MB at 2,000; every 200 roams, samples still
 * swing by 100 MB between trims; every 25, 234 MB at 1,000 and 235 MB at 1,200. `gc` is not exposed without `--expose-gc`; it is
 * taken from a new context once the flag is set (node:v8 setFlagsFromString), the way
 * Node documents for flags set at runtime; where that fails, nothing is done.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (gc !== undefined) return gc;
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    gc = typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    gc = null;
  }
  return gc;
}

/** After roam number `done`: a full collection every `every` roams (default 25). Returns whether one ran. */
export function trimHeap(done: number, every = 25): boolean {
  if (done <= 0 || done % every !== 0) return false;
  const fn = collector();
  if (!fn) return false;
  fn();
  return true;
}
