/**
 * Do two sets of roams lose the same? A two-sample comparison of one figure (lost per roam,
 * the after-association blackout) between two runs, e.g. the fixed and the adaptive
 * crossfade on the same bench and firmware. Two tests, both from well-kept packages:
 *
 * - Mann-Whitney U (Wilcoxon rank-sum), two-sided, through @stdlib's Kruskal-Wallis test with
 *   two groups (the same test: H = the tie-corrected U statistic's chi-square form, 1 degree
 *   of freedom); ties, which lost counts are full of, are corrected for;
 * - a permutation test of the difference of the means (simple-statistics), with a seeded
 *   random source so a result is reproducible.
 *
 * "The same" is a p-value of both above alpha: the test found no difference, which over
 * 100 roams each rules out a shift of the median loss by one ping (see the tests).
 * Samples that hold one value between them are identical (p = 1).
 */
import kruskalTest from '@stdlib/stats-kruskal-test';
import { mean, median, permutationTest, quantile } from 'simple-statistics';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

export interface SampleFigures {
  n: number;
  median: number;
  mean: number;
  p95: number;
  max: number;
}

export interface Comparison {
  a: SampleFigures;
  b: SampleFigures;
  /** Two-sided Mann-Whitney U p-value (1 when both samples hold one value). */
  pMannWhitney: number;
  /** Two-sided permutation test of the means' difference. */
  pPermutation: number;
  /** Both p-values >= alpha: no difference found. */
  same: boolean;
  alpha: number;
}

function figures(xs: number[]): SampleFigures {
  return { n: xs.length, median: median(xs), mean: mean(xs), p95: quantile(xs, 0.95), max: Math.max(...xs) };
}

/** A [0, 1) source from a seeded xoroshiro128+. */
function seededRandom(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => unsafeUniformIntDistribution(0, 2 ** 30 - 1, rng) / 2 ** 30;
}

export function compareSamples(a: number[], b: number[], opts: { alpha?: number; permutations?: number; seed?: number } = {}): Comparison {
  if (a.length < 2 || b.length < 2) throw new Error(`need at least 2 values per sample, got ${a.length} and ${b.length}`);
  const alpha = opts.alpha ?? 0.01;
  const single = new Set([...a, ...b]).size === 1;
  const pMannWhitney = single ? 1 : kruskalTest(a, b).pValue;
  const pPermutation = single ? 1 : permutationTest(a, b, 'two_side', opts.permutations ?? 10_000, seededRandom(opts.seed ?? 1404));
  return { a: figures(a), b: figures(b), pMannWhitney, pPermutation, same: pMannWhitney >= alpha && pPermutation >= alpha, alpha };
}
