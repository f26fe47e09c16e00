/**
 * A whole ping log, one line at a time: the runs in it (continuity.ts decides where
 * each begins), one PingAnalyzer per run, and at the end each run judged (verdict.ts).
 * Memory is one analyzer (a fixed window) plus the finished runs' results.
 *
 * Two inputs:
 * - ping's own output (iputils or busybox, stdout and stderr in one file);
 * - a rig run's ping.log: every line prefixed with its arrival on the bench clock,
 *   `<epoch s> [E ]<raw line>` (`E ` for stderr). The prefix is recognised on the first
 *   line that has content; the arrival time is then each reply's time when the ping
 *   printed no `-D` stamps, exactly as the live analyzer was fed.
 * Lines cut mid-field are dropped with a warning (a second run's header glued to one,
 * `icmp_seq=4PING 10.0.0.2 ...`, is still read as a header). A file with no ping
 * output at all is refused (NotPingLogError), never reported as zero loss.
 */
import { ConfigError } from '../errors.ts';
import { clip, PingAnalyzer } from './analyzer.ts';
import { RunTracker, type RunStart, type TrackerSink } from './continuity.ts';
import type { LineStats } from './log-reader.ts';
import { parsePingLine, type PingLine } from './parse.ts';
import { feedTracker } from './track-line.ts';
import { judgeRun, type RunAnalysis } from './verdict.ts';

export type LogInput = 'ping output' | 'rig ping.log';

/** The analysis of a file: the last run's fields at the top (as before several runs were told apart), each run in `runs`. */
export interface FileAnalysis extends Omit<RunAnalysis, 'run' | 'lines' | 'startedBy'> {
  input: LogInput;
  intervalS: number;
  runs: RunAnalysis[];
}

/** What `rig analyze` was given is not a ping log. Exit 2. */
export class NotPingLogError extends ConfigError {
  constructor(subject: string, why: string) {
    super(
      `${subject}: not a ping log: ${why}. Expected ping's output (iputils or busybox, e.g. \`ping -i 0.2 -D -O TARGET > ping.log 2>&1\`) or a rig run's ping.log`,
      { code: 'E_NOT_PING_LOG', subject },
    );
    this.name = 'NotPingLogError';
  }
}

interface Carried {
  rec: PingLine;
  atMs: number | undefined;
  line: number;
}

interface OpenRun {
  analyzer: PingAnalyzer;
  startedBy: RunAnalysis['startedBy'];
  first: number;
  last: number;
  warnings: string[];
  /** Why a run without a header began; said with its first line's number. */
  startWhy?: string;
}

/**
 * `1796073772.466502 ` or `1796073772.466502 E `: a rig ping.log line. The fraction is
 * what tells it from ping's own lines that start with a number (`64 bytes from`,
 * `60 packets transmitted`).
 */
const RIG_PREFIX = /^(\d+\.\d+) (E )?/;

export class PingLogAnalysis {
  private readonly intervalMs: number;
  private readonly tracker: RunTracker<Carried>;
  private readonly done: RunAnalysis[] = [];
  private cur: OpenRun;
  private input: LogInput | undefined;
  private evidence = 0;
  private firstContent: string | undefined;
  private notRigLines = 0;
  private tornLines = 0;
  readonly warnings: string[] = [];

  constructor(opts: { intervalMs: number; windowSeqs?: number }) {
    this.intervalMs = opts.intervalMs;
    const newAnalyzer = (): PingAnalyzer => new PingAnalyzer({ intervalMs: opts.intervalMs, windowSeqs: opts.windowSeqs });
    this.cur = { analyzer: newAnalyzer(), startedBy: 'log-start', first: -1, last: -1, warnings: [] };
    const sink: TrackerSink<Carried> = {
      seqLine: (c, seq) => this.take(c, seq),
      line: (c) => this.take(c, -1),
      newRun: (startedBy: RunStart, why: string) => {
        this.closeRun();
        this.cur = { analyzer: newAnalyzer(), startedBy, first: -1, last: -1, warnings: [] };
        if (startedBy !== 'header') this.cur.startWhy = why;
      },
      dropped: (c, why) => this.cur.warnings.push(`line ${c.line} ignored: ${why}`),
    };
    this.tracker = new RunTracker({ intervalMs: opts.intervalMs, split: true }, sink);
  }

  /** One line of the file (without its newline). */
  line(text: string, lineNo: number): void {
    let body = text;
    let atMs: number | undefined;
    if (this.input === undefined) {
      if (text.trim() === '') return;
      this.input = RIG_PREFIX.test(text) ? 'rig ping.log' : 'ping output';
      this.firstContent = text;
    }
    if (this.input === 'rig ping.log') {
      const m = RIG_PREFIX.exec(text);
      if (!m) {
        if (text.trim() !== '') this.notRigLines++;
        return;
      }
      atMs = Number(m[1]) * 1000;
      body = text.slice(m[0].length);
    }
    this.body(body, atMs, lineNo);
  }

  /** All lines read: judge every run. Throws NotPingLogError when nothing was ping output. */
  finish(subject: string, stats: LineStats): FileAnalysis {
    if (stats.tornLast) {
      this.warnings.push(`line ${stats.tornLast.line} has no newline at the end of the file (cut while ping was writing it?): ignored: "${clip(stats.tornLast.text)}"`);
    }
    if (stats.overlong > 0) this.warnings.push(`${stats.overlong} line(s) longer than 64 KiB (not ping output): ignored`);
    if (this.notRigLines > 0) this.warnings.push(`${this.notRigLines} line(s) without the rig's arrival stamp in a rig ping.log: ignored`);
    if (this.evidence === 0) {
      let why: string;
      if (stats.bytes === 0) why = 'the file is empty';
      else if (stats.binary) why = 'it holds binary data';
      else if (this.firstContent === undefined) why = 'it holds only blank lines';
      else why = `none of its ${stats.lines} line(s) is ping output (the first: "${clip(this.firstContent, 60)}")`;
      throw new NotPingLogError(subject, why);
    }
    this.tracker.end();
    this.closeRun(true);
    const runs = this.done;
    const last = runs[runs.length - 1];
    const warnings = [...this.warnings];
    if (runs.length > 1) warnings.push(`the file holds ${runs.length} ping runs: the fields above are the last run's; runs[] has each`);
    const { run: _run, lines: _lines, startedBy: _startedBy, ...top } = last;
    return { ...top, warnings: [...warnings, ...last.warnings], input: this.input ?? 'ping output', intervalS: this.intervalMs / 1000, runs };
  }

  private body(body: string, atMs: number | undefined, lineNo: number): void {
    const rec = parsePingLine(body);
    if (rec.kind === 'torn') {
      this.evidence++;
      this.tornLines++;
      this.cur.warnings.push(`line ${lineNo} cut mid-field: ignored: "${clip(rec.text)}"`);
      // a run appended right after the cut: its header is glued to the torn line
      const p = body.indexOf('PING ', 1);
      if (p > 0) this.body(body.slice(p), atMs, lineNo);
      return;
    }
    if (isPingEvidence(rec)) this.evidence++;
    feedTracker(this.tracker, rec, atMs, { rec, atMs, line: lineNo });
  }

  private take(c: Carried, seq: number): void {
    const r = this.cur;
    if (c.rec.kind === 'blank' && r.first < 0) return; // leading blank lines belong to no run
    if (r.first < 0) {
      r.first = c.line;
      if (r.startWhy) r.warnings.unshift(`line ${c.line} starts a new run without a PING header: ${r.startWhy}`);
    }
    if (c.line > r.last) r.last = c.line;
    r.analyzer.take(c.rec, seq, c.atMs);
  }

  private closeRun(atEnd = false): void {
    const r = this.cur;
    if (r.first < 0 && !(atEnd && this.done.length === 0)) {
      // nothing in it: what was said about it belongs to the file
      this.warnings.push(...r.warnings);
      return;
    }
    this.done.push(
      judgeRun(r.analyzer, {
        run: this.done.length + 1,
        lines: { first: Math.max(r.first, 1), last: Math.max(r.last, r.first, 1) },
        startedBy: r.startedBy,
        warnings: r.warnings,
      }),
    );
  }
}

/** Lines only ping prints (an error line counts when it names ping). */
function isPingEvidence(rec: PingLine): boolean {
  switch (rec.kind) {
    case 'header':
    case 'reply':
    case 'noAnswer':
    case 'icmpError':
    case 'summary':
    case 'statsHeader':
    case 'rtt':
      return true;
    case 'error':
      return /^ping6?: /.test(rec.message);
    default:
      return false;
  }
}
