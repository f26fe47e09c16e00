/**
 * Which run a line of ping output belongs to, and which unwrapped seq a seq line
 * carries. One set of rules for every reader: the live analyzer (one ping process,
 * `split: false`), `rig analyze` and the report's ping.log scanner (a file that may
 * hold several runs, `split: true`). docs/roam-cycle.md, "Facts about ping".
 *
 * A new run starts (split mode) at
 * - a `PING` header once the run has shown anything;
 * - ping output after the run's statistics (the next process printed no header);
 * - a seq that cannot continue the run, confirmed by the line after it (below).
 *
 * A seq continues the run when (unwrapped against the run's highest seq, seq.ts):
 * - it is the next one (65535 -> 0 included: that is the wrap);
 * - it jumps ahead by d >= 2 and the jump is consistent: with the ping's own `-D`
 *   stamps, at least d - 1/2 intervals passed between the two sends (ping never
 *   sends faster than its interval; an ENOBUFS stall only makes it slower); with
 *   arrival stamps (whose delivery can lag by seconds), d is within two minutes of
 *   seqs or at least half that time passed; with no time at all, d is within two
 *   minutes of seqs (SILENT_LIMIT_MS);
 * - it goes back (a late reply, a DUP) by no more than its own RTT allows: a reply
 *   to a seq sent k seqs before the highest one comes at least k intervals after its
 *   send. ICMP errors come late (ARP gives up after 3 s): back by up to two minutes
 *   of seqs. A line without an RTT: back by at most 2.
 * Anything else is held: if the next seq line follows it (within 3), the jump was
 * real: a new run starts there (split mode), or, for one process (live), the seq is
 * taken as it is. If not, the held line was garbage and is dropped with a warning.
 * So a torn number (`icmp_seq=4` of 40123) never becomes 25,417 lost seqs, and a
 * second `ping >> log` without its header never extends the first one.
 */
import { SEQ_MODULUS, unwrapSeq } from './seq.ts';

export type RunStart = 'header' | 'statistics' | 'seq-restart' | 'seq-jump';
export type SeqKind = 'reply' | 'noAnswer' | 'icmpError';

/** What the tracker tells its reader. P is the reader's own payload for a line. */
export interface TrackerSink<P> {
  /** A seq line of the current run, at its unwrapped seq. */
  seqLine(p: P, seq: number): void;
  /** Any other line of the current run. */
  line(p: P): void;
  /** The lines from here on are a new run (split mode only). */
  newRun(startedBy: RunStart, why: string): void;
  /** A seq line that fits neither this run nor a new one: ignored. */
  dropped(p: P, why: string): void;
}

/** The longest silence (no line printed) a jump may stand for without timestamps to confirm it. */
export const SILENT_LIMIT_MS = 120_000;
/** How far the line after a held one may be from it and still follow it. */
const FOLLOW = 3;

interface Held<P> {
  p: P;
  kind: SeqKind;
  raw: number;
  /** Unwrapped against the run it did not fit. */
  seq: number;
  rttMs: number;
  timeMs: number;
  stamped: boolean;
  startedBy: RunStart;
  why: string;
}

export class RunTracker<P> {
  private high = -1;
  /** The latest seq whose send time is known, and that time (ms). */
  private refSeq = -1;
  private refSendMs = Number.NaN;
  private refStamped = false;
  private content = false;
  private afterSummary = false;
  private held: Held<P> | null = null;
  private readonly intervalMs: number;
  private readonly split: boolean;
  readonly maxSilentSeqs: number;

  constructor(
    opts: { intervalMs: number; split: boolean },
    private readonly sink: TrackerSink<P>,
  ) {
    this.intervalMs = opts.intervalMs;
    this.split = opts.split;
    this.maxSilentSeqs = Math.max(10, Math.ceil(SILENT_LIMIT_MS / opts.intervalMs));
  }

  /** Highest unwrapped seq of the current run (-1 before any). */
  get highestSeq(): number {
    return this.high;
  }

  header(p: P): void {
    this.release('a PING header follows it');
    if (this.split && this.content) this.startRun('header', 'a PING header');
    this.content = true;
    this.sink.line(p);
  }

  summary(p: P): void {
    this.release('the statistics follow it');
    if (this.split && this.afterSummary) this.startRun('statistics', 'a second statistics line');
    this.content = true;
    this.afterSummary = true;
    this.sink.line(p);
  }

  /** A ping error line (`ping: sendto: ...`). */
  error(p: P): void {
    if (this.split && this.afterSummary) this.startRun('statistics', 'ping output after the statistics');
    this.content = true;
    this.sink.line(p);
  }

  /** Blank lines, the statistics header, rtt lines, anything else: they change nothing. */
  quiet(p: P): void {
    this.sink.line(p);
  }

  /**
   * A reply, `no answer yet` or ICMP error line. timeMs: the `-D` stamp (stamped) or
   * the arrival time, NaN when none; rttMs NaN when the line has none.
   */
  seq(p: P, kind: SeqKind, raw: number, rttMs: number, timeMs: number, stamped: boolean): void {
    if (this.split && this.afterSummary) {
      this.release('the statistics come before it');
      this.startRun('statistics', 'ping output after the statistics');
    }
    const h = this.held;
    if (h) {
      this.held = null;
      if ((((raw - h.raw) % SEQ_MODULUS) + SEQ_MODULUS) % SEQ_MODULUS <= FOLLOW) {
        if (this.split) {
          this.startRun(h.startedBy, h.why);
          this.accept(h.p, h.kind, h.raw, h.rttMs, h.timeMs, h.stamped);
        } else {
          this.accept(h.p, h.kind, h.seq, h.rttMs, h.timeMs, h.stamped);
        }
      } else {
        this.sink.dropped(h.p, `${h.why}; the next seq line (${raw}) does not follow it`);
      }
    }
    this.place(p, kind, raw, rttMs, timeMs, stamped);
  }

  /**
   * The common case, without a payload: `raw` is the next seq of the run and nothing is
   * held. Returns its unwrapped seq with the state updated as seq() would (the sink is not
   * called), else -1: then call seq(). For readers that count every allocation.
   */
  nextSeq(kind: SeqKind, raw: number, rttMs: number, timeMs: number, stamped: boolean): number {
    if (this.held || this.high < 0 || (this.split && this.afterSummary)) return -1;
    const seq = this.high + 1;
    if (seq % SEQ_MODULUS !== raw) return -1;
    this.note(kind, seq, rttMs, timeMs, stamped);
    return seq;
  }

  /** The input ended: a held line is dropped. */
  end(): void {
    this.release('nothing follows it');
  }

  private place(p: P, kind: SeqKind, raw: number, rttMs: number, timeMs: number, stamped: boolean): void {
    if (this.high < 0) {
      this.accept(p, kind, raw, rttMs, timeMs, stamped);
      return;
    }
    const seq = unwrapSeq(raw, this.high);
    const d = seq - this.high;
    let why: string | null = null;
    let startedBy: RunStart = 'seq-jump';
    if (d >= 2) why = this.jumpProblem(kind, seq, d, rttMs, timeMs, stamped);
    else if (d <= 0) {
      why = this.backProblem(kind, seq, -d, rttMs);
      startedBy = 'seq-restart';
    }
    if (why === null) this.accept(p, kind, seq, rttMs, timeMs, stamped);
    else this.held = { p, kind, raw, seq, rttMs, timeMs, stamped, startedBy, why };
  }

  private accept(p: P, kind: SeqKind, seq: number, rttMs: number, timeMs: number, stamped: boolean): void {
    this.note(kind, seq, rttMs, timeMs, stamped);
    this.sink.seqLine(p, seq);
  }

  /** A seq line joins the run: its highest seq and the latest known send time. */
  private note(kind: SeqKind, seq: number, rttMs: number, timeMs: number, stamped: boolean): void {
    if (seq > this.high) this.high = seq;
    this.content = true;
    if (Number.isFinite(timeMs)) {
      // send time: a reply's stamp minus its RTT; `no answer yet for n` is printed as n + 1 goes out
      let refSeq = -1;
      let sendMs = Number.NaN;
      if (kind === 'reply' && Number.isFinite(rttMs)) {
        refSeq = seq;
        sendMs = timeMs - rttMs;
      } else if (kind === 'noAnswer') {
        refSeq = seq + 1;
        sendMs = timeMs;
      }
      if (refSeq >= 0 && refSeq >= this.refSeq) {
        this.refSeq = refSeq;
        this.refSendMs = sendMs;
        this.refStamped = stamped;
      }
    }
  }

  /** Why a jump of d seqs ahead to seq does not fit the run (null: it fits). */
  private jumpProblem(kind: SeqKind, seq: number, d: number, rttMs: number, timeMs: number, stamped: boolean): string | null {
    const iv = this.intervalMs;
    const sendMs = kind === 'reply' && Number.isFinite(rttMs) ? timeMs - rttMs : kind === 'noAnswer' ? timeMs - iv : timeMs;
    const timed = Number.isFinite(sendMs) && this.refSeq >= 0 && Number.isFinite(this.refSendMs) && stamped === this.refStamped;
    const elapsed = sendMs - this.refSendMs;
    const span = seq - this.refSeq;
    const from = `seq ${seq} after ${this.high}`;
    if (timed && stamped) {
      if (elapsed >= span * iv - iv / 2) return null;
      return `${from}: a jump of ${d} seqs with the sends ${fmtS(elapsed)} apart (at ${iv} ms a seq, at least ${fmtS(span * iv - iv / 2)})`;
    }
    if (d <= this.maxSilentSeqs) return null;
    if (timed && elapsed >= (span * iv) / 2) return null;
    return timed
      ? `${from}: a jump of ${d} seqs with the lines only ${fmtS(elapsed)} apart (at ${iv} ms a seq, that is ${fmtS(span * iv)})`
      : `${from}: a jump of ${d} seqs, more than ${this.maxSilentSeqs} (${SILENT_LIMIT_MS / 1000} s of silence), and no timestamps to confirm it`;
  }

  /** Why a seq `back` seqs below the highest does not fit the run (null: it fits). */
  private backProblem(kind: SeqKind, seq: number, back: number, rttMs: number): string | null {
    const iv = this.intervalMs;
    if (back === 0) return null;
    if (kind === 'icmpError') {
      return back <= this.maxSilentSeqs ? null : `seq ${seq} after ${this.high}: an ICMP error for a seq ${back} back`;
    }
    if (kind === 'reply' && Number.isFinite(rttMs)) {
      if (rttMs >= back * iv - iv / 2) return null;
      return `seq ${seq} after ${this.high}: ${back} seqs back with time=${rttMs} ms (a reply that late needs at least ${back * iv - iv / 2} ms)`;
    }
    return back <= 2 ? null : `seq ${seq} after ${this.high}: ${back} seqs back`;
  }

  private release(because: string): void {
    const h = this.held;
    if (!h) return;
    this.held = null;
    this.sink.dropped(h.p, `${h.why}; ${because}`);
  }

  private startRun(startedBy: RunStart, why: string): void {
    this.high = -1;
    this.refSeq = -1;
    this.refSendMs = Number.NaN;
    this.refStamped = false;
    this.content = false;
    this.afterSummary = false;
    this.sink.newRun(startedBy, why);
  }
}

function fmtS(ms: number): string {
  return Math.abs(ms) >= 10_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms)} ms`;
}
