/**
 * A log file, line by line, in constant memory: read in 64 KiB chunks, each chunk's
 * whole lines decoded at once (a chunk is cut after a newline, never inside a UTF-8
 * character). Small chunks on purpose: with 4 MiB ones the decoded strings outlive
 * the young generation and a 1 GB log peaked at 270 MB RSS; with 64 KiB, 160 MB (of
 * which 125 MB is the CLI itself), and no slower. What is not a whole line is
 * reported, never handed on as data:
 * - the last line when the file does not end in a newline (cut while ping wrote it,
 *   or copied mid-write);
 * - a "line" longer than a chunk (binary data, no newline in sight; ping's lines are
 *   under 2 KiB): skipped to the next newline.
 * It also says whether the file looks binary (NUL or many control bytes in its first
 * 64 KiB), for the "this is not a ping log" message.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface LineStats {
  bytes: number;
  /** Whole lines handed on. */
  lines: number;
  /** The last line, when it had no newline: its number and (clipped) text. */
  tornLast: { line: number; text: string } | null;
  /** Lines longer than a chunk (64 KiB), skipped. */
  overlong: number;
  binary: boolean;
}

const CHUNK = 64 << 10;
const SNIFF = 64 << 10;

/** Read `path` line by line; onLine gets each whole line (without its newline) and its 1-based number. */
export function readLogLines(path: string, onLine: (text: string, line: number) => void): LineStats {
  const fd = openSync(path, 'r');
  const stats: LineStats = { bytes: 0, lines: 0, tornLast: null, overlong: 0, binary: false };
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let filled = 0;
    let skipping = false; // inside an overlong line: drop bytes up to the next newline
    let lineNo = 0;
    let sniffed = false;
    for (;;) {
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      if (!sniffed && n > 0) {
        stats.binary = looksBinary(buf.subarray(0, Math.min(filled + n, SNIFF)));
        sniffed = true;
      }
      stats.bytes += n;
      const end = filled + n;
      if (n === 0) {
        if (end > 0 && !skipping) {
          stats.tornLast = { line: lineNo + 1, text: buf.toString('utf8', 0, Math.min(end, 200)) };
        }
        break;
      }
      const nl = buf.lastIndexOf(0x0a, end - 1);
      if (nl < 0) {
        if (end === buf.length) {
          // no newline in a whole chunk: not a line anyone printed
          if (!skipping) stats.overlong++;
          skipping = true;
          filled = 0;
        } else filled = end;
        continue;
      }
      let text = buf.toString('utf8', 0, nl);
      if (skipping) {
        const first = text.indexOf('\n');
        lineNo++; // the tail of the overlong line
        text = first < 0 ? '' : text.slice(first + 1);
        skipping = false;
        if (first < 0) {
          buf.copy(buf, 0, nl + 1, end);
          filled = end - nl - 1;
          continue;
        }
      }
      const parts = text.split('\n');
      for (const part of parts) onLine(part, ++lineNo);
      buf.copy(buf, 0, nl + 1, end);
      filled = end - nl - 1;
    }
    stats.lines = lineNo;
    return stats;
  } finally {
    closeSync(fd);
  }
}

/** The same for a string already in memory (tests, small inputs). */
export function splitLogText(text: string, onLine: (text: string, line: number) => void): LineStats {
  const parts = text.split('\n');
  const last = parts.pop() ?? '';
  parts.forEach((p, i) => onLine(p, i + 1));
  return {
    bytes: Buffer.byteLength(text),
    lines: parts.length,
    tornLast: last === '' ? null : { line: parts.length + 1, text: last.slice(0, 200) },
    overlong: 0,
    binary: looksBinary(Buffer.from(text.slice(0, SNIFF))),
  };
}

/** NUL bytes, or more than 1 % control bytes other than tab, CR, LF, FF. */
function looksBinary(b: Buffer): boolean {
  let ctl = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0) return true;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) ctl++;
  }
  return b.length > 0 && ctl * 100 > b.length;
}
