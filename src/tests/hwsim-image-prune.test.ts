/**
 * The hwsim image cache keeps the image in use and drops the ones built before it
 * (rig/hwsim/image-prune.ts), in a temporary cache folder: an older image no lab used
 * lately goes; a newer one, an older one another lab used minutes ago, the QEMU pid
 * folder, a build in progress and a folder that is no finished image all stay.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markImageUsed, pruneOldImages } from '../../rig/hwsim/image-prune.ts';

const HOUR = 3600_000;
const NOW = Date.parse('2026-12-01T04:00:00Z');

let cache: string | undefined;
afterEach(() => {
  if (cache) rmSync(cache, { recursive: true, force: true });
  cache = undefined;
});

/** An image folder built at `builtMs` (versions.txt), last used at `usedMs` (the folder's mtime). */
function image(dir: string, builtMs: number | null, usedMs: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmlinuz'), 'kernel');
  if (builtMs !== null) {
    writeFileSync(join(dir, 'versions.txt'), 'hostapd 2:2.10-12+deb12u3\n');
    utimesSync(join(dir, 'versions.txt'), builtMs / 1000, builtMs / 1000);
  }
  utimesSync(dir, usedMs / 1000, usedMs / 1000);
}

describe('hwsim image cache pruning', () => {
  it('removes the images built before the current one, and nothing else', () => {
    cache = mkdtempSync(join(tmpdir(), 'rig-hwsim-cache-'));
    const current = 'a1a1a1a1a1a1a1a1';
    image(join(cache, current), NOW - 2 * HOUR, NOW);
    image(join(cache, 'b2b2b2b2b2b2b2b2'), NOW - 48 * HOUR, NOW - 47 * HOUR); // older, unused: goes
    image(join(cache, 'c3c3c3c3c3c3c3c3'), NOW - 30 * HOUR, NOW - 3 * HOUR); // older, unused for 3 h: goes
    image(join(cache, 'd4d4d4d4d4d4d4d4'), NOW - 48 * HOUR, NOW - 60_000); // older, used a minute ago: stays
    image(join(cache, 'e5e5e5e5e5e5e5e5'), NOW - HOUR, NOW - HOUR); // built after the current one: stays
    image(join(cache, 'f6f6f6f6f6f6f6f6'), null, NOW - 48 * HOUR); // no versions.txt, not a finished image: stays
    image(join(cache, 'a7a7a7a7a7a7a7a7.building-4242'), NOW - 48 * HOUR, NOW - 48 * HOUR); // a build: stays
    mkdirSync(join(cache, 'pids'));
    writeFileSync(join(cache, 'pids', 'qemu-1.pid'), '1\n');
    utimesSync(join(cache, 'pids'), (NOW - 48 * HOUR) / 1000, (NOW - 48 * HOUR) / 1000);

    const removed = pruneOldImages(cache, current, { nowMs: NOW, graceMs: 15 * 60_000 });
    expect(removed.sort()).toEqual(['b2b2b2b2b2b2b2b2', 'c3c3c3c3c3c3c3c3']);
    expect(readdirSync(cache).sort()).toEqual(['a1a1a1a1a1a1a1a1', 'a7a7a7a7a7a7a7a7.building-4242', 'd4d4d4d4d4d4d4d4', 'e5e5e5e5e5e5e5e5', 'f6f6f6f6f6f6f6f6', 'pids']);
    expect(existsSync(join(cache, 'pids', 'qemu-1.pid'))).toBe(true);
    // Again: nothing more to remove.
    expect(pruneOldImages(cache, current, { nowMs: NOW })).toEqual([]);
  });

  it('marking an image used protects it from a newer image\'s pruning', () => {
    cache = mkdtempSync(join(tmpdir(), 'rig-hwsim-cache-'));
    image(join(cache, '1111111111111111'), NOW - 10 * HOUR, NOW - 10 * HOUR);
    image(join(cache, '2222222222222222'), NOW - HOUR, NOW - HOUR);
    markImageUsed(join(cache, '1111111111111111'), NOW - 5 * 60_000);
    expect(pruneOldImages(cache, '2222222222222222', { nowMs: NOW })).toEqual([]);
    expect(pruneOldImages(cache, '2222222222222222', { nowMs: NOW + HOUR })).toEqual(['1111111111111111']);
  });

  it('does nothing when the current image is not in the cache', () => {
    cache = mkdtempSync(join(tmpdir(), 'rig-hwsim-cache-'));
    image(join(cache, '3333333333333333'), NOW - 10 * HOUR, NOW - 10 * HOUR);
    expect(pruneOldImages(cache, '4444444444444444', { nowMs: NOW })).toEqual([]);
    expect(pruneOldImages(join(cache, 'missing'), '4444444444444444', { nowMs: NOW })).toEqual([]);
    expect(readdirSync(cache)).toEqual(['3333333333333333']);
  });
});
