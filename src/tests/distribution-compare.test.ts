/**
 * The two-sample comparison the loss-equivalence checks rest on
 * (src/record/distribution-compare.ts): it finds no difference between samples drawn
 * alike, finds a shift of one ping in the median over 100 roams, and takes samples of one
 * value as identical. Samples are written here, not produced by the code under test.
 */
import { describe, expect, it } from 'vitest';
import { compareSamples } from '../record/distribution-compare.ts';

/** 100 stock-like roams: 5 lost, every `every`-th one 4. */
const stockLike = (every: number): number[] => Array.from({ length: 100 }, (_, i) => (i % every === 0 ? 4 : 5));

describe('compareSamples', () => {
  it('samples alike are the same (both p well above 0.01)', () => {
    const c = compareSamples(stockLike(10), stockLike(9));
    expect(c.same).toBe(true);
    expect(c.pMannWhitney).toBeGreaterThan(0.1);
    expect(c.pPermutation).toBeGreaterThan(0.1);
    expect(c.a).toMatchObject({ n: 100, median: 5, max: 5 });
    expect(c.a.mean).toBeCloseTo(4.9, 10);
  });

  it('a median one ping higher is a difference', () => {
    const c = compareSamples(stockLike(10), stockLike(10).map((x) => x + 1));
    expect(c.same).toBe(false);
    expect(c.pMannWhitney).toBeLessThan(1e-6);
  });

  it('patched-like 0/1 samples with a few more ones in one of them: a small difference is not called one, a large one is', () => {
    const a = Array.from({ length: 100 }, (_, i) => (i % 20 === 0 ? 1 : 0)); // 5 ones
    const b = Array.from({ length: 100 }, (_, i) => (i % 14 === 0 ? 1 : 0)); // 8 ones
    expect(compareSamples(a, b).same).toBe(true);
    const c = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 1 : 0)); // 50 ones
    expect(compareSamples(a, c).same).toBe(false);
  });

  it('one value in both samples: identical, p = 1', () => {
    const c = compareSamples(Array(100).fill(0), Array(100).fill(0));
    expect(c).toMatchObject({ pMannWhitney: 1, pPermutation: 1, same: true });
  });

  it('is reproducible (a seeded permutation test) and refuses samples too small', () => {
    expect(compareSamples(stockLike(7), stockLike(11)).pPermutation).toBe(compareSamples(stockLike(7), stockLike(11)).pPermutation);
    expect(() => compareSamples([1], [1, 2])).toThrow(/at least 2 values/);
  });
});
