/**
 * Everything a report is made of, read from one run folder: the records and the
 * summary through the run-record package's tolerant reader, the timeline as columns,
 * the ping log, the association events.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { assertRunFolder, readEvents, readRoams, readSummary, type ReadSummary } from '../record/read.ts';
import type { RoamRecord } from '../record/schema.ts';
import { readPingLog, type PingLog } from './ping-log.ts';
import { emptyTimeline, readTimeline, type TimelineColumns } from './timeline-file.ts';

export { isRunFolder, assertRunFolder } from '../record/read.ts';

export interface DeviceInfo {
  banner: string | null;
  variant: string | null;
}

export interface RunData {
  dir: string;
  id: string;
  summary: ReadSummary;
  /** False when summary.json is missing (the run crashed or is still going): the report says so. */
  summaryFound: boolean;
  devices: Record<string, DeviceInfo> | null;
  /** The network's SSID, when the run recorded it. */
  essid: string | null;
  /** The network's security mode (open, wep, wpa-psk), when the run recorded it. */
  security: string | null;
  records: RoamRecord[];
  timeline: TimelineColumns;
  ping: PingLog | null;
  events: { t: number; bssid: string | null }[];
  /** Things wrong with the files themselves (a torn last line, a field of the wrong type). */
  warnings: string[];
}

/** Read a run folder. Tolerant of what a crash leaves behind: a torn last line is skipped and reported. */
export function loadRun(dirIn: string, opts: { ping?: boolean; timeline?: boolean } = {}): RunData {
  const dir = resolve(dirIn);
  assertRunFolder(dir);
  const warnings: string[] = [];
  const records = readRoams(dir, warnings);
  const { summary, found } = readSummary(dir, records, warnings);

  const timeline = opts.timeline === false ? emptyTimeline() : readTimeline(join(dir, 'timeline.jsonl'));
  if (timeline.bad > 0) warnings.push(`timeline.jsonl: ${timeline.bad} line(s) not valid JSON or not a known sample (a torn write?): skipped`);

  const pf = join(dir, 'ping.log');
  const ping = opts.ping !== false && existsSync(pf) ? readPingLog(pf) : null;
  return {
    dir,
    id: basename(dir),
    summary,
    summaryFound: found,
    devices: summary.devices ?? null,
    essid: summary.essid ?? null,
    security: summary.security ?? null,
    records,
    timeline,
    ping,
    events: readEvents(dir),
    warnings,
  };
}
