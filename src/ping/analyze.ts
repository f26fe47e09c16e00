/**
 * `rig analyze FILE [--interval S] [--json]`: the programmatic API behind it.
 * Reads a captured ping log (any of the shapes parse.ts knows, or a rig run's
 * ping.log) in chunks, line by line, never whole, and measures every run in it the
 * way the roam controller does live (log-analysis.ts, verdict.ts).
 */

import { statSync } from 'node:fs';
import { ConfigError, UsageError } from '../errors.ts';
import { readLogLines, splitLogText } from './log-reader.ts';
import { PingLogAnalysis, type FileAnalysis } from './log-analysis.ts';

export type { Outage, PingAnalysis } from './analyzer.ts';
export type { FileAnalysis } from './log-analysis.ts';
export type { RunAnalysis } from './verdict.ts';
export { NotPingLogError } from './log-analysis.ts';
export { compressRanges } from './ranges.ts';
export { formatAnalysis } from './format.ts';

export interface AnalyzeOptions {
  /** The ping's interval in seconds (`-i`). Default 0.2, the rig's interval. */
  intervalS?: number;
  /** Per-seq window of each run's analyzer (tests of retirement use a small one). */
  windowSeqs?: number;
}

export const DEFAULT_INTERVAL_S = 0.2;

function intervalMs(opts: AnalyzeOptions): number {
  const intervalS = opts.intervalS ?? DEFAULT_INTERVAL_S;
  if (!Number.isFinite(intervalS) || intervalS <= 0) {
    throw new UsageError(`--interval must be a positive number of seconds, got ${intervalS}`);
  }
  return intervalS * 1000;
}

/** A log already in memory (the same rules: a last line without a newline is not data). */
export function analyzePingText(text: string, opts: AnalyzeOptions = {}, subject = 'the log'): FileAnalysis {
  const la = new PingLogAnalysis({ intervalMs: intervalMs(opts), windowSeqs: opts.windowSeqs });
  const stats = splitLogText(text, (line, n) => la.line(line, n));
  return la.finish(subject, stats);
}

export async function analyzePingFile(path: string, opts: AnalyzeOptions = {}): Promise<FileAnalysis> {
  const la = new PingLogAnalysis({ intervalMs: intervalMs(opts), windowSeqs: opts.windowSeqs });
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const stats = readLogLines(path, (line, n) => la.line(line, n));
    return la.finish(path, stats);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new ConfigError(`cannot read ping log ${path}: ${why}`, { code: 'E_PING_LOG', subject: path, cause: err });
  }
}
