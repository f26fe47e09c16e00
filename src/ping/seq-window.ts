/**
 * Per-seq detail for a sliding window of unwrapped seqs [lo, hi]: answered, duplicated,
 * reply time and RTT, 13 bytes a seq in a ring of fixed size (65,536 seqs: 0.8 MiB,
 * 3.6 hours at `-i 0.2`). The analyzer retires the oldest seqs into run-level
 * accumulators before the window would overflow, so memory stays constant however
 * long the stream runs.
 */
const ANSWERED = 1;
const DUP = 2;

export class SeqWindow {
  readonly size: number;
  private readonly mask: number;
  private readonly flags: Uint8Array;
  private readonly atF: Float64Array;
  private readonly rttF: Float32Array;
  /** Lowest seq held; seqs below it are retired (or were never seen). */
  lo = 0;
  /** Highest seq held; -1 while empty. */
  hi = -1;
  /** Seqs below this were retired: they can never come back into the window. */
  floor = -Infinity;

  constructor(size: number) {
    if (!Number.isInteger(Math.log2(size)) || size < 16) throw new RangeError(`SeqWindow: size must be a power of two >= 16, got ${size}`);
    this.size = size;
    this.mask = size - 1;
    this.flags = new Uint8Array(size);
    this.atF = new Float64Array(size);
    this.rttF = new Float32Array(size);
  }

  get empty(): boolean {
    return this.hi < 0;
  }

  holds(seq: number): boolean {
    return seq >= this.lo && seq <= this.hi;
  }

  /**
   * Can seq be held without retiring anything? (Seqs above hi by less than the room
   * left, or below lo down to the retirement floor while the window has room.)
   */
  fits(seq: number): boolean {
    if (this.hi < 0) return seq >= this.floor;
    if (seq > this.hi) return seq - this.lo < this.size;
    if (seq < this.lo) return seq >= this.floor && this.hi - seq < this.size;
    return true;
  }

  /** Make seq part of the window (fits(seq) must hold). Slots entering the window are empty. */
  include(seq: number): void {
    if (this.hi < 0) {
      this.lo = seq;
      this.hi = seq;
      return;
    }
    if (seq > this.hi) this.hi = seq;
    else if (seq < this.lo) this.lo = seq;
  }

  answered(seq: number): boolean {
    return this.holds(seq) && (this.flags[seq & this.mask] & ANSWERED) !== 0;
  }

  dup(seq: number): boolean {
    return this.holds(seq) && (this.flags[seq & this.mask] & DUP) !== 0;
  }

  /** Reply time in ms (NaN without one); only for answered seqs. */
  at(seq: number): number {
    return this.atF[seq & this.mask];
  }

  /** RTT in ms (NaN without one); only for answered seqs. */
  rtt(seq: number): number {
    return this.rttF[seq & this.mask];
  }

  setReply(seq: number, atMs: number, rttMs: number): void {
    const i = seq & this.mask;
    this.flags[i] |= ANSWERED;
    this.atF[i] = atMs;
    this.rttF[i] = rttMs;
  }

  markDup(seq: number): void {
    this.flags[seq & this.mask] |= DUP;
  }

  /** Drop seqs [lo, cut) from the window (the caller has read what it needs). */
  retireBelow(cut: number): void {
    for (let s = this.lo; s < cut && s <= this.hi; s++) this.flags[s & this.mask] = 0;
    this.floor = Math.max(this.floor, cut);
    if (cut > this.hi) {
      this.hi = -1;
      this.lo = cut;
    } else this.lo = Math.max(this.lo, cut);
  }
}
