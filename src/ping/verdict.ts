/**
 * What one finished run of a ping log can honestly say (`rig analyze`): the
 * analyzer's per-seq view, checked against ping's own statistics, with `null` and a
 * reason wherever the log cannot tell. A wrong number is worse than none.
 *
 * - lost: the per-seq list when the log shows every seq of the run: from ping's
 *   header on (or, for an excerpt, when the statistics' loss is all inside it) and,
 *   with statistics, when the reply lines and the statistics agree. Otherwise null
 *   with `lostReason`: ping -q, a cut or filtered log. The statistics still give
 *   transmitted / received / lossPercent.
 * - late, duplicates, outages: the per-seq lists under the same condition; without
 *   reply lines, what the statistics pin down ([] when the rtt line's max is within
 *   the interval, [] when no duplicates are counted), else null.
 * - stallMs: without per-packet times, a transmit stall (iputils retrying ENOBUFS
 *   sends the same seq for as long as it lasts) shows only in the statistics' `time`:
 *   the run took longer than its (transmitted - 1) intervals. Reported when the excess
 *   is beyond what a run drifts anyway (stallToleranceMs), 0 within it, null without
 *   a `time` field (busybox, no statistics) or with a single send.
 */
import type { RunStart } from './continuity.ts';
import type { Outage, PingAnalyzer, TimestampSource } from './analyzer.ts';
import type { PingFormat } from './parse.ts';
import { compressRanges } from './ranges.ts';

export interface RunAnalysis {
  /** 1-based, in file order. */
  run: number;
  /** Line numbers of the run's first and last line in the file. */
  lines: { first: number; last: number };
  /** What began it: the log's start, a PING header, output after statistics, a seq restart or jump. */
  startedBy: 'log-start' | RunStart;
  format: PingFormat;
  timestamps: boolean;
  timestampSource: TimestampSource;
  transmitted: number;
  received: number;
  /** The statistics' loss, else lost / transmitted; null when unknown. */
  lossPercent: number | null;
  /** Unwrapped seqs never answered; null when the log cannot say which (lostReason says why). */
  lost: number[] | null;
  lostReason: string | null;
  late: number[] | null;
  /** Seqs answered more than once. */
  duplicates: number[] | null;
  /** The last seq, sent as ping stopped: neither answered nor lost. */
  inFlightAtEnd: number[];
  outages: Outage[] | null;
  /** Time the statistics' `time` shows beyond the schedule (a transmit stall); 0 within tolerance; null when unknown. */
  stallMs: number | null;
  ended: 'summary' | 'error' | 'eof';
  error: string | null;
  notes: string[];
  warnings: string[];
}

/**
 * A run takes longer than (transmitted - 1) intervals even without a stall:
 * - every send is a little late and never caught up (iputils' token bucket holds at
 *   most one interval). Measured on the corpus: 1.4 to 2.4 % of the interval a send at
 *   -i 0.2, 0.12 ms (6 %) at -i 0.002, a fixed cost per send; a HZ=100 kernel rounds
 *   each wait up to its 10 ms tick (5 % at -i 0.2). Hence 6 % of the interval, at
 *   least 0.25 ms, per send;
 * - the time after the last send until ping ended: up to one interval when it was
 *   stopped (Ctrl-C) or its last reply came; but with -c or -w a last reply that never
 *   comes keeps ping waiting up to its linger time, 10 s (iputils MAXWAIT), which the
 *   statistics cannot tell from a stall. `lastAnswered` says the last send was answered.
 */
export function stallToleranceMs(transmitted: number, intervalMs: number, lastAnswered: boolean): number {
  const tail = lastAnswered ? intervalMs : intervalMs + LINGER_MS;
  return tail + Math.max(0, transmitted - 1) * Math.max(0.06 * intervalMs, 0.25);
}

/** iputils' wait for outstanding replies after its last send with -c / -w (MAXWAIT). */
const LINGER_MS = 10_000;

export interface RunMeta {
  run: number;
  lines: { first: number; last: number };
  startedBy: RunAnalysis['startedBy'];
  warnings: string[];
}

/** Judge a run whose analyzer has ended. */
export function judgeRun(a: PingAnalyzer, meta: RunMeta): RunAnalysis {
  const r = a.end();
  const st = a.statistics;
  const iv = a.intervalMs;
  const seqLines = a.seqLineCount > 0;
  const inFlight = a.inFlightAtEnd;
  const notes: string[] = [];
  const lo = a.lowestSeq();
  const hi = a.highestSeq();

  let lost: number[] | null = r.lost;
  let lostReason: string | null = null;
  const refuse = (why: string): void => {
    lost = null;
    lostReason = why;
  };
  if (!seqLines) {
    if (st && st.transmitted !== st.received) {
      refuse(`the log has ping's statistics (${st.transmitted} transmitted, ${st.received} received) but no reply lines (ping -q, or the lines were cut): which seqs were lost is unknown`);
    } else lost = [];
  } else if (st) {
    const statsLost = st.transmitted - st.received;
    const seen = r.lost.length + inFlight.length;
    if (a.headerSeen) {
      if (r.received !== st.received || seen !== statsLost) {
        refuse(`the log shows ${r.received} replies and ${seen} seqs unanswered where ping's statistics count ${st.received} received of ${st.transmitted}: lines are missing (a cut or filtered log)`);
      }
    } else if (seen !== statsLost) {
      const shown = r.lost.length > 0 ? ` (${compressRanges(r.lost)})` : '';
      refuse(`the log starts at seq ${lo} without ping's header (its start was cut): ping's statistics count ${statsLost} lost, the log's seqs ${lo}-${hi} show ${r.lost.length}${shown}`);
    } else if (lo > 0) {
      notes.push(`the log starts at seq ${lo} without ping's header; its statistics count no loss before it`);
    }
  } else if (!a.headerSeen && hi >= 0) {
    notes.push(`the log starts at seq ${lo} without ping's header and has no statistics: only seqs ${lo}-${hi} are analysed`);
  }
  const complete = seqLines && lost !== null;

  const rttMax = a.rttStatistics?.maxMs;
  const late = complete ? r.late : (st && st.received === 0) || (rttMax !== undefined && rttMax <= iv) ? [] : null;
  let duplicates: number[] | null;
  if (complete) duplicates = a.duplicatesIn(-Infinity, Infinity);
  else duplicates = !st || !st.duplicates ? [] : null;
  if (st && seqLines && (st.duplicates ?? 0) !== a.duplicateReplies) {
    meta.warnings.push(`the log shows ${a.duplicateReplies} duplicate replies, ping's statistics count ${st.duplicates ?? 0}`);
  }
  const outages = complete ? r.outages : seqLines || st ? null : [];

  let stallMs: number | null = null;
  // a single send has no schedule to fall behind
  if (st?.timeMs !== undefined && st.transmitted > 1) {
    const excess = st.timeMs - (st.transmitted - 1) * iv;
    const lastSeq = a.headerSeen ? (a.format === 'busybox' ? 0 : 1) + st.transmitted - 1 : -1;
    const lastAnswered = st.transmitted === st.received || (lastSeq >= 0 && a.answered(lastSeq));
    const tol = stallToleranceMs(st.transmitted, iv, lastAnswered);
    stallMs = excess > tol ? Math.round(excess) : 0;
    if (stallMs > 0) {
      notes.push(
        `ping's statistics say the run took ${st.timeMs} ms, ${Math.round(excess)} ms more than its ${st.transmitted - 1} intervals of ${iv} ms ` +
          `(a run drifts up to ${Math.round(tol)} ms): sending stalled for up to that long (iputils retries a send that fails with ENOBUFS)`,
      );
    }
  }
  if (r.timestampSource === 'arrival') {
    notes.push('times are when the lines reached the rig (ping printed no -D stamps): durations carry the delivery\'s jitter');
  }
  if (r.timestampSource === 'none' && (seqLines || st)) {
    notes.push('outage durations need times: run ping with -D (or read the rig\'s ping.log, whose lines carry their arrival time)');
  }
  for (const s of inFlight) notes.push(`seq ${s} was sent as ping stopped (counted by its statistics, no line of its own): in flight, neither answered nor lost`);

  const transmitted = st ? st.transmitted : r.transmitted;
  const received = st ? st.received : r.received;
  let lossPercent: number | null = null;
  if (st?.lossPercent !== undefined) lossPercent = st.lossPercent;
  else if (st) lossPercent = st.transmitted > 0 ? round4(((st.transmitted - st.received) * 100) / st.transmitted) : 0;
  else if (lost !== null) lossPercent = transmitted > 0 ? round4((lost.length * 100) / transmitted) : 0;

  return {
    run: meta.run,
    lines: meta.lines,
    startedBy: meta.startedBy,
    format: r.format,
    timestamps: r.timestamps,
    timestampSource: r.timestampSource,
    transmitted,
    received,
    lossPercent,
    lost,
    lostReason,
    late,
    duplicates,
    inFlightAtEnd: inFlight,
    outages,
    stallMs,
    ended: r.ended,
    error: r.error,
    notes,
    warnings: [...meta.warnings, ...a.warnings],
  };
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
