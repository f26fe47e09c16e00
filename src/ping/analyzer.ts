/**
 * Streaming analysis of one ping process's output (one analyzer per process:
 * a restarted ping starts its sequence numbers over).
 *
 * Used live by the roam controller (push() every line as it arrives, ask
 * lostIn/outagesIn for a cycle's sequence window) and offline by `rig analyze`.
 *
 * All sequence numbers in this API are *unwrapped*: ping's 16-bit counter
 * wraps 65535 -> 0; here it keeps counting (65536, 65537, ...).
 *
 * Definitions (docs/roam-cycle.md, "Lost, late, outage"):
 * - lost: no reply ever arrived for the seq. While the stream runs, only seqs
 *   below the highest answered seq can be lost (the rest may still be in
 *   flight); after end() every seq the ping sent is decided.
 * - late: answered, with rtt > interval. Late is not lost.
 * - outage: a maximal stretch where traffic was dead, made of
 *   (a) runs of consecutive lost seqs, and
 *   (b) time gaps: consecutive reply arrivals more than 2.5 intervals apart.
 *       An iputils ENOBUFS stall shows *only* this way: iputils retries the
 *       same seq instead of skipping it, so no seq is lost but replies stop.
 *       (iputils' pinger() retries ENOBUFS silently every min(interval/2,
 *       500 ms) for up to its linger time, 10 s; only then does it print
 *       "ping: sendmsg: No buffer space available", count "+1 errors" and move
 *       on, and that seq is lost. An error line is therefore never a reason to
 *       stop: the stream ending right after one is.)
 *   Pieces that share a seq are merged into one outage.
 *   Seq range: a loss run is its own seqs; a time gap between replies P and N
 *   covers the seqs strictly between them if there are any (lost ones, or ones
 *   answered later), else N alone: the seq whose reply ended the gap (ENOBUFS:
 *   P = 10, N = 11, the retried seq). `lost` counts lost seqs in the range.
 *   durationMs = time of the first reply after the outage - time of the last
 *   reply before it (see outageBounds()): for a loss run [a, b] the replies to
 *   a-1 and b+1, for a time gap P and N; a merged outage takes the earliest
 *   "before" and the latest "after". Null with no timestamps, at stream start
 *   (nothing before) or when the stream ended inside the outage.
 * - Times: the `-D` stamp when the ping prints one, else the rig's arrival
 *   time passed to push(). Only first replies count (DUPs are ignored).
 */

import { parsePingLine, type PingFormat, type PingSummary } from './parse.ts';
import { unwrapSeq } from './seq.ts';

export type TimestampSource = 'ping' | 'arrival' | 'none';

export interface Outage {
  firstSeq: number;
  lastSeq: number;
  /** Lost seqs in [firstSeq, lastSeq]. 0 for a pure time gap (ENOBUFS stall, late burst). */
  lost: number;
  /** Null without timestamps, or when no reply came before / after it (stream start or end). */
  durationMs: number | null;
}

export interface PingAnalysis {
  format: PingFormat;
  /** True only when the ping printed its own `-D` stamps. */
  timestamps: boolean;
  timestampSource: TimestampSource;
  transmitted: number;
  received: number;
  lost: number[];
  late: number[];
  outages: Outage[];
  ended: 'summary' | 'error' | 'eof';
  error: string | null;
}

export interface ReplyAt {
  seq: number;
  atMs: number;
}

export interface OutageBounds {
  /** Last reply before the outage (undefined at stream start or without timestamps). */
  before: ReplyAt | undefined;
  /** First reply after it (undefined when the stream ended inside it, or without timestamps). */
  after: ReplyAt | undefined;
}

/** Reply gap (in intervals) above which traffic counts as dead. */
const GAP_FACTOR = 2.5;

/** Compact per-seq storage: 17 bytes per seq, contiguous from the lowest seq seen. */
class SeqTable {
  private base = 0;
  private size = 0;
  private answeredF = new Uint8Array(256);
  private atF = new Float64Array(256);
  private rttF = new Float64Array(256);

  answered(seq: number): boolean {
    const i = seq - this.base;
    return i >= 0 && i < this.size && this.answeredF[i] === 1;
  }

  /** Reply time in ms (NaN when the reply had no time, undefined when not answered). */
  at(seq: number): number | undefined {
    return this.answered(seq) ? this.atF[seq - this.base] : undefined;
  }

  rtt(seq: number): number {
    return this.answered(seq) ? this.rttF[seq - this.base] : NaN;
  }

  setReply(seq: number, atMs: number, rttMs: number): void {
    this.ensure(seq);
    const i = seq - this.base;
    this.answeredF[i] = 1;
    this.atF[i] = atMs;
    this.rttF[i] = rttMs;
  }

  private ensure(seq: number): void {
    if (this.size === 0) {
      this.base = seq;
      this.size = 1;
      return;
    }
    if (seq < this.base) {
      const shift = this.base - seq;
      this.realloc(this.size + shift, shift);
      this.base = seq;
      this.size += shift;
    } else if (seq >= this.base + this.size) {
      const size = seq - this.base + 1;
      if (size > this.answeredF.length) this.realloc(size, 0);
      this.size = size;
    }
  }

  private realloc(minSize: number, shift: number): void {
    let cap = this.answeredF.length;
    while (cap < minSize) cap *= 2;
    const a = new Uint8Array(cap);
    const t = new Float64Array(cap);
    const r = new Float64Array(cap);
    a.set(this.answeredF.subarray(0, this.size), shift);
    t.set(this.atF.subarray(0, this.size), shift);
    r.set(this.rttF.subarray(0, this.size), shift);
    this.answeredF = a;
    this.atF = t;
    this.rttF = r;
  }
}

/** Two consecutive reply arrivals (first replies only) too far apart. */
interface TimeGap {
  prev: ReplyAt;
  next: ReplyAt;
}

/** A piece of an outage before merging. */
interface Span {
  first: number;
  last: number;
  before: ReplyAt | undefined;
  after: ReplyAt | undefined;
}

export class PingAnalyzer {
  readonly intervalMs: number;
  private readonly gapMs: number;
  private readonly table = new SeqTable();
  private headerFormat: PingFormat | undefined;
  private lineFormat: PingFormat | undefined;
  private lowSeq = Infinity;
  private highSeq = -1;
  private highAnswered = -1;
  /** All seqs in [runStart, highAnswered] are answered (for trailingAnswered()). */
  private runStart = -1;
  private receivedCount = 0;
  private sawPingStamp = false;
  private sawArrival = false;
  private lastReply: ReplyAt | undefined;
  private readonly gaps: TimeGap[] = [];
  private summary: PingSummary | undefined;
  private pendingError: string | null = null;
  private ended = false;

  constructor(opts: { intervalMs: number }) {
    if (!Number.isFinite(opts.intervalMs) || opts.intervalMs <= 0) {
      throw new RangeError(`PingAnalyzer: intervalMs must be a positive number, got ${opts.intervalMs}`);
    }
    this.intervalMs = opts.intervalMs;
    this.gapMs = GAP_FACTOR * opts.intervalMs;
  }

  /** iputils or busybox: from the header, else from the reply lines; iputils until known. */
  get format(): PingFormat {
    return this.headerFormat ?? this.lineFormat ?? this.summary?.format ?? 'iputils';
  }

  get timestampSource(): TimestampSource {
    return this.sawPingStamp ? 'ping' : this.sawArrival ? 'arrival' : 'none';
  }

  /**
   * One line of output. receivedAtMs (epoch ms, when the rig received the line)
   * is used as the reply time only while the ping prints no `-D` stamps.
   */
  push(line: string, receivedAtMs?: number): void {
    if (this.ended) throw new Error('PingAnalyzer: push() after end()');
    const rec = parsePingLine(line);
    switch (rec.kind) {
      case 'header':
        // A second header would be a second ping process: not ours to mix in.
        if (this.headerFormat === undefined && this.highSeq < 0) this.headerFormat = rec.format;
        this.pendingError = null;
        return;
      case 'reply': {
        this.pendingError = null;
        this.lineFormat ??= rec.format;
        if (rec.ts !== undefined) this.sawPingStamp = true;
        const seq = this.see(rec.seq);
        // A DUP (any second reply to a seq) says nothing new about loss or timing.
        // A reply is taken as the first one when none was seen, "(DUP!)" or not.
        if (this.table.answered(seq)) return;
        let atMs = NaN;
        if (rec.ts !== undefined) atMs = rec.ts * 1000;
        else if (!this.sawPingStamp && receivedAtMs !== undefined && Number.isFinite(receivedAtMs)) {
          atMs = receivedAtMs;
          this.sawArrival = true;
        }
        this.table.setReply(seq, atMs, rec.rttMs ?? NaN);
        this.receivedCount++;
        this.trackRun(seq);
        if (!Number.isNaN(atMs)) {
          const prev = this.lastReply;
          if (prev && atMs - prev.atMs > this.gapMs) this.gaps.push({ prev, next: { seq, atMs } });
          this.lastReply = { seq, atMs };
        }
        return;
      }
      case 'noAnswer':
      case 'icmpError':
        this.pendingError = null;
        if (rec.ts !== undefined) this.sawPingStamp = true;
        this.see(rec.seq);
        return;
      case 'error':
        this.pendingError = rec.message;
        return;
      case 'summary':
        this.summary = rec;
        this.pendingError = null;
        return;
      case 'statsHeader':
      case 'rtt':
        this.pendingError = null;
        return;
      default:
        return; // blank, other (busybox usage text, warnings): neither life nor death
    }
  }

  /** The stream is over (process exited or log read). */
  end(): PingAnalysis {
    this.ended = true;
    return this.result();
  }

  /**
   * The analysis so far. While the stream runs, seqs above the highest answered
   * one are not counted lost yet, and `ended`/`error` say what end() would say
   * if the stream stopped now.
   */
  result(): PingAnalysis {
    const start = this.start();
    const hi = Math.max(this.highSeq, this.lostLimit());
    const source = this.timestampSource;
    return {
      format: this.format,
      timestamps: this.sawPingStamp,
      timestampSource: source,
      transmitted: this.summary ? this.summary.transmitted : this.highSeq < 0 ? 0 : this.highSeq - start + 1,
      received: this.receivedCount,
      lost: this.lostIn(start, hi),
      late: this.lateIn(start, hi),
      outages: this.outagesIn(-Infinity, Infinity),
      ended: this.summary ? 'summary' : this.pendingError !== null ? 'error' : 'eof',
      error: this.summary ? null : this.pendingError,
    };
  }

  /** Highest seq seen in a reply, no-answer or ICMP-error line; -1 if none. */
  highestSeq(): number {
    return this.highSeq;
  }

  answered(seq: number): boolean {
    return this.table.answered(seq);
  }

  /** When the first reply to seq arrived: `-D` stamp, else receivedAtMs, else undefined. */
  replyAtMs(seq: number): number | undefined {
    const at = this.table.at(seq);
    return at === undefined || Number.isNaN(at) ? undefined : at;
  }

  /** Round trip of the first reply to seq, ms; NaN when not answered or ping printed no time. */
  rttMs(seq: number): number {
    return this.table.rtt(seq);
  }

  /** Length of the run of consecutive answered seqs ending at the highest answered seq. */
  trailingAnswered(): number {
    return this.highAnswered < 0 ? 0 : this.highAnswered - this.runStart + 1;
  }

  /** Seqs in [fromSeq, toSeq] never answered (below the highest answered seq until end()). */
  lostIn(fromSeq: number, toSeq: number): number[] {
    const out: number[] = [];
    const lo = Math.max(fromSeq, this.start());
    const hi = Math.min(toSeq, this.lostLimit());
    for (let s = lo; s <= hi; s++) if (!this.table.answered(s)) out.push(s);
    return out;
  }

  /** Seqs in [fromSeq, toSeq] answered with rtt > interval. */
  lateIn(fromSeq: number, toSeq: number): number[] {
    const out: number[] = [];
    const lo = Math.max(fromSeq, this.start());
    const hi = Math.min(toSeq, this.highAnswered);
    for (let s = lo; s <= hi; s++) if (this.table.rtt(s) > this.intervalMs) out.push(s);
    return out;
  }

  /** Outages overlapping [fromSeq, toSeq] (whole outages, even where they stick out). */
  outagesIn(fromSeq: number, toSeq: number): Outage[] {
    return this.mergedSpans(fromSeq, toSeq).map((sp) => ({
      firstSeq: sp.first,
      lastSeq: sp.last,
      lost: this.lostIn(sp.first, sp.last).length,
      // rounded to 1 us: epoch ms in a double carry ~0.0002 ms of noise
      durationMs: sp.before && sp.after ? Math.round((sp.after.atMs - sp.before.atMs) * 1000) / 1000 : null,
    }));
  }

  /**
   * The replies that bound an outage: durationMs = after.atMs - before.atMs.
   * Use this for the before/after-association split rather than
   * lastReplyBefore(firstSeq)/firstReplyAfter(lastSeq): for a pure time gap
   * (ENOBUFS stall) lastSeq is itself the answered seq that ended the gap.
   */
  outageBounds(outage: Outage): OutageBounds {
    const sp = this.mergedSpans(outage.firstSeq, outage.lastSeq).find((s) => s.first === outage.firstSeq);
    return { before: sp?.before, after: sp?.after };
  }

  /** Reply of the highest answered seq below seq, if it has a time. */
  lastReplyBefore(seq: number): ReplyAt | undefined {
    for (let s = Math.min(seq - 1, this.highAnswered); s >= this.lowSeq; s--) {
      if (this.table.answered(s)) return this.replyRef(s);
    }
    return undefined;
  }

  /** Reply of the lowest answered seq above seq, if it has a time. */
  firstReplyAfter(seq: number): ReplyAt | undefined {
    for (let s = Math.max(seq + 1, this.lowSeq); s <= this.highAnswered; s++) {
      if (this.table.answered(s)) return this.replyRef(s);
    }
    return undefined;
  }

  // ---- internals -------------------------------------------------------------

  /**
   * Unwrap a printed 16-bit seq against the highest seq seen: a drop of more
   * than half the range is a wrap (65535 -> 0 means 65536), and a value far
   * above after a wrap is a late reply from before it.
   */
  private see(raw: number): number {
    const seq = unwrapSeq(raw, this.highSeq);
    if (seq > this.highSeq) this.highSeq = seq;
    if (seq < this.lowSeq) this.lowSeq = seq;
    return seq;
  }

  /**
   * First seq of the run. With the header seen we know the stream starts at
   * the ping's first seq (iputils 1, busybox 0), so seqs lost before the first
   * printed line still count. Without it (an excerpt): the lowest seq seen.
   */
  private start(): number {
    if (this.headerFormat !== undefined) {
      const first = this.headerFormat === 'busybox' ? 0 : 1;
      return Math.min(first, this.lowSeq);
    }
    return Number.isFinite(this.lowSeq) ? this.lowSeq : 0;
  }

  /** Highest seq that can be declared lost. */
  private lostLimit(): number {
    if (!this.ended) return this.highAnswered;
    let limit = this.highSeq;
    // iputils prints nothing for a trailing unanswered seq without -O; the
    // summary's transmitted count still says it was sent.
    if (this.summary && this.headerFormat !== undefined) {
      limit = Math.max(limit, this.start() + this.summary.transmitted - 1);
    }
    return limit;
  }

  private trackRun(seq: number): void {
    if (seq > this.highAnswered) {
      if (this.highAnswered < 0 || seq !== this.highAnswered + 1) this.runStart = seq;
      this.highAnswered = seq;
    } else if (seq === this.runStart - 1) {
      // a late reply filled the hole just below the trailing run: join what lies below
      this.runStart = seq;
      while (this.table.answered(this.runStart - 1)) this.runStart--;
    }
  }

  private replyRef(seq: number): ReplyAt | undefined {
    const at = this.table.at(seq);
    return at === undefined || Number.isNaN(at) ? undefined : { seq, atMs: at };
  }

  /** Runs of consecutive lost seqs overlapping [lo, hi], each taken whole. */
  private lossRuns(lo: number, hi: number): Span[] {
    const start = this.start();
    const limit = this.lostLimit();
    const lost = (s: number) => s >= start && s <= limit && !this.table.answered(s);
    const runs: Span[] = [];
    let s = Math.max(lo, start);
    const e = Math.min(hi, limit);
    while (s <= e) {
      if (!lost(s)) {
        s++;
        continue;
      }
      let a = s;
      while (lost(a - 1)) a--;
      let b = s;
      while (lost(b + 1)) b++;
      runs.push({ first: a, last: b, before: this.replyRef(a - 1), after: this.replyRef(b + 1) });
      s = b + 2;
    }
    return runs;
  }

  /**
   * Seq range of a time gap between replies P (prev) and N (next):
   * - seqs strictly between them, if any (they were lost, or answered late);
   * - else N itself: the seq whose reply ended the gap. That is the ENOBUFS
   *   case: P = 40, N = 41, seq 41 was retried for a second before it left.
   * - (N below P, a reply overtaken by a later one: N itself.)
   */
  private gapSpan(g: TimeGap): Span {
    const p = g.prev.seq;
    const n = g.next.seq;
    const first = n > p + 1 ? p + 1 : n;
    const last = n > p + 1 ? n - 1 : n;
    return { first, last, before: g.prev, after: g.next };
  }

  /** Outage pieces overlapping [from, to], grown until no piece overlaps the edge, then merged. */
  private mergedSpans(from: number, to: number): Span[] {
    let lo = from;
    let hi = to;
    let spans: Span[];
    for (;;) {
      spans = this.lossRuns(lo, hi);
      for (const g of this.gaps) {
        const sp = this.gapSpan(g);
        if (sp.last >= lo && sp.first <= hi) spans.push(sp);
      }
      let nlo = lo;
      let nhi = hi;
      for (const sp of spans) {
        if (sp.first < nlo) nlo = sp.first;
        if (sp.last > nhi) nhi = sp.last;
      }
      if (nlo === lo && nhi === hi) break;
      lo = nlo;
      hi = nhi;
    }
    spans.sort((a, b) => a.first - b.first || a.last - b.last);
    const merged: Span[] = [];
    for (const sp of spans) {
      const cur = merged[merged.length - 1];
      if (cur && sp.first <= cur.last) {
        cur.last = Math.max(cur.last, sp.last);
        cur.before = earlier(cur.before, sp.before);
        cur.after = later(cur.after, sp.after);
      } else {
        merged.push({ ...sp });
      }
    }
    return merged.filter((sp) => sp.last >= from && sp.first <= to);
  }
}

/** Bound of a merged outage: a missing bound on any piece makes the whole bound unknown. */
function earlier(a: ReplyAt | undefined, b: ReplyAt | undefined): ReplyAt | undefined {
  if (!a || !b) return undefined;
  return b.atMs < a.atMs ? b : a;
}

function later(a: ReplyAt | undefined, b: ReplyAt | undefined): ReplyAt | undefined {
  if (!a || !b) return undefined;
  return b.atMs > a.atMs ? b : a;
}
