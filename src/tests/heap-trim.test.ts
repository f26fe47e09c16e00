/**
 * The long run's heap trim (src/roam/heap-trim.ts): every 25 roams a full collection,
 * taken without `--expose-gc` on the command line, frees what is garbage.
 */
import { describe, expect, it } from 'vitest';
import { trimHeap } from '../roam/heap-trim.ts';

describe('heap trim', () => {
  it('runs only every 25 roams', () => {
    expect([0, 1, 24, 26, 49].map((n) => trimHeap(n))).toEqual([false, false, false, false, false]);
    expect(trimHeap(25)).toBe(true);
    expect(trimHeap(50)).toBe(true);
  });

  it('a trim frees garbage the process still counts as heap in use', () => {
    let keep: number[][] | null = Array.from({ length: 200 }, () => Array.from({ length: 25_000 }, (_, i) => i + 0.5));
    expect(keep.length).toBe(200);
    trimHeap(25); // settle: what was garbage before is gone
    const before = process.memoryUsage().heapUsed;
    keep = null; // about 40 MB of doubles become garbage
    expect(trimHeap(25)).toBe(true);
    const after = process.memoryUsage().heapUsed;
    expect(before - after).toBeGreaterThan(20 * 2 ** 20);
  });
});
