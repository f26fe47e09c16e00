import { scanFileLines } from './line-reader.ts';
import { parsePingLine } from '../ping/parse.ts';
import { unwrapSeq } from '../ping/seq.ts';

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
}

const MAX_ERRORS_KEPT = 200;

/**
 * Parse `ping.log` (`<arrival epoch s> [E ]<raw ping line>` per line), streaming,
 * so a 10,000-roam log (two million lines) neither needs one giant string nor a
 * regex per reply line: the common reply line takes a fast path, everything
 * else goes through the rig's own ping line parser.
 */
export function readPingLog(file: string): PingLog {
  const log: PingLog = { sessions: [], errors: [], errorCount: 0, lines: 0, pingStamps: false };
  const state: ScanState = { log, session: null, highSeq: -1 };
  scanFileLines(file, (buf, end, last) => scanLines(buf, end, last, state));
  for (const s of log.sessions) sortBySeq(s);
  return log;
}

interface ScanState {
  log: PingLog;
  session: PingSession | null;
  highSeq: number;
}

function addReply(st: ScanState, rawSeq: number, atMs: number, rtt: number): void {
  let s = st.session;
  if (s === null) s = newSession(st);
  // Unwrap the 16-bit counter against the highest seq seen (as the analyzer does).
  const seq = unwrapSeq(rawSeq, st.highSeq);
  if (seq > st.highSeq) st.highSeq = seq;
  s.seq.push(seq);
  s.sendT.push(rtt === rtt ? atMs - rtt : atMs);
  s.rtt.push(rtt);
}

function newSession(st: ScanState): PingSession {
  const s: PingSession = { seq: [], sendT: [], rtt: [] };
  st.log.sessions.push(s);
  st.session = s;
  st.highSeq = -1;
  return s;
}

function addError(st: ScanState, atMs: number, text: string): void {
  st.log.errorCount++;
  if (st.log.errors.length < MAX_ERRORS_KEPT) st.log.errors.push({ t: atMs, text });
}

/** The general path: one line as text, through the rig's own ping line parser. */
function slowLine(st: ScanState, arrivalMs: number, atMs: number, body: string): void {
  const p = parsePingLine(body);
  if (p.kind === 'header') newSession(st);
  else if (p.kind === 'reply' && !p.dup) addReply(st, p.seq, p.ts !== undefined ? p.ts * 1000 : atMs, p.rttMs ?? NaN);
  else if (p.kind === 'error') addError(st, arrivalMs, p.message);
}

/**
 * Parse the complete lines in b[0, end) (and the tail too when `last`);
 * returns where the unparsed rest starts. Byte-level and in one function on
 * purpose (two million lines): numbers are read in place, only unusual lines
 * are decoded to text and handed to the rig's ping line parser.
 * Line: `<arrival s> [E ][<[stamp s]> ]<raw ping line>`.
 */
function scanLines(b: Buffer, end: number, last: boolean, st: ScanState): number {
  let start = 0;
  while (start < end) {
    let e = b.indexOf(0x0a, start);
    if (e === -1 || e >= end) {
      if (!last) break;
      e = end;
    }
    const next = e + 1;
    if (e > start && b[e - 1] === 0x0d) e--;
    if (e > start) {
      st.log.lines++;
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
          addError(st, arrivalMs, b.toString('utf8', p + 2, e));
        } else {
          let atMs = arrivalMs;
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
              st.log.pingStamps = true;
              p = q + 2;
            }
          }
          const body = p;
          let done = false;
          c = b[p];
          if (c >= 0x30 && c <= 0x39) {
            // "64 bytes from X: icmp_seq=N ttl=T time=R ms", busybox "seq=N"; not "(DUP!)".
            let paren = false;
            let seqAt = -1;
            let timeAt = -1;
            for (let i = p; i < e; i++) {
              const ch = b[i];
              if (ch === 0x3d /* = */) {
                if (seqAt < 0 && b[i - 1] === 0x71 && b[i - 2] === 0x65 && b[i - 3] === 0x73) seqAt = i + 1; // seq=
                else if (b[i - 1] === 0x65 && b[i - 2] === 0x6d && b[i - 3] === 0x69 && b[i - 4] === 0x74 && b[i - 5] === 0x20) timeAt = i + 1; // " time="
              } else if (ch === 0x28 /* ( */) paren = true;
            }
            if (seqAt > 0 && !paren) {
              let q = seqAt;
              let seq = 0;
              let sd = 0;
              c = b[q];
              while (q < e && c >= 0x30 && c <= 0x39) {
                seq = seq * 10 + (c - 0x30);
                sd++;
                c = b[++q];
              }
              if (sd > 0) {
                let rtt = NaN;
                if (timeAt > 0) {
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
                  if (rd > 0) rtt = r;
                }
                addReply(st, seq, atMs, rtt);
                done = true;
              }
            }
          }
          if (!done) slowLine(st, arrivalMs, atMs, b.toString('utf8', body, e));
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
