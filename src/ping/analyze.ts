/**
 * `rig analyze FILE [--interval S] [--json]`: the programmatic API behind it.
 * Reads a captured ping log (any of the shapes parse.ts knows) and measures
 * it the way the roam controller does live.
 */

import { readFile } from 'node:fs/promises';
import { ConfigError, UsageError } from '../errors.ts';
import { PingAnalyzer, type Outage, type PingAnalysis } from './analyzer.ts';

export type { Outage, PingAnalysis } from './analyzer.ts';

export interface AnalyzeOptions {
  /** The ping's interval in seconds (`-i`). Default 0.2, the rig's interval. */
  intervalS?: number;
}

export const DEFAULT_INTERVAL_S = 0.2;

export function analyzePingText(text: string, opts: AnalyzeOptions = {}): PingAnalysis {
  const intervalS = opts.intervalS ?? DEFAULT_INTERVAL_S;
  if (!Number.isFinite(intervalS) || intervalS <= 0) {
    throw new UsageError(`--interval must be a positive number of seconds, got ${intervalS}`);
  }
  const analyzer = new PingAnalyzer({ intervalMs: intervalS * 1000 });
  const lines = text.split('\n'); // parsePingLine strips the \r of CRLF logs
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) analyzer.push(line);
  return analyzer.end();
}

export async function analyzePingFile(path: string, opts: AnalyzeOptions = {}): Promise<PingAnalysis> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new ConfigError(`cannot read ping log ${path}: ${why}`, { code: 'E_PING_LOG', subject: path, cause: err });
  }
  return analyzePingText(text, opts);
}

/** `12, 13, 14, 15, 16, 40` -> `12-16, 40`. Input sorted ascending. */
export function compressRanges(seqs: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < seqs.length) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j] + 1) j++;
    parts.push(i === j ? `${seqs[i]}` : `${seqs[i]}-${seqs[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

function describeOutage(o: Outage): string {
  const seqs = o.firstSeq === o.lastSeq ? `seq ${o.firstSeq}` : `seq ${o.firstSeq}-${o.lastSeq}`;
  const dur = o.durationMs === null ? 'duration unknown' : `${Math.round(o.durationMs)} ms`;
  return `${seqs}: ${o.lost} lost, ${dur}`;
}

/** Short human-readable summary of an analysis. */
export function formatAnalysis(a: PingAnalysis): string {
  const stamps =
    a.timestampSource === 'ping'
      ? 'timestamps from ping (-D)'
      : a.timestampSource === 'arrival'
        ? 'timestamps taken on arrival (ping has no -D)'
        : 'no timestamps (durations unknown)';
  const lossPct = a.transmitted > 0 ? ((a.lost.length * 100) / a.transmitted).toFixed(1) : '0.0';
  const ended =
    a.ended === 'summary'
      ? 'ended: statistics printed'
      : a.ended === 'error'
        ? `ended: ping died: ${a.error}`
        : 'ended: end of log without statistics';
  const lines = [
    `ping: ${a.format}, ${stamps}`,
    `transmitted ${a.transmitted}, received ${a.received}, lost ${a.lost.length} (${lossPct}%)`,
    `lost: ${a.lost.length ? compressRanges(a.lost) : 'none'}`,
    `late: ${a.late.length ? compressRanges(a.late) : 'none'}`,
    `outages: ${a.outages.length ? a.outages.length : 'none'}`,
    ...a.outages.map((o) => `  ${describeOutage(o)}`),
    ended,
  ];
  return lines.join('\n');
}
