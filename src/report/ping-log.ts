/**
 * The report's reading of a run's ping.log (`<arrival epoch s> [E ]<raw ping line>` per
 * line): the replies of each ping run, as send times per unwrapped seq, for the
 * timeline and each roam's window.
 *
 * It follows the rules of `rig analyze` and the live analyzer (src/ping): runs are split
 * and seqs unwrapped by the same RunTracker (src/ping/continuity.ts: a new PING header,
 * output after the statistics, a seq restart or inconsistent jump confirmed by the
 * next line), a line cut mid-field is dropped (src/ping/parse.ts's `torn`), and so is a
 * last line without a newline. It keeps its own byte scanner for the common reply line
 * (two million of them in a 10,000-roam log, 170 MB: this scanner reads it in about
 * 0.5 s, the regex parser path of `rig analyze` needs about 2.5 s, and the whole report
 * has a 2 s budget); the
 * scanner takes a reply only when it is whole by the parser's rules (a space after the
 * seq, a ttl, a time ending in "ms"), and hands every other line to the parser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scanFileLines } from './line-reader.ts';
import { RunTracker, type TrackerSink } from '../ping/continuity.ts';
import { parsePingLine } from '../ping/parse.ts';
import { feedTracker } from '../ping/track-line.ts';

/**
 * The replies of one ping process (a run restarts ping when it dies, and the
 * new process counts from 1 again). Times are bench epoch ms; `seq` is
 * unwrapped (65535 -> 65536, as the analyzer does).
 */
export interface PingSession {
  seq: number[];
  /** When the echo was sent: reply time minus RTT. */
  sendT: number[];
  /** Round-trip time, ms; NaN when the ping printed none. */
  rtt: number[];
}

export interface PingLog {
  sessions: PingSession[];
  /** Lines the ping wrote on stderr (or complaints such as "sendto: Network is unreachable"), first ones kept. */
  errors: { t: number; text: string }[];
  errorCount: number;
  lines: number;
  /** True when at least one reply carried the ping's own -D stamp. */
  pingStamps: boolean;
  /** Lines not taken as data: cut mid-field or without a newline at the end, seqs that fit no run (first ones kept). */
  warnings: string[];
}

const MAX_ERRORS_KEPT = 200;
const MAX_WARNINGS_KEPT = 50;
/** The rig's own interval, when the run folder does not say (a smaller guess only makes the seq checks more lenient). */
const DEFAULT_INTERVAL_MS = 200;

/**
 * Parse `ping.log` (`<arrival epoch s> [E ]<raw ping line>` per line), streaming,
 * so a 10,000-roam log (two million lines) neither needs one giant string nor a
 * regex per reply line. intervalMs: the ping's interval (default: from the run
 * folder's summary.json ping command, else 200 ms).
 */
export function readPingLog(file: string, opts: { intervalMs?: number } = {}): PingLog {
  const log: PingLog = { sessions: [], errors: [], errorCount: 0, lines: 0, pingStamps: false, warnings: [] };
  const st = { log, session: null as PingSession | null, tracker: null as unknown as RunTracker<Payload> };
  const sink: TrackerSink<Payload> = {
    seqLine: (p, seq) => {
      if (p.reply) addReply(st, seq, p.atMs, p.rtt);
    },
    line: (p) => {
      if (p.header && st.session === null) newSession(st);
    },
    newRun: () => void newSession(st),
    dropped: (p, why) => warn(log, `line ${p.line} ignored: ${why}`),
  };
  st.tracker = new RunTracker<Payload>({ intervalMs: opts.intervalMs ?? intervalOfRun(file) ?? DEFAULT_INTERVAL_MS, split: true }, sink);
  scanFileLines(file, (buf, end, last) => scanLines(buf, end, last, st));
  st.tracker.end();
  for (const s of log.sessions) sortBySeq(s);
  return log;
}

/** The run's ping interval from summary.json's ping command (`-i S`), when there is one. */
function intervalOfRun(file: string): number | undefined {
  const f = join(dirname(file), 'summary.json');
  if (!existsSync(f)) return undefined;
  try {
    const cmd = (JSON.parse(readFileSync(f, 'utf8')) as { ping?: { command?: unknown } }).ping?.command;
    if (typeof cmd !== 'string') return undefined;
    const m = /(?:^|\s)-i\s+(\d+(?:\.\d+)?)(?:\s|$)/.exec(cmd);
    if (m) return Number(m[1]) * 1000 || undefined;
    return /^\S*ping\s/.test(cmd) ? 1000 : undefined; // no -i: ping's own 1 s
  } catch {
    return undefined;
  }
}

/** What the tracker carries for a line: whether it is a first reply, its send basis and RTT. */
interface Payload {
  reply: boolean;
  header: boolean;
  atMs: number;
  rtt: number;
  line: number;
}

interface ScanState {
  log: PingLog;
  session: PingSession | null;
  tracker: RunTracker<Payload>;
}

function addReply(st: ScanState, seq: number, atMs: number, rtt: number): void {
  const s = st.session ?? newSession(st);
  s.seq.push(seq);
  s.sendT.push(rtt === rtt ? atMs - rtt : atMs);
  s.rtt.push(rtt);
}

function newSession(st: ScanState): PingSession {
  const s: PingSession = { seq: [], sendT: [], rtt: [] };
  st.log.sessions.push(s);
  st.session = s;
  return s;
}

function addError(st: ScanState, atMs: number, text: string): void {
  st.log.errorCount++;
  if (st.log.errors.length < MAX_ERRORS_KEPT) st.log.errors.push({ t: atMs, text });
}

function warn(log: PingLog, text: string): void {
  if (log.warnings.length < MAX_WARNINGS_KEPT) log.warnings.push(text);
}

/** The general path: one line as text, through the rig's own ping line parser (and the same tracker). */
function slowLine(st: ScanState, arrivalMs: number, body: string, line: number): void {
  const p = parsePingLine(body);
  if (p.kind === 'torn') {
    warn(st.log, `line ${line} cut mid-field: ignored`);
    // a run appended right after the cut: its header is glued to the torn line
    const at = body.indexOf('PING ', 1);
    if (at > 0) slowLine(st, arrivalMs, body.slice(at), line);
    return;
  }
  if (p.kind === 'reply' && p.ts !== undefined) st.log.pingStamps = true;
  const atMs = p.kind === 'reply' && p.ts !== undefined ? p.ts * 1000 : arrivalMs;
  const payload: Payload = { reply: p.kind === 'reply' && !p.dup, header: p.kind === 'header', atMs, rtt: p.kind === 'reply' ? (p.rttMs ?? NaN) : NaN, line };
  feedTracker(st.tracker, p, arrivalMs, payload);
  if (p.kind === 'error') addError(st, arrivalMs, p.message);
}

/**
 * Parse the complete lines in b[0, end); returns where the unparsed rest starts. On the
 * last call (`last`) a rest without a newline is a torn line: reported, not parsed.
 * Byte-level and in one function on purpose (two million lines): numbers are read in
 * place, only unusual lines are decoded to text and handed to the rig's ping line parser.
 * Line: `<arrival s> [E ][<[stamp s]> ]<raw ping line>`.
 */
function scanLines(b: Buffer, end: number, last: boolean, st: ScanState): number {
  let start = 0;
  while (start < end) {
    let e = b.indexOf(0x0a, start);
    if (e === -1 || e >= end) {
      if (last) {
        st.log.lines++;
        warn(st.log, `line ${st.log.lines} has no newline at the end of the file (cut while written?): ignored`);
        return end;
      }
      break;
    }
    const next = e + 1;
    if (e > start && b[e - 1] === 0x0d) e--;
    st.log.lines++;
    if (e > start) {
      let p = start;
      // arrival stamp
      let x = 0;
      let digits = 0;
      let c = b[p];
      while (p < e && c >= 0x30 && c <= 0x39) {
        x = x * 10 + (c - 0x30);
        digits++;
        c = b[++p];
      }
      if (p < e && c === 0x2e) {
        let scale = 1;
        c = b[++p];
        while (p < e && c >= 0x30 && c <= 0x39) {
          x += (c - 0x30) / (scale *= 10);
          c = b[++p];
        }
      }
      if (digits > 0 && b[p] === 0x20) {
        const arrivalMs = x * 1000;
        p++;
        if (b[p] === 0x45 /* E */ && b[p + 1] === 0x20) {
          // stderr: listed as an error, and read like any line (a ping error can end a run)
          const text = b.toString('utf8', p + 2, e);
          const rec = parsePingLine(text);
          if (rec.kind !== 'error') addError(st, arrivalMs, text);
          slowLine(st, arrivalMs, text, st.log.lines);
        } else {
          let atMs = arrivalMs;
          let stamped = false;
          const raw = p; // the ping's own line, -D stamp included
          if (b[p] === 0x5b /* [ */) {
            let q = p + 1;
            let y = 0;
            let yd = 0;
            c = b[q];
            while (q < e && c >= 0x30 && c <= 0x39) {
              y = y * 10 + (c - 0x30);
              yd++;
              c = b[++q];
            }
            if (q < e && c === 0x2e) {
              let scale = 1;
              c = b[++q];
              while (q < e && c >= 0x30 && c <= 0x39) {
                y += (c - 0x30) / (scale *= 10);
                c = b[++q];
              }
            }
            if (yd > 0 && c === 0x5d /* ] */ && b[q + 1] === 0x20) {
              atMs = y * 1000;
              stamped = true;
              p = q + 2;
            }
          }
          let done = false;
          c = b[p];
          if (c >= 0x30 && c <= 0x39) {
            // "64 bytes from X: icmp_seq=N ttl=T time=R ms", busybox "seq=N"; not "(DUP!)".
            let paren = false;
            let seqAt = -1;
            let ttlAt = -1;
            let timeAt = -1;
            for (let i = p; i < e; i++) {
              const ch = b[i];
              if (ch === 0x3d /* = */) {
                if (seqAt < 0 && b[i - 1] === 0x71 && b[i - 2] === 0x65 && b[i - 3] === 0x73) seqAt = i + 1; // seq=
                else if (ttlAt < 0 && b[i - 1] === 0x6c && b[i - 2] === 0x74 && b[i - 3] === 0x74) ttlAt = i + 1; // ttl=
                else if (b[i - 1] === 0x65 && b[i - 2] === 0x6d && b[i - 3] === 0x69 && b[i - 4] === 0x74 && b[i - 5] === 0x20) timeAt = i + 1; // " time="
              } else if (ch === 0x28 /* ( */) paren = true;
            }
            if (seqAt > 0 && ttlAt > seqAt && timeAt > ttlAt && !paren) {
              let q = seqAt;
              let seq = 0;
              let sd = 0;
              c = b[q];
              while (q < e && c >= 0x30 && c <= 0x39) {
                seq = seq * 10 + (c - 0x30);
                sd++;
                c = b[++q];
              }
              // whole by the parser's rules: a space after the seq, the ttl's digits end at a space
              let whole = sd > 0 && c === 0x20;
              if (whole) {
                q = ttlAt;
                while (q < e && b[q] >= 0x30 && b[q] <= 0x39) q++;
                whole = q > ttlAt && b[q] === 0x20;
              }
              if (whole) {
                q = timeAt;
                let r = 0;
                let rd = 0;
                c = b[q];
                while (q < e && c >= 0x30 && c <= 0x39) {
                  r = r * 10 + (c - 0x30);
                  rd++;
                  c = b[++q];
                }
                if (q < e && c === 0x2e) {
                  let scale = 1;
                  c = b[++q];
                  while (q < e && c >= 0x30 && c <= 0x39) {
                    r += (c - 0x30) / (scale *= 10);
                    c = b[++q];
                  }
                }
                if (c === 0x20) c = b[++q];
                // ... and the time ends in "ms"
                if (rd > 0 && q + 1 < e && c === 0x6d && b[q + 1] === 0x73) {
                  if (stamped) st.log.pingStamps = true;
                  const next = st.tracker.nextSeq('reply', seq, r, atMs, stamped);
                  if (next >= 0) addReply(st, next, atMs, r);
                  else st.tracker.seq({ reply: true, header: false, atMs, rtt: r, line: st.log.lines }, 'reply', seq, r, atMs, stamped);
                  done = true;
                }
              }
            }
          }
          if (!done) slowLine(st, arrivalMs, b.toString('utf8', raw, e), st.log.lines);
        }
      }
    }
    start = next;
  }
  return Math.min(start, end);
}

/** Replies mostly arrive in order; late ones do not. Sort each session by seq (stable, cheap when already sorted). */
function sortBySeq(s: PingSession): void {
  let sorted = true;
  for (let i = 1; i < s.seq.length; i++) {
    if (s.seq[i] < s.seq[i - 1]) {
      sorted = false;
      break;
    }
  }
  if (sorted) return;
  const idx = s.seq.map((_, i) => i).sort((a, b) => s.seq[a] - s.seq[b] || a - b);
  s.seq = idx.map((i) => s.seq[i]);
  s.sendT = idx.map((i) => s.sendT[i]);
  s.rtt = idx.map((i) => s.rtt[i]);
}

/** Index of the last element <= x in a sorted array, or -1. */
export function lastAtOrBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/**
 * The session a roam's sequence numbers belong to: the one whose replies span
 * the roam's start (ping restarts begin a new session and new numbering).
 */
export function sessionAt(log: PingLog, tMs: number): PingSession | null {
  let best: PingSession | null = null;
  for (const s of log.sessions) {
    if (s.sendT.length === 0) continue;
    if (s.sendT[0] <= tMs + 5_000) best = s;
  }
  return best ?? log.sessions.find((s) => s.seq.length > 0) ?? null;
}

/**
 * When `seq` was (or would have been) sent in this session: its own reply when
 * it has one, else interpolated between the nearest answered sequence numbers
 * on either side (iputils resends the same seq on ENOBUFS, so a fixed interval
 * would drift; neighbours do not).
 */
export function sendTimeOf(s: PingSession, seq: number): number | null {
  const i = lastAtOrBelow(s.seq, seq);
  if (i >= 0 && s.seq[i] === seq) return s.sendT[i];
  const j = i + 1;
  if (i >= 0 && j < s.seq.length) {
    const f = (seq - s.seq[i]) / (s.seq[j] - s.seq[i]);
    return s.sendT[i] + f * (s.sendT[j] - s.sendT[i]);
  }
  if (i >= 0 && i > 0) {
    const step = (s.sendT[i] - s.sendT[0]) / Math.max(1, s.seq[i] - s.seq[0]);
    return s.sendT[i] + (seq - s.seq[i]) * step;
  }
  if (j < s.seq.length && j + 1 < s.seq.length) {
    const step = (s.sendT[s.seq.length - 1] - s.sendT[j]) / Math.max(1, s.seq[s.seq.length - 1] - s.seq[j]);
    return s.sendT[j] - (s.seq[j] - seq) * step;
  }
  return null;
}
