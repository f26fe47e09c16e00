import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { errorFunction, mean, sampleVariance, wilcoxonRankSum } from 'simple-statistics';

/** Two-sided Welch confidence interval for mean(b) - mean(a). */
export interface WelchInterval {
  diff: number;
  low: number;
  high: number;
  /** Welch-Satterthwaite degrees of freedom; Infinity when neither sample varies. */
  df: number;
}

export function welchInterval(a: number[], b: number[], level = 0.95): WelchInterval | null {
  if (a.length < 2 || b.length < 2) return null;
  const diff = mean(b) - mean(a);
  const qa = sampleVariance(a) / a.length;
  const qb = sampleVariance(b) / b.length;
  const se = Math.sqrt(qa + qb);
  if (se === 0) return { diff, low: diff, high: diff, df: Infinity };
  const df = (qa + qb) ** 2 / (qa ** 2 / (a.length - 1) + qb ** 2 / (b.length - 1));
  const t = tQuantile(1 - (1 - level) / 2, df);
  return { diff, low: diff - t * se, high: diff + t * se, df };
}

export interface MannWhitney {
  /** U of sample a (the number of pairs where a > b, ties counting half). */
  u: number;
  /** Two-sided p value. */
  p: number;
  /** Exact distribution (no ties, both samples < 50), else the normal approximation with tie and continuity correction, as R's wilcox.test does. */
  method: 'exact' | 'normal';
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/** Two-sided Mann-Whitney U (Wilcoxon rank-sum) test. */
export function mannWhitney(a: number[], b: number[]): MannWhitney | null {
  const m = a.length;
  const n = b.length;
  if (m === 0 || n === 0) return null;
  const u = wilcoxonRankSum(a, b) - (m * (m + 1)) / 2;
  const counts = new Map<number, number>();
  for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  const N = m + n;
  const ties = [...counts.values()].reduce((s, t) => s + (t ** 3 - t), 0);
  if (ties === 0 && m < 50 && n < 50) {
    const dist = exactUDistribution(m, n);
    const total = dist.reduce((s, c) => s + c, 0);
    const k = Math.round(u);
    let below = 0;
    for (let i = 0; i <= k; i++) below += dist[i];
    let above = 0;
    for (let i = k; i < dist.length; i++) above += dist[i];
    return { u, p: Math.min(1, (2 * Math.min(below, above)) / total), method: 'exact' };
  }
  const sigma = Math.sqrt(((m * n) / 12) * (N + 1 - ties / (N * (N - 1))));
  if (sigma === 0) return { u, p: 1, method: 'normal' };
  const d = u - (m * n) / 2;
  const z = (d - Math.sign(d) * 0.5) / sigma;
  const p = 2 * Math.min(normalCdf(z), 1 - normalCdf(z));
  return { u, p: Math.min(1, Math.max(0, p)), method: 'normal' };
}

/**
 * Number of arrangements giving each U = 0..m*n for samples of m and n without
 * ties: the coefficients of the Gaussian binomial [m+n choose m]_q, built as
 * prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i).
 */
export function exactUDistribution(m: number, n: number): number[] {
  const len = m * n + 1;
  const c = new Array<number>(len).fill(0);
  c[0] = 1;
  for (let i = 1; i <= m; i++) {
    const up = n + i;
    for (let k = len - 1; k >= up; k--) c[k] -= c[k - up];
    for (let k = i; k < len; k++) c[k] += c[k - i];
  }
  return c;
}

export interface Comparison {
  metric: Metric;
  a: string;
  b: string;
  nA: number;
  nB: number;
  meanA: number | null;
  meanB: number | null;
  ci: WelchInterval | null;
  test: MannWhitney | null;
  /** Mann-Whitney p < 0.05. */
  significant: boolean;
  /** better / worse for b, or same when not significant; null when there is too little data. */
  outcome: 'better' | 'worse' | 'same' | null;
  statement: string;
}

export type Metric = 'lost' | 'outageMs' | 'afterAssociationMs';

const METRIC_WORDS: Record<Metric, { what: string; more: (name: string, x: string) => string; less: (name: string, x: string) => string; digits: number }> = {
  lost: {
    what: 'packets lost per roam',
    more: (b, x) => `${b} loses ${x} more packets per roam`,
    less: (b, x) => `${b} loses ${x} fewer packets per roam`,
    digits: 1,
  },
  outageMs: {
    what: 'outage per roam',
    more: (b, x) => `${b}'s outage is ${x} ms longer per roam`,
    less: (b, x) => `${b}'s outage is ${x} ms shorter per roam`,
    digits: 0,
  },
  afterAssociationMs: {
    what: 'blackout after association',
    more: (b, x) => `${b}'s blackout after association is ${x} ms longer`,
    less: (b, x) => `${b}'s blackout after association is ${x} ms shorter`,
    digits: 0,
  },
};

export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  if (p >= 0.995) return 'p = 1';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

/** `+4.9`, `−0.2` (a real minus sign, as the report's table writes it), `0.0`. */
function signedNumber(x: number, d: number): string {
  const s = fixed(x, d);
  if (/^0(\.0*)?$/.test(s)) return s;
  return s.startsWith('-') ? `\u2212${s.slice(1)}` : `+${s}`;
}

const fixed = (x: number, d: number): string => {
  const s = x.toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
};

/**
 * Compare b against a (the baseline) on one metric and say it in plain words:
 * "patched loses 4.9 fewer packets per roam than stock (difference −4.9, 95% CI −5.2 to
 * −4.6); Mann-Whitney p < 0.001". The interval is for the difference of means b - a
 * (Welch), signed as the report's table gives it; significance is the Mann-Whitney
 * test's, which does not assume normal data (loss counts are not).
 */
export function compareSamples(metric: Metric, aName: string, a: number[], bName: string, b: number[]): Comparison {
  const w = METRIC_WORDS[metric];
  const base = { metric, a: aName, b: bName, nA: a.length, nB: b.length, meanA: a.length ? mean(a) : null, meanB: b.length ? mean(b) : null };
  const ci = welchInterval(a, b);
  const test = mannWhitney(a, b);
  if (!ci || !test) {
    return {
      ...base,
      ci,
      test,
      significant: false,
      outcome: null,
      statement: `${w.what}: too few valid roams to compare ${bName} (${b.length}) with ${aName} (${a.length}); at least 2 of each are needed`,
    };
  }
  const significant = test.p < 0.05;
  const less = ci.diff < 0;
  const mag = Math.abs(ci.diff);
  // The interval as the table gives it: the difference b - a, signed, so words and table agree.
  const spread = ci.df === Infinity ? ', no spread in either sample' : '';
  const interval = `difference ${signedNumber(ci.diff, w.digits)}, 95% CI ${signedNumber(ci.low, w.digits)} to ${signedNumber(ci.high, w.digits)}${spread}`;
  const p = `Mann-Whitney ${formatP(test.p)}`;
  const sentence = less ? w.less(bName, fixed(mag, w.digits)) : w.more(bName, fixed(mag, w.digits));
  let statement: string;
  let outcome: Comparison['outcome'];
  if (significant) {
    outcome = less ? 'better' : 'worse';
    statement = `${sentence} than ${aName} (${interval}); ${p}: significant${less ? '' : ', a regression'}.`;
  } else {
    outcome = 'same';
    statement = `No significant difference in ${w.what} between ${aName} and ${bName}: ${sentence} (${interval}); ${p}.`;
  }
  return { ...base, ci, test, significant, outcome, statement };
}
