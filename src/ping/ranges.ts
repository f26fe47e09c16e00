/**
 * A set of sequence numbers kept as sorted, disjoint ranges: how the analyzer keeps
 * what it decided about seqs that left its per-seq window (lost, late, duplicated).
 * Seqs are added in ascending order (retirement walks up the window), so adding is
 * O(1) and memory grows with the number of runs of seqs, not with the seqs.
 */
export class RangeList {
  /** Flat pairs: first0, last0, first1, last1, ... ascending, never adjacent. */
  private readonly r: number[] = [];

  /** Add seq; must not be below anything added before. */
  add(seq: number): void {
    const n = this.r.length;
    if (n > 0) {
      const last = this.r[n - 1];
      if (seq <= last) {
        if (seq >= this.r[n - 2]) return; // already in
        throw new RangeError(`RangeList: ${seq} added after ${last}`);
      }
      if (seq === last + 1) {
        this.r[n - 1] = seq;
        return;
      }
    }
    this.r.push(seq, seq);
  }

  get empty(): boolean {
    return this.r.length === 0;
  }

  /** Number of ranges (memory, not seqs). */
  get ranges(): number {
    return this.r.length / 2;
  }

  has(seq: number): boolean {
    const i = this.rangeAtOrBelow(seq);
    return i >= 0 && seq <= this.r[2 * i + 1];
  }

  /** Members in [lo, hi], ascending. */
  forEachIn(lo: number, hi: number, fn: (seq: number) => void): void {
    if (hi < lo) return;
    let i = Math.max(0, this.rangeAtOrBelow(lo));
    for (; 2 * i < this.r.length; i++) {
      const a = Math.max(lo, this.r[2 * i]);
      const b = Math.min(hi, this.r[2 * i + 1]);
      if (this.r[2 * i] > hi) break;
      for (let s = a; s <= b; s++) fn(s);
    }
  }

  /** How many members lie in [lo, hi]. */
  countIn(lo: number, hi: number): number {
    if (hi < lo) return 0;
    let n = 0;
    let i = Math.max(0, this.rangeAtOrBelow(lo));
    for (; 2 * i < this.r.length; i++) {
      if (this.r[2 * i] > hi) break;
      const a = Math.max(lo, this.r[2 * i]);
      const b = Math.min(hi, this.r[2 * i + 1]);
      if (b >= a) n += b - a + 1;
    }
    return n;
  }

  /** Highest member below seq, or -1. */
  highestBelow(seq: number): number {
    const i = this.rangeAtOrBelow(seq - 1);
    return i < 0 ? -1 : Math.min(seq - 1, this.r[2 * i + 1]);
  }

  /** Index of the last range whose first member is <= seq, or -1. */
  private rangeAtOrBelow(seq: number): number {
    let lo = 0;
    let hi = this.r.length / 2 - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.r[2 * mid] <= seq) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }
}

/** `12, 13, 14, 15, 16, 40` -> `12-16, 40`. Input sorted ascending. */
export function compressRanges(seqs: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < seqs.length) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j] + 1) j++;
    parts.push(i === j ? `${seqs[i]}` : `${seqs[i]}-${seqs[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
