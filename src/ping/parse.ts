/**
 * One line of `ping` output -> a typed record. Pure, no state: the analyzer
 * (analyzer.ts) does the bookkeeping across lines.
 *
 * Shapes recognised (iputils from 2007 to today, busybox):
 *   PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.           iputils header
 *   PING 192.0.2.10 (192.0.2.10): 56 data bytes                   busybox header
 *   [1700000000.123456] 64 bytes from 192.0.2.10: icmp_seq=5 ttl=64 time=1.23 ms
 *   64 bytes from 192.0.2.10: icmp_req=5 ttl=64 time=1.23 ms      iputils s20101006
 *   64 bytes from 192.0.2.10: seq=5 ttl=64 time=0.123 ms (DUP!)   busybox
 *   [ts] no answer yet for icmp_seq=6                             iputils -O
 *   From 192.0.2.1 icmp_seq=7 Destination Host Unreachable        ICMP error
 *   ping: sendto: Network is unreachable                          ping complaining / dying
 *   --- 192.0.2.10 ping statistics ---
 *   5 packets transmitted, 4 received, +1 errors, 20% packet loss, time 812ms
 *   5 packets transmitted, 5 packets received, 0% packet loss     busybox
 *   rtt min/avg/max/mdev = ... / round-trip min/avg/max = ...
 *
 * A reply or no-answer line that stops mid-field is `torn`, never data: a log cut
 * while ping was writing (`... icmp_seq=4` of `icmp_seq=40123`), or a second run
 * appended (`>>`) right after such a cut (`icmp_seq=4PING 10.0.0.2 ...`). Every
 * iputils and busybox reply prints a ttl (or hlim) after the seq, and a `time=`
 * field always ends in `ms`; a line without them, or with digits running into
 * other text, was not printed whole.
 *
 * Speed matters (every line of a long stream comes through here): the line is
 * dispatched on its first character, and every regex is anchored with no
 * nested or adjacent ambiguous quantifiers, so a hostile line costs O(length).
 */

export type PingFormat = 'iputils' | 'busybox';

export interface PingHeader {
  kind: 'header';
  format: PingFormat;
  /** What was asked for (host name or address as typed). */
  target: string;
  /** The resolved address in parentheses. */
  address: string;
}

export interface PingReply {
  kind: 'reply';
  /** From the sequence field: `icmp_seq=` / `icmp_req=` are iputils, `seq=` is busybox. */
  format: PingFormat;
  /** Raw 16-bit sequence number as printed (the analyzer unwraps it). */
  seq: number;
  /** Null when the ping printed no ttl/hlim. */
  ttl: number | null;
  /** Null when the ping printed no time (payload too small to carry a timestamp). */
  rttMs: number | null;
  dup: boolean;
  from: string;
  bytes: number;
  /** Epoch seconds from the iputils `-D` prefix, when present. */
  ts?: number;
}

export interface PingNoAnswer {
  kind: 'noAnswer';
  seq: number;
  ts?: number;
}

export interface PingIcmpError {
  kind: 'icmpError';
  seq: number;
  /** Router or host that sent the ICMP error. */
  from: string;
  /** e.g. "Destination Host Unreachable". */
  text: string;
  ts?: number;
}

export interface PingErrorLine {
  kind: 'error';
  /** The whole line, e.g. "ping: sendto: Network is unreachable". */
  message: string;
}

export interface PingSummary {
  kind: 'summary';
  format: PingFormat;
  transmitted: number;
  received: number;
  duplicates?: number;
  errors?: number;
  corrupted?: number;
  lossPercent?: number;
  /** iputils only: `time 812ms`. */
  timeMs?: number;
}

export interface PingStatsHeader {
  kind: 'statsHeader';
  target: string;
}

export interface PingRtt {
  kind: 'rtt';
  minMs: number;
  avgMs: number;
  maxMs: number;
  /** iputils only. */
  mdevMs?: number;
}

/** A reply-shaped line that stops mid-field (see the header comment): dropped, never data. */
export interface PingTorn {
  kind: 'torn';
  text: string;
}

export type PingLine =
  | PingTorn
  | PingHeader
  | PingReply
  | PingNoAnswer
  | PingIcmpError
  | PingErrorLine
  | PingSummary
  | PingStatsHeader
  | PingRtt
  | { kind: 'blank' }
  | { kind: 'other'; text: string };

const NUM = String.raw`\d+(?:\.\d+)?`;

/** iputils `-D`: `[1700000000.123456] ` before reply, no-answer and ICMP-error lines. */
const TS_RE = new RegExp(String.raw`^\[(${NUM})\] ?`);
const HEADER_RE = /^PING (\S+?) ?\(([^()]*)\)(.*)$/;
/**
 * `(.+?): ` is lazy but cannot blow up: the only thing after it that can fail
 * is the literal `: <field>=\d+`, so each candidate position is O(1) to reject.
 * The `from` part may contain colons (IPv6) or `name (addr)`.
 */
const REPLY_RE = /^(\d+) bytes from (.+?): (icmp_seq|icmp_req|seq)=(\d+)(.*)$/;
const TTL_RE = /\b(?:ttl|hlim)=(\d+)/;
const TIME_RE = new RegExp(String.raw` time[=<](${NUM}) ?ms`);
const NO_ANSWER_RE = /^no answer yet for icmp_seq=(\d+)$/;
const ICMP_ERROR_RE = /^From (\S+?)(?: \([^()]*\))?:? (?:icmp_seq|icmp_req|seq)=(\d+) (.+)$/;
/**
 * A ping complaining on stderr. iputils prefixes `ping: ` (or `ping6: `), the
 * 2007 iputils printed bare perror() text for some calls (`connect: Network is
 * unreachable`). Warnings are not errors (`ping: Warning: ...`).
 */
const ERROR_RE = /^(?:ping6?|connect|bind|socket|setsockopt|sendmsg|sendto|recvmsg): (.+)$/;
const WARNING_RE = /^warning\b/i;
const SUMMARY_RE = /^(\d+) packets transmitted, (\d+) (packets )?received(.*)$/;
/**
 * One comma-separated field after "N received": "+1 errors", "+2 duplicates"
 * (busybox: "2 duplicates"), "+1 corrupted", "20% packet loss" (iputils prints
 * it with printf %g: "14.2857%", "1e-05%"), "time 812ms".
 */
const SUMMARY_FIELD_RE = new RegExp(
  String.raw`^(?:\+?(\d+) (duplicates|errors|corrupted)|(${NUM}(?:e[+-]?\d+)?)% packet loss|time (\d+)ms)$`,
);
const STATS_HEADER_RE = /^--- (.+) ping statistics ---$/;
const RTT_RE = new RegExp(
  String.raw`^(?:rtt|round-trip) min/avg/max(?:/mdev)? = (${NUM})/(${NUM})/(${NUM})(?:/(${NUM}))? ms`,
);

/** No ping prints lines this long; longer ones are garbage, not worth a regex. */
const MAX_LINE = 2048;

export function parsePingLine(rawLine: string): PingLine {
  // trim() is linear (CRLF, trailing spaces); a /\s+$/ regex would be quadratic on long blank runs.
  const line = rawLine.trim();
  if (line === '') return { kind: 'blank' };
  if (line.length > MAX_LINE) return { kind: 'other', text: line };

  let body = line;
  let ts: number | undefined;
  if (line.charCodeAt(0) === 0x5b /* [ */) {
    const m = TS_RE.exec(line);
    if (m) {
      ts = Number(m[1]);
      body = line.slice(m[0].length);
    }
  }

  const c = body.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) {
    // digit: a reply or the summary
    const r = parseReply(body, ts);
    if (r === TORN) return { kind: 'torn', text: line };
    if (r) return r;
    if (ts === undefined) {
      const s = parseSummary(body);
      if (s) return s;
    }
  } else if (c === 0x6e /* n */) {
    const m = NO_ANSWER_RE.exec(body);
    if (m) return withTs<PingNoAnswer>({ kind: 'noAnswer', seq: Number(m[1]) }, ts);
    if (body.startsWith(NO_ANSWER_PREFIX)) return { kind: 'torn', text: line };
  } else if (c === 0x46 /* F */) {
    const m = ICMP_ERROR_RE.exec(body);
    if (m) return withTs<PingIcmpError>({ kind: 'icmpError', seq: Number(m[2]), from: m[1], text: m[3] }, ts);
  } else if (ts === undefined) {
    if (c === 0x50 /* P */) {
      const h = parseHeader(body);
      if (h) return h;
    } else if (c === 0x2d /* - */) {
      const m = STATS_HEADER_RE.exec(body);
      if (m) return { kind: 'statsHeader', target: m[1] };
    } else if (c === 0x72 /* r */) {
      const m = RTT_RE.exec(body);
      if (m) {
        const rtt: PingRtt = { kind: 'rtt', minMs: Number(m[1]), avgMs: Number(m[2]), maxMs: Number(m[3]) };
        if (m[4] !== undefined) rtt.mdevMs = Number(m[4]);
        return rtt;
      }
    }
    const e = ERROR_RE.exec(body);
    if (e && !WARNING_RE.test(e[1])) return { kind: 'error', message: body };
  }
  return { kind: 'other', text: line };
}

function withTs<T extends { ts?: number }>(rec: T, ts: number | undefined): T {
  if (ts !== undefined) rec.ts = ts;
  return rec;
}

function parseHeader(body: string): PingHeader | undefined {
  const m = HEADER_RE.exec(body);
  if (!m) return undefined;
  const rest = m[3];
  // busybox: "PING host (addr): 56 data bytes". iputils: "... 56(84) bytes of data."
  // (iputils ping6 prints "PING ::1(::1) 56 data bytes": no colon, still iputils).
  const busybox = rest.startsWith(':') && rest.endsWith('data bytes');
  return { kind: 'header', format: busybox ? 'busybox' : 'iputils', target: m[1], address: m[2] };
}

const NO_ANSWER_PREFIX = 'no answer yet for icmp_seq=';
const TORN = Symbol('torn');
/** A ttl/hlim value that runs into other text (`ttl=6PING`): the line was cut there. */
const TTL_CUT_RE = /\b(?:ttl|hlim)=\d+[^\d\s]/;

function parseReply(body: string, ts: number | undefined): PingReply | typeof TORN | undefined {
  const m = REPLY_RE.exec(body);
  if (!m) return undefined;
  const rest = m[5];
  // The seq must be followed by a space, and a ttl or a time must follow it.
  if (rest.charCodeAt(0) !== 0x20) return TORN;
  const ttl = TTL_RE.exec(rest);
  const time = TIME_RE.exec(rest);
  if (!ttl && !time) return TORN;
  if (!time && rest.includes(' time')) return TORN; // "time=0.1" cut before "ms"
  if (ttl && TTL_CUT_RE.test(rest)) return TORN;
  const reply: PingReply = {
    kind: 'reply',
    format: m[3] === 'seq' ? 'busybox' : 'iputils',
    seq: Number(m[4]),
    ttl: ttl ? Number(ttl[1]) : null,
    rttMs: time ? Number(time[1]) : null,
    dup: rest.includes('(DUP!)'),
    from: m[2],
    bytes: Number(m[1]),
  };
  return withTs(reply, ts);
}

function parseSummary(body: string): PingSummary | undefined {
  const m = SUMMARY_RE.exec(body);
  if (!m) return undefined;
  const rest = m[4];
  const s: PingSummary = {
    kind: 'summary',
    // busybox says "5 packets received", iputils "5 received"
    format: m[3] ? 'busybox' : 'iputils',
    transmitted: Number(m[1]),
    received: Number(m[2]),
  };
  // Split, then match each field anchored: an unanchored /(\d+)% packet loss/
  // over the whole rest would be quadratic on a long run of digits.
  for (const field of rest.split(', ')) {
    const f = SUMMARY_FIELD_RE.exec(field);
    if (!f) continue;
    if (f[2] === 'duplicates') s.duplicates = Number(f[1]);
    else if (f[2] === 'errors') s.errors = Number(f[1]);
    else if (f[2] === 'corrupted') s.corrupted = Number(f[1]);
    else if (f[3] !== undefined) s.lossPercent = Number(f[3]);
    else if (f[4] !== undefined) s.timeMs = Number(f[4]);
  }
  return s;
}
