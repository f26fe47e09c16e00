/**
 * Streaming analysis of one ping run (one analyzer per ping process: a restarted
 * ping starts its sequence numbers over), in constant memory.
 *
 * Used live by the roam controller (push() every line as it arrives, ask
 * lostIn/outagesIn for a cycle's sequence window), and, one analyzer per run, by
 * `rig analyze` and the report (log-analysis.ts feeds it lines already placed into
 * runs by the same RunTracker rules, continuity.ts).
 *
 * All sequence numbers in this API are *unwrapped*: ping's 16-bit counter wraps
 * 65535 -> 0; here it keeps counting (65536, 65537, ...). Which line continues the
 * run (a consistent wrap, a late reply) and which is garbage is continuity.ts's call.
 *
 * Memory: per-seq detail (answered, DUP, reply time, RTT) is kept for a sliding
 * window of the last 65,536 seqs (seq-window.ts). Older seqs are retired, a quarter
 * window at a time, into run-level accumulators: lost, late and duplicated seqs as
 * ranges (ranges.ts), finished outages with their bounding replies. A seq retired
 * is decided (unanswered = lost); a reply to it after that (65,536 seqs late) is
 * ignored with a warning. Queries answer for the whole run; reply times exist only
 * inside the window.
 *
 * Definitions (docs/roam-cycle.md, "Lost, late, outage"):
 * - lost: no reply ever arrived for the seq. While the stream runs, only seqs
 *   below the highest answered seq can be lost (the rest may still be in
 *   flight); after end() every seq the ping sent is decided, except the last one
 *   the statistics count when nothing shows ping waited for its reply (it was sent
 *   in the last interval before ping stopped): that one is `inFlightAtEnd`.
 * - late: answered, with rtt > interval. Late is not lost.
 * - duplicates: seqs with more than one reply (`(DUP!)`).
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
 *   Pieces that share a seq are merged into one outage (outage-spans.ts).
 *   durationMs = time of the first reply after the outage - time of the last
 *   reply before it (see outageBounds()). Null with no timestamps, at stream start
 *   (nothing before) or when the stream ended inside the outage.
 * - Times: the `-D` stamp when the ping prints one, else the rig's arrival
 *   time passed to push(). Only first replies count for times.
 */

import { median } from 'simple-statistics';
import { RunTracker, type TrackerSink } from './continuity.ts';
import { gapSpan, mergeSpans, spanDurationMs, type ReplyAt, type Span, type TimeGap } from './outage-spans.ts';
import { parsePingLine, type PingFormat, type PingLine, type PingRtt, type PingSummary } from './parse.ts';
import { RangeList } from './ranges.ts';
import { SeqWindow } from './seq-window.ts';
import { feedTracker } from './track-line.ts';

export type { ReplyAt } from './outage-spans.ts';

export type TimestampSource = 'ping' | 'arrival' | 'none';

export interface Outage {
  firstSeq: number;
  lastSeq: number;
  /** Lost seqs in [firstSeq, lastSeq]. 0 for a pure time gap (ENOBUFS stall, late burst). */
  lost: number;
  /** Null without timestamps, or when no reply came before / after it (stream start or end). */
  durationMs: number | null;
}

/** The per-seq view of a run (what the live path asks for). */
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

export interface OutageBounds {
  /** Last reply before the outage (undefined at stream start or without timestamps). */
  before: ReplyAt | undefined;
  /** First reply after it (undefined when the stream ended inside it, or without timestamps). */
  after: ReplyAt | undefined;
}

/** A line and its arrival time, as the tracker carries it. */
interface Carried {
  rec: PingLine;
  atMs: number | undefined;
}

/** A finished outage that left the window (open: cut at the window edge, continues in it). */
interface RetiredOutage extends Span {
  open: boolean;
}

/** Reply gap (in intervals) above which traffic counts as dead. */
const GAP_FACTOR = 2.5;
/** Per-seq window: 65,536 seqs, 3.6 hours at -i 0.2. */
export const DEFAULT_WINDOW_SEQS = 65_536;
const MAX_WARNINGS = 50;

export class PingAnalyzer {
  readonly intervalMs: number;
  private readonly gapMs: number;
  private readonly win: SeqWindow;
  private readonly tracker: RunTracker<Carried>;
  private readonly retiredLost = new RangeList();
  private readonly retiredLate = new RangeList();
  private readonly retiredDup = new RangeList();
  private readonly retiredOutages: RetiredOutage[] = [];
  /** The highest answered seq that was retired, with its reply time (NaN: none). */
  private lastRetiredReply: ReplyAt | undefined;
  private headerFormat: PingFormat | undefined;
  private lineFormat: PingFormat | undefined;
  private lowSeq = Infinity;
  private highSeq = -1;
  private highAnswered = -1;
  /** All seqs in [runStart, highAnswered] are answered (for trailingAnswered()). */
  private runStart = -1;
  private receivedCount = 0;
  private dupReplies = 0;
  private seqLines = 0;
  private sawPingStamp = false;
  private sawArrival = false;
  private lastReply: ReplyAt | undefined;
  private gaps: TimeGap[] = [];
  private summary: PingSummary | undefined;
  private rttLine: PingRtt | undefined;
  private pendingError: string | null = null;
  private ended = false;
  private inFlight = -1;
  private readonly warningList: string[] = [];
  private warningsLeftOff = 0;

  constructor(opts: { intervalMs: number; windowSeqs?: number }) {
    if (!Number.isFinite(opts.intervalMs) || opts.intervalMs <= 0) {
      throw new RangeError(`PingAnalyzer: intervalMs must be a positive number, got ${opts.intervalMs}`);
    }
    this.intervalMs = opts.intervalMs;
    this.gapMs = GAP_FACTOR * opts.intervalMs;
    this.win = new SeqWindow(opts.windowSeqs ?? DEFAULT_WINDOW_SEQS);
    const sink: TrackerSink<Carried> = {
      seqLine: (c, seq) => this.take(c.rec, seq, c.atMs),
      line: (c) => this.take(c.rec, -1, c.atMs),
      newRun: () => {}, // one process: never split (the tracker is not in split mode)
      dropped: (c, why) => this.warn(`line ignored: "${clip(lineText(c.rec))}": ${why}`),
    };
    this.tracker = new RunTracker({ intervalMs: opts.intervalMs, split: false }, sink);
  }

  /** iputils or busybox: from the header, else from the reply lines; iputils until known. */
  get format(): PingFormat {
    return this.headerFormat ?? this.lineFormat ?? this.summary?.format ?? 'iputils';
  }

  get timestampSource(): TimestampSource {
    return this.sawPingStamp ? 'ping' : this.sawArrival ? 'arrival' : 'none';
  }

  /**
   * One line of output of this ping process. receivedAtMs (epoch ms, when the rig
   * received the line) is used as the reply time only while the ping prints no
   * `-D` stamps. A seq that does not fit the stream (continuity.ts) waits for the
   * next line to confirm it; garbage is ignored with a warning.
   */
  push(line: string, receivedAtMs?: number): void {
    if (this.ended) throw new Error('PingAnalyzer: push() after end()');
    const rec = parsePingLine(line);
    feedTracker(this.tracker, rec, receivedAtMs, { rec, atMs: receivedAtMs });
  }

  /**
   * A line already placed into this run by a reader's RunTracker (log-analysis.ts):
   * `seq` is its unwrapped seq (-1 for lines without one).
   */
  take(rec: PingLine, seq: number, receivedAtMs?: number): void {
    if (this.ended) throw new Error('PingAnalyzer: take() after end()');
    switch (rec.kind) {
      case 'header':
        // A second header would be a second ping process: not ours to mix in.
        if (this.headerFormat === undefined && this.highSeq < 0) this.headerFormat = rec.format;
        else this.warn(`a second PING header in one ping process ignored: "${clip(`PING ${rec.target}`)}"`);
        this.pendingError = null;
        return;
      case 'reply': {
        this.pendingError = null;
        this.lineFormat ??= rec.format;
        this.seqLines++;
        if (rec.ts !== undefined) this.sawPingStamp = true;
        if (!this.see(seq)) return;
        if (this.win.answered(seq)) {
          // a second reply to a seq, "(DUP!)" or not: a duplicate, nothing new about loss or timing
          this.win.markDup(seq);
          this.dupReplies++;
          return;
        }
        let atMs = Number.NaN;
        if (rec.ts !== undefined) atMs = rec.ts * 1000;
        else if (!this.sawPingStamp && receivedAtMs !== undefined && Number.isFinite(receivedAtMs)) {
          atMs = receivedAtMs;
          this.sawArrival = true;
        }
        const rtt = rec.rttMs ?? Number.NaN;
        this.win.setReply(seq, atMs, rtt);
        if (rec.dup) {
          // ping saw an earlier reply whose line is not here
          this.win.markDup(seq);
          this.dupReplies++;
        }
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
        this.seqLines++;
        if (rec.ts !== undefined) this.sawPingStamp = true;
        this.see(seq);
        return;
      case 'error':
        this.pendingError = rec.message;
        return;
      case 'summary':
        this.summary = rec;
        this.pendingError = null;
        return;
      case 'rtt':
        this.rttLine = rec;
        this.pendingError = null;
        return;
      case 'statsHeader':
        this.pendingError = null;
        return;
      case 'torn':
        this.warn(`a line cut mid-field ignored: "${clip(rec.text)}"`);
        return;
      default:
        return; // blank, other (busybox usage text, warnings): neither life nor death
    }
  }

  /** The stream is over (process exited or log read). */
  end(): PingAnalysis {
    if (!this.ended) {
      this.tracker.end();
      this.ended = true;
      this.inFlight = this.findInFlight();
    }
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
    return {
      format: this.format,
      timestamps: this.sawPingStamp,
      timestampSource: this.timestampSource,
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

  /** Lowest seq seen in such a line; -1 if none. */
  lowestSeq(): number {
    return Number.isFinite(this.lowSeq) ? this.lowSeq : -1;
  }

  answered(seq: number): boolean {
    if (this.win.holds(seq)) return this.win.answered(seq);
    // retired seqs are decided: answered unless lost
    return seq < this.win.floor && seq >= this.start() && !this.retiredLost.has(seq);
  }

  /** When the first reply to seq arrived: `-D` stamp, else receivedAtMs; undefined when unknown or retired. */
  replyAtMs(seq: number): number | undefined {
    return this.replyRef(seq)?.atMs;
  }

  /** Round trip of the first reply to seq, ms; NaN when not answered, retired, or ping printed no time. */
  rttMs(seq: number): number {
    return this.win.answered(seq) ? this.win.rtt(seq) : Number.NaN;
  }

  /**
   * When seq was (or would have been) sent, ms on the reply clock: an answered, on-time
   * seq's reply time minus its RTT; any other (lost, late) interpolated between the
   * nearest such seqs around it within `reach` seqs, or one interval a seq beyond the
   * nearest one on one side. Undefined when none is in reach or in the window. Neighbours,
   * not a fixed cadence from the start: iputils resends a seq on ENOBUFS, sends drift.
   *
   * Between two anchors the gap's slack (its length beyond whole intervals) is not spread
   * evenly: a send after an answered ping comes as late as such sends usually come (the
   * anchors' own typical excess over the interval, measured around the gap), and the rest of
   * the slack lies in the gaps after the unanswered ones. iputils waits longer after a ping
   * still in flight (main_loop(): SO_RCVTIMEO runs out, then poll(MININTERVAL), 10 ms), so
   * even interpolation would place a lost ping ~5 ms late, across a join it was sent just
   * before; a sender that keeps its cadence has no slack, and this is the even spread.
   */
  sendTimeMs(seq: number, reach = 50): number | undefined {
    const own = this.anchorSend(seq);
    if (own !== undefined) return own;
    let lo: ReplyAt | undefined;
    for (let s = seq - 1; s >= Math.max(seq - reach, this.win.lo); s--) {
      const t = this.anchorSend(s);
      if (t !== undefined) {
        lo = { seq: s, atMs: t };
        break;
      }
    }
    let hi: ReplyAt | undefined;
    for (let s = seq + 1; s <= Math.min(seq + reach, this.highAnswered); s++) {
      const t = this.anchorSend(s);
      if (t !== undefined) {
        hi = { seq: s, atMs: t };
        break;
      }
    }
    if (lo && hi) {
      const between = hi.seq - lo.seq - 1;
      const j = seq - lo.seq;
      const slack = hi.atMs - lo.atMs - (between + 1) * this.intervalMs;
      const usual = this.usualExcessMs(lo.seq, hi.seq, reach);
      if (slack <= 0 || usual === null) return lo.atMs + (j * (hi.atMs - lo.atMs)) / (hi.seq - lo.seq);
      const first = Math.min(slack, usual);
      return lo.atMs + j * this.intervalMs + first + ((j - 1) * (slack - first)) / between;
    }
    if (lo) return lo.atMs + (seq - lo.seq) * this.intervalMs;
    if (hi) return hi.atMs - (hi.seq - seq) * this.intervalMs;
    return undefined;
  }

  /**
   * How much later than the interval a send after an answered ping usually comes, ms: the
   * median excess of the gaps between consecutive anchors within `reach` seqs outside
   * [lo, hi] (never below 0); null when there is no such pair.
   */
  private usualExcessMs(lo: number, hi: number, reach: number): number | null {
    const excess: number[] = [];
    const from = Math.max(lo - reach, this.win.lo);
    const to = Math.min(hi + reach, this.highAnswered);
    let prev = this.anchorSend(from);
    for (let s = from + 1; s <= to; s++) {
      const t = this.anchorSend(s);
      if (t !== undefined && prev !== undefined && (s <= lo || s - 1 >= hi)) excess.push(Math.max(0, t - prev - this.intervalMs));
      prev = t;
    }
    return excess.length === 0 ? null : median(excess);
  }

  /** Send time of an answered, on-time seq with a reply time (its reply minus its RTT). */
  private anchorSend(seq: number): number | undefined {
    if (!this.win.answered(seq)) return undefined;
    const at = this.win.at(seq);
    const rtt = this.win.rtt(seq);
    if (Number.isNaN(at) || rtt > this.intervalMs) return undefined;
    return Number.isFinite(rtt) ? at - rtt : at;
  }

  /** Length of the run of consecutive answered seqs ending at the highest answered seq. */
  trailingAnswered(): number {
    return this.highAnswered < 0 ? 0 : this.highAnswered - this.runStart + 1;
  }

  /** Seqs in [fromSeq, toSeq] never answered (below the highest answered seq until end()). */
  lostIn(fromSeq: number, toSeq: number): number[] {
    const out: number[] = [];
    this.eachLost(fromSeq, toSeq, (s) => out.push(s));
    return out;
  }

  /** How many seqs in [fromSeq, toSeq] were lost (as lostIn, without the list). */
  lostCountIn(fromSeq: number, toSeq: number): number {
    let n = 0;
    this.eachLost(fromSeq, toSeq, () => n++);
    return n;
  }

  /** Seqs in [fromSeq, toSeq] answered with rtt > interval. */
  lateIn(fromSeq: number, toSeq: number): number[] {
    const out: number[] = [];
    const lo = Math.max(fromSeq, this.start());
    const hi = Math.min(toSeq, this.highAnswered);
    if (hi < lo) return out;
    if (lo < this.win.floor) this.retiredLate.forEachIn(lo, Math.min(hi, this.win.floor - 1), (s) => out.push(s));
    for (let s = Math.max(lo, this.win.lo); s <= hi; s++) if (this.win.answered(s) && this.win.rtt(s) > this.intervalMs) out.push(s);
    return out;
  }

  /** Seqs in [fromSeq, toSeq] with more than one reply. */
  duplicatesIn(fromSeq: number, toSeq: number): number[] {
    const out: number[] = [];
    const lo = Math.max(fromSeq, this.start());
    const hi = Math.min(toSeq, this.highSeq);
    if (hi < lo) return out;
    if (lo < this.win.floor) this.retiredDup.forEachIn(lo, Math.min(hi, this.win.floor - 1), (s) => out.push(s));
    for (let s = Math.max(lo, this.win.lo); s <= hi; s++) if (this.win.dup(s)) out.push(s);
    return out;
  }

  /** Outages overlapping [fromSeq, toSeq] (whole outages, even where they stick out). */
  outagesIn(fromSeq: number, toSeq: number): Outage[] {
    return this.spansIn(fromSeq, toSeq).map((sp) => ({
      firstSeq: sp.first,
      lastSeq: sp.last,
      lost: this.lostCountIn(sp.first, sp.last),
      durationMs: spanDurationMs(sp),
    }));
  }

  /**
   * The replies that bound an outage: durationMs = after.atMs - before.atMs.
   * Use this for the before/after-association split rather than
   * lastReplyBefore(firstSeq)/firstReplyAfter(lastSeq): for a pure time gap
   * (ENOBUFS stall) lastSeq is itself the answered seq that ended the gap.
   */
  outageBounds(outage: Outage): OutageBounds {
    const sp = this.spansIn(outage.firstSeq, outage.lastSeq).find((s) => s.first === outage.firstSeq);
    return { before: sp?.before, after: sp?.after };
  }

  /** Reply of the highest answered seq below seq, if it has a time (within the window). */
  lastReplyBefore(seq: number): ReplyAt | undefined {
    for (let s = Math.min(seq - 1, this.highAnswered); s >= this.win.lo; s--) {
      if (this.win.answered(s)) return this.replyRef(s);
    }
    const r = this.lastRetiredReply;
    return r && r.seq < seq && Number.isFinite(r.atMs) ? r : undefined;
  }

  /** Reply of the lowest answered seq above seq, if it has a time (within the window). */
  firstReplyAfter(seq: number): ReplyAt | undefined {
    for (let s = Math.max(seq + 1, this.win.lo); s <= this.highAnswered; s++) {
      if (this.win.answered(s)) return this.replyRef(s);
    }
    return undefined;
  }

  // ---- what the run-level judgement (verdict.ts) reads ------------------------

  /** The statistics line, when the ping printed one. */
  get statistics(): PingSummary | undefined {
    return this.summary;
  }

  /** The `rtt min/avg/max` line, when printed. */
  get rttStatistics(): PingRtt | undefined {
    return this.rttLine;
  }

  /** The run began with ping's own header (so its first seq is known: iputils 1, busybox 0). */
  get headerSeen(): boolean {
    return this.headerFormat !== undefined;
  }

  /** Reply, no-answer and ICMP-error lines taken. */
  get seqLineCount(): number {
    return this.seqLines;
  }

  /** Extra replies (the statistics' "+N duplicates"). */
  get duplicateReplies(): number {
    return this.dupReplies;
  }

  /** After end(): the last seq the statistics count that was neither answered nor seen waited for. */
  get inFlightAtEnd(): number[] {
    return this.inFlight >= 0 ? [this.inFlight] : [];
  }

  /** What the analyzer ignored and why (the first 50, then a count). */
  get warnings(): string[] {
    return this.warningsLeftOff > 0 ? [...this.warningList, `... and ${this.warningsLeftOff} more`] : [...this.warningList];
  }

  /** Memory held for the run (ranges and outages retired, gaps and window in use). */
  get footprint(): { windowSeqs: number; retiredRanges: number; retiredOutages: number; gaps: number } {
    return {
      windowSeqs: this.win.size,
      retiredRanges: this.retiredLost.ranges + this.retiredLate.ranges + this.retiredDup.ranges,
      retiredOutages: this.retiredOutages.length,
      gaps: this.gaps.length,
    };
  }

  warn(message: string): void {
    if (this.warningList.length < MAX_WARNINGS) this.warningList.push(message);
    else this.warningsLeftOff++;
  }

  // ---- internals -------------------------------------------------------------

  /** Record seq as seen, making room in the window; false when it was retired long ago. */
  private see(seq: number): boolean {
    const w = this.win;
    if (w.empty && this.headerFormat !== undefined && w.floor === -Infinity) {
      // with the header, the run starts at ping's first seq: seqs lost before the first line count
      const first = this.headerFormat === 'busybox' ? 0 : 1;
      if (first < seq) w.include(first);
    }
    // keep the window contiguous with what was retired (after a jump that emptied it)
    if (w.empty && w.floor !== -Infinity && seq >= w.floor) w.include(w.floor);
    if (seq < w.floor) {
      this.warn(`a line for seq ${seq}, which left the ${w.size}-seq window long ago, ignored`);
      return false;
    }
    if (!w.fits(seq)) {
      if (seq < w.lo) {
        this.warn(`a line for seq ${seq}, ${w.hi - seq} seqs below the highest, ignored`);
        return false;
      }
      while (!w.fits(seq)) this.retire();
    }
    w.include(seq);
    if (seq > this.highSeq) this.highSeq = seq;
    if (seq < this.lowSeq) this.lowSeq = seq;
    return true;
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
    // statistics without a single seq line (ping -q): per-seq loss is not ours to claim
    if (this.seqLines === 0) return this.highSeq;
    let limit = this.highSeq;
    // iputils prints nothing for a trailing unanswered seq without -O; the
    // summary's transmitted count still says it was sent.
    if (this.summary && this.headerFormat !== undefined) {
      limit = Math.max(limit, this.start() + this.summary.transmitted - 1);
    }
    if (this.inFlight >= 0 && this.inFlight === limit) limit--;
    return limit;
  }

  /**
   * The last seq the statistics count, when it has no line of its own and no reply:
   * sent in the last interval before ping stopped (Ctrl-C, the rig's own stop), with
   * nothing to show ping waited for its reply (without -O ping prints nothing for it;
   * arrival times cannot tell either, their delivery lags), so in flight, not lost.
   * The seqs before it were each followed by a later send: those are lost.
   */
  private findInFlight(): number {
    if (!this.summary || this.headerFormat === undefined || this.seqLines === 0) return -1;
    const last = this.start() + this.summary.transmitted - 1;
    return last > this.highSeq && last > this.highAnswered ? last : -1;
  }

  private eachLost(fromSeq: number, toSeq: number, fn: (s: number) => void): void {
    const lo = Math.max(fromSeq, this.start());
    const floor = this.win.floor;
    // retired seqs are decided whatever the limit
    if (lo < floor) this.retiredLost.forEachIn(lo, Math.min(toSeq, floor - 1), fn);
    const hi = Math.min(toSeq, this.lostLimit());
    for (let s = Math.max(lo, floor); s <= hi; s++) if (!this.win.answered(s)) fn(s);
  }

  private trackRun(seq: number): void {
    if (seq > this.highAnswered) {
      if (this.highAnswered < 0 || seq !== this.highAnswered + 1) this.runStart = seq;
      this.highAnswered = seq;
    } else if (seq === this.runStart - 1) {
      // a late reply filled the hole just below the trailing run: join what lies below
      this.runStart = seq;
      while (this.runStart - 1 >= this.win.lo && this.win.answered(this.runStart - 1)) this.runStart--;
      if (this.runStart - 1 < this.win.lo && this.runStart - 1 < this.win.floor && this.runStart > this.start()) {
        this.runStart = Math.max(this.retiredLost.highestBelow(this.runStart) + 1, this.start());
      }
    }
  }

  private replyRef(seq: number): ReplyAt | undefined {
    if (this.win.answered(seq)) {
      const at = this.win.at(seq);
      return Number.isNaN(at) ? undefined : { seq, atMs: at };
    }
    const r = this.lastRetiredReply;
    return r && r.seq === seq && !Number.isNaN(r.atMs) ? r : undefined;
  }

  /** Runs of consecutive lost seqs in the window overlapping [lo, hi], each taken whole. */
  private lossRuns(lo: number, hi: number, limit: number): Span[] {
    const bottom = Math.max(this.start(), this.win.floor);
    const lost = (s: number): boolean => s >= bottom && s <= limit && !this.win.answered(s);
    const runs: Span[] = [];
    let s = Math.max(lo, bottom);
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
   * Outage pieces in the window overlapping [from, to], grown until no piece
   * overlaps the edge, then merged; the first joins an open retired outage it continues.
   */
  private windowSpans(from: number, to: number, limit: number): Span[] {
    let lo = from;
    let hi = to;
    let spans: Span[];
    for (;;) {
      spans = this.lossRuns(lo, hi, limit);
      for (const g of this.gaps) {
        const sp = gapSpan(g);
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
    const merged = mergeSpans(spans);
    const open = this.openRetired();
    if (open && merged.length > 0 && merged[0].first <= open.last + 1) {
      const m = merged[0];
      merged[0] = { first: open.first, last: Math.max(open.last, m.last), before: open.before, after: m.after };
    }
    return merged;
  }

  private openRetired(): RetiredOutage | undefined {
    const r = this.retiredOutages[this.retiredOutages.length - 1];
    return r?.open ? r : undefined;
  }

  /** Retired outages and window outages overlapping [from, to], in seq order. */
  private spansIn(from: number, to: number): Span[] {
    const out: Span[] = [];
    const ws = this.win.empty && this.gaps.length === 0 ? [] : this.windowSpans(Math.max(from, this.win.floor), to, this.lostLimit());
    const open = this.openRetired();
    const openJoined = open !== undefined && ws.length > 0 && ws[0].first === open.first;
    const r = this.retiredOutages;
    // retired outages are disjoint and sorted: binary search the first ending at or after `from`
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid].last < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < r.length && r[i].first <= to; i++) {
      if (r[i].open && openJoined) continue;
      out.push(r[i].open ? { ...r[i], after: undefined } : r[i]);
    }
    for (const sp of ws) if (sp.last >= from && sp.first <= to) out.push(sp);
    return out;
  }

  /**
   * Retire the oldest quarter of the window: its outages become run-level records, its
   * lost, late and duplicated seqs ranges. The cut moves down to the start of an outage
   * that crosses it, so an outage is retired whole; one longer than a quarter window is
   * cut at the edge and kept open until its end is retired.
   */
  private retire(): void {
    const w = this.win;
    const lo = w.lo;
    let cut = lo + (w.size >> 2);
    // The seqs retired are decided: unanswered means lost, whatever the live limit. The
    // cut seq itself is looked at too, so a loss run that goes on past the cut straddles it.
    const limit = Math.max(this.lostLimit(), cut);
    const spans = this.windowSpans(lo, cut - 1, limit);
    const straddler = spans.find((sp) => sp.first < cut && sp.last >= cut);
    let open: Span | undefined;
    if (straddler) {
      if (straddler.first > lo) cut = straddler.first;
      else open = straddler;
    }
    for (const sp of spans) if (sp.last < cut) this.keepOutage(sp, false);
    if (open) this.keepOutage({ ...open, last: cut - 1, after: undefined }, true);
    for (let s = lo; s < cut; s++) {
      if (w.answered(s)) {
        if (w.rtt(s) > this.intervalMs) this.retiredLate.add(s);
        if (w.dup(s)) this.retiredDup.add(s);
        this.lastRetiredReply = { seq: s, atMs: w.at(s) };
      } else if (s >= this.start()) this.retiredLost.add(s);
    }
    this.gaps = this.gaps.filter((g) => gapSpan(g).last >= cut);
    w.retireBelow(cut);
  }

  private keepOutage(sp: Span, open: boolean): void {
    const prev = this.openRetired();
    if (prev && sp.first <= prev.last + 1) {
      prev.last = Math.max(prev.last, sp.last);
      prev.after = sp.after;
      prev.open = open;
      return;
    }
    this.retiredOutages.push({ first: sp.first, last: sp.last, before: sp.before, after: sp.after, open });
  }
}

function lineText(rec: PingLine): string {
  switch (rec.kind) {
    case 'reply':
      return `${rec.bytes} bytes from ${rec.from}: seq=${rec.seq}${rec.rttMs !== null ? ` time=${rec.rttMs} ms` : ''}`;
    case 'noAnswer':
      return `no answer yet for icmp_seq=${rec.seq}`;
    case 'icmpError':
      return `From ${rec.from} icmp_seq=${rec.seq} ${rec.text}`;
    default:
      return rec.kind;
  }
}

export function clip(text: string, max = 100): string {
  // printable only: a binary line must not reach a terminal raw
  const t = text.replace(/[^\x20-\x7e]/g, '?');
  return t.length > max ? `${t.slice(0, max)}...` : t;
}
