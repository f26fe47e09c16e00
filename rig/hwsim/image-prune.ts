/**
 * Pruning the hwsim lab's image cache (`~/.cache/rig/hwsim/`): each Debian point release
 * or edit of the build scripts makes a new image under a new key (image.ts), about 21 MB
 * each, and nothing else ever removes the old ones. When an image is taken (built or
 * reused), the images built before it are removed, except one another lab used in the
 * last `graceMs` (another checkout with other scripts may be booting it: its kernel and
 * initrd are read when QEMU starts). Only `<16 hex digits>/` image folders are touched:
 * not the QEMU pid files (`pids/`), not a build in progress (`<key>.building-<pid>`).
 *
 * Built: the mtime of the image's versions.txt (written last by build-image.sh). Used: the
 * mtime of the image folder, which ensureImage() sets each time it takes the image.
 */
import { readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const KEY_DIR = /^[0-9a-f]{16}$/;
/** An image used this recently by another lab is kept even when older (ms). */
export const PRUNE_GRACE_MS = 15 * 60_000;

function builtAtMs(dir: string): number | null {
  try {
    return statSync(join(dir, 'versions.txt')).mtimeMs;
  } catch {
    return null; // no versions.txt: not a finished image; leave it
  }
}

/** Mark `dir` (an image folder) as used now. */
export function markImageUsed(dir: string, nowMs = Date.now()): void {
  utimesSync(dir, nowMs / 1000, nowMs / 1000);
}

/**
 * Remove the images in `cacheDir` built before the image `currentKey` and not used in the
 * last `graceMs`; returns the keys removed. A folder that cannot be read or removed is left.
 */
export function pruneOldImages(cacheDir: string, currentKey: string, o: { nowMs?: number; graceMs?: number } = {}): string[] {
  const nowMs = o.nowMs ?? Date.now();
  const graceMs = o.graceMs ?? PRUNE_GRACE_MS;
  const current = builtAtMs(join(cacheDir, currentKey));
  if (current === null) return [];
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    if (name === currentKey || !KEY_DIR.test(name)) continue;
    const dir = join(cacheDir, name);
    try {
      const st = statSync(dir);
      const built = builtAtMs(dir);
      if (!st.isDirectory() || built === null || built >= current || nowMs - st.mtimeMs < graceMs) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(name);
    } catch {
      /* gone already, or not ours to remove: leave it */
    }
  }
  return removed;
}
