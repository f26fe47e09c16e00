/**
 * `rig analyze` without --json: one table per run (one line per measure), what the
 * log cannot tell said as "unknown" with the reason, then notes and warnings.
 */
import type { Outage } from './analyzer.ts';
import type { FileAnalysis } from './log-analysis.ts';
import { compressRanges } from './ranges.ts';
import type { RunAnalysis } from './verdict.ts';

function describeOutage(o: Outage): string {
  const seqs = o.firstSeq === o.lastSeq ? `seq ${o.firstSeq}` : `seq ${o.firstSeq}-${o.lastSeq}`;
  const dur = o.durationMs === null ? 'duration unknown' : `${Math.round(o.durationMs)} ms`;
  return `${seqs}: ${o.lost} lost, ${dur}`;
}

const list = (seqs: number[] | null): string => (seqs === null ? 'unknown' : seqs.length ? compressRanges(seqs) : 'none');

const STARTED: Record<RunAnalysis['startedBy'], string> = {
  'log-start': 'the start of the log',
  header: 'a PING header',
  statistics: 'ping output after the statistics (no header)',
  'seq-restart': 'its seqs starting over (no header)',
  'seq-jump': 'a jump in its seqs (no header)',
};

/** One run as a table of `name: value` lines. */
function formatRun(a: Omit<RunAnalysis, 'run' | 'lines' | 'startedBy'>, indent: string): string[] {
  const stamps =
    a.timestampSource === 'ping'
      ? 'timestamps from ping (-D)'
      : a.timestampSource === 'arrival'
        ? 'timestamps taken on arrival (ping has no -D)'
        : 'no timestamps (durations unknown)';
  const pct = a.lossPercent === null ? '' : ` (${Number(a.lossPercent.toFixed(4))}%)`;
  const lostN = a.lost === null ? `${a.transmitted - a.received} by ping's statistics` : `${a.lost.length}`;
  const ended =
    a.ended === 'summary' ? 'ended: statistics printed' : a.ended === 'error' ? `ended: ping died: ${a.error}` : 'ended: end of log without statistics';
  const rows = [
    `ping: ${a.format}, ${stamps}`,
    `transmitted ${a.transmitted}, received ${a.received}, lost ${lostN}${pct}`,
    a.lost === null ? `lost: unknown: ${a.lostReason}` : `lost: ${list(a.lost)}`,
    `late: ${list(a.late)}`,
    `duplicates: ${list(a.duplicates)}`,
    `outages: ${a.outages === null ? 'unknown' : a.outages.length ? a.outages.length : 'none'}`,
    ...(a.outages ?? []).map((o) => `  ${describeOutage(o)}`),
    ...(a.stallMs === null ? [] : [`stall (from the statistics' time): ${a.stallMs > 0 ? `up to ${a.stallMs} ms` : 'none beyond the drift'}`]),
    ...(a.inFlightAtEnd.length ? [`in flight at the end: ${compressRanges(a.inFlightAtEnd)}`] : []),
    ended,
    ...a.notes.map((n) => `note: ${n}`),
  ];
  return rows.map((r) => indent + r);
}

/** Short human-readable summary of an analysis. */
export function formatAnalysis(f: FileAnalysis): string {
  const out: string[] = [];
  if (f.runs.length <= 1) {
    out.push(...formatRun(f, ''));
    out.push(...f.warnings.map((w) => `warning: ${w}`));
    return out.join('\n');
  }
  const fileWarnings = f.warnings.filter((w) => !f.runs[f.runs.length - 1].warnings.includes(w));
  out.push(`${f.input === 'rig ping.log' ? 'rig ping.log' : 'ping log'}: ${f.runs.length} runs`);
  for (const r of f.runs) {
    out.push('', `run ${r.run} of ${f.runs.length}: lines ${r.lines.first}-${r.lines.last}, started by ${STARTED[r.startedBy]}`);
    out.push(...formatRun(r, '  '));
    out.push(...r.warnings.map((w) => `  warning: ${w}`));
  }
  if (fileWarnings.length) out.push('', ...fileWarnings.map((w) => `warning: ${w}`));
  return out.join('\n');
}
