import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import type { RoamRecord } from '../roam/record.ts';
import type { RunSummary } from '../roam/run.ts';
import type { VariantSummary } from '../roam/summary.ts';
import { readPingLog, type PingLog } from './ping-log.ts';
import { emptyTimeline, readTimeline, type TimelineColumns } from './timeline-file.ts';

export interface DeviceInfo {
  banner: string | null;
  variant: string | null;
}

/** Everything a report is made of, read from one run folder. */
export interface RunData {
  dir: string;
  id: string;
  summary: RunSummary;
  /** False when summary.json is missing (the run crashed or is still going): the report says so. */
  summaryFound: boolean;
  devices: Record<string, DeviceInfo> | null;
  /** The network's SSID, when the run recorded it. */
  essid: string | null;
  records: RoamRecord[];
  timeline: TimelineColumns;
  ping: PingLog | null;
  events: { t: number; bssid: string | null }[];
  /** Things wrong with the files themselves (a torn last line, a field of the wrong type). */
  warnings: string[];
}

export const RUN_FILES = ['summary.json', 'roams.jsonl', 'timeline.jsonl', 'ping.log', 'events.log'] as const;

/** A run folder has a summary.json or a roams.jsonl (a run that crashed has only the latter). */
export function isRunFolder(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
  } catch {
    return false;
  }
  return existsSync(join(dir, 'summary.json')) || existsSync(join(dir, 'roams.jsonl'));
}

export function assertRunFolder(dir: string): void {
  if (isRunFolder(dir)) return;
  const why = !existsSync(dir)
    ? 'it does not exist'
    : !statSync(dir).isDirectory()
      ? 'it is not a folder'
      : 'it has neither summary.json nor roams.jsonl';
  throw new UsageError(`${dir} is not a run folder (${why}); give a folder under reports/ written by \`rig roam\``, 'E_NOT_RUN_FOLDER');
}

/** Read a run folder. Tolerant of what a crash leaves behind: a torn last line is skipped and reported. */
export function loadRun(dirIn: string, opts: { ping?: boolean; timeline?: boolean } = {}): RunData {
  const dir = resolve(dirIn);
  assertRunFolder(dir);
  const warnings: string[] = [];
  const id = basename(dir);

  const records = readJsonl(join(dir, 'roams.jsonl'), warnings).map((r, i) => normalizeRecord(r, i, warnings));

  let summaryFound = false;
  let raw: Record<string, unknown> = {};
  const sf = join(dir, 'summary.json');
  if (existsSync(sf)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(sf, 'utf8'));
      if (parsed && typeof parsed === 'object') {
        raw = parsed as Record<string, unknown>;
        summaryFound = true;
      } else warnings.push('summary.json is not a JSON object: ignored');
    } catch (e) {
      warnings.push(`summary.json is not valid JSON (${(e as Error).message}): ignored`);
    }
  } else warnings.push('summary.json is missing: the run did not finish (crashed, interrupted hard, or still running); figures come from roams.jsonl');
  const summary = normalizeSummary(raw, dir, records, summaryFound);
  const devices = normalizeDevices(raw.devices);
  const essid = typeof raw.essid === 'string' ? raw.essid : null;

  const timeline = opts.timeline === false ? emptyTimeline() : readTimeline(join(dir, 'timeline.jsonl'));
  if (timeline.bad > 0) warnings.push(`timeline.jsonl: ${timeline.bad} line(s) not valid JSON or not a known sample (a torn write?): skipped`);

  let ping: PingLog | null = null;
  const pf = join(dir, 'ping.log');
  if (opts.ping !== false && existsSync(pf)) ping = readPingLog(pf);

  const events: RunData['events'] = [];
  const ef = join(dir, 'events.log');
  if (existsSync(ef)) {
    for (const line of readFileSync(ef, 'utf8').split('\n')) {
      const sp = line.indexOf(' ');
      if (sp <= 0) continue;
      const t = Date.parse(line.slice(0, sp));
      const what = line.slice(sp + 1).trim();
      if (!Number.isFinite(t) || !what) continue;
      events.push({ t, bssid: what === 'Not-Associated' ? null : what });
    }
  }
  return { dir, id, summary, summaryFound, devices, essid, records, timeline, ping, events, warnings };
}

function readJsonl(file: string, warnings: string[]): unknown[] {
  if (!existsSync(file)) return [];
  const out: unknown[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  let bad = 0;
  let firstBad = 0;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line));
    } catch {
      if (bad++ === 0) firstBad = i + 1;
    }
  });
  if (bad > 0) warnings.push(`${basename(file)}: ${bad} line(s) not valid JSON (first: line ${firstBad}; a torn write?): skipped`);
  return out;
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : x === null || x === undefined ? null : String(x));
const nums = (x: unknown): number[] => (Array.isArray(x) ? x.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)) : []);

/** Coerce one record read from disk into a RoamRecord (fields a crash or an old rig left out get neutral values). */
function normalizeRecord(x: unknown, i: number, warnings: string[]): RoamRecord {
  const o = (x && typeof x === 'object' ? x : {}) as Record<string, unknown>;
  const att = o.attenuationDb && typeof o.attenuationDb === 'object' ? (o.attenuationDb as Record<string, unknown>) : null;
  const fixed = o.fixedLossDb && typeof o.fixedLossDb === 'object' ? (o.fixedLossDb as Record<string, unknown>) : {};
  const lostSeqs = nums(o.lostSeqs);
  let valid = o.valid === true;
  let invalidReason = str(o.invalidReason);
  if (typeof o.index !== 'number' || typeof o.valid !== 'boolean') {
    warnings.push(`roams.jsonl record ${i + 1} lacks index or valid: shown as invalid`);
    valid = false;
    invalidReason ??= 'record incomplete in roams.jsonl';
  }
  if (!valid && !invalidReason) invalidReason = 'invalid (no reason recorded)';
  const toNumMap = (m: Record<string, unknown>): Record<string, number> =>
    Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
  return {
    index: num(o.index) ?? i + 1,
    variant: str(o.variant) ?? 'unknown',
    direction: str(o.direction) ?? `${str(o.fromAp) ?? '?'}->${str(o.toAp) ?? '?'}`,
    fromAp: str(o.fromAp) ?? '',
    toAp: str(o.toAp) ?? '',
    fromBssid: str(o.fromBssid) ?? '',
    toBssid: str(o.toBssid),
    tStart: num(o.tStart) ?? NaN,
    tLeave: num(o.tLeave),
    tJoin: num(o.tJoin),
    attenuationDb: att ? toNumMap(att) : null,
    fixedLossDb: toNumMap(fixed),
    signalBeforeDbm: num(o.signalBeforeDbm),
    signalAfterDbm: num(o.signalAfterDbm),
    rampSteps: num(o.rampSteps) ?? 0,
    seqFrom: num(o.seqFrom) ?? 0,
    seqTo: num(o.seqTo) ?? 0,
    lostSeqs,
    lateSeqs: nums(o.lateSeqs),
    lost: num(o.lost) ?? lostSeqs.length,
    outageMs: num(o.outageMs),
    beforeAssociationMs: num(o.beforeAssociationMs),
    afterAssociationMs: num(o.afterAssociationMs),
    timestampSource: o.timestampSource === 'ping' || o.timestampSource === 'arrival' ? o.timestampSource : 'none',
    valid,
    invalidReason: valid ? null : invalidReason,
  };
}

function normalizeSummary(o: Record<string, unknown>, dir: string, records: RoamRecord[], found: boolean): RunSummary {
  const ping = o.ping && typeof o.ping === 'object' ? (o.ping as Record<string, unknown>) : null;
  const attenuators = o.attenuators && typeof o.attenuators === 'object' ? (o.attenuators as Record<string, unknown>) : {};
  const times = records.map((r) => r.tStart).filter(Number.isFinite);
  const verdict = str(o.verdict) ?? (found ? 'unknown' : 'incomplete');
  return {
    runDir: dir,
    bench: str(o.bench) ?? '(unknown bench)',
    inventory: str(o.inventory) ?? '',
    inventoryDigest: str(o.inventoryDigest) ?? '',
    rigVersion: str(o.rigVersion) ?? '',
    startedAt: str(o.startedAt) ?? (times.length ? new Date(Math.min(...times)).toISOString() : ''),
    endedAt: str(o.endedAt) ?? '',
    timeScale: num(o.timeScale) ?? 1,
    virtual: o.virtual === true,
    ping: ping ? { command: str(ping.command) ?? '', version: str(ping.version) ?? '', timestampSource: str(ping.timestampSource) ?? '' } : null,
    attenuators: Object.fromEntries(Object.entries(attenuators).map(([k, v]) => [k, str(v) ?? ''])),
    variants: Array.isArray(o.variants) ? (o.variants.filter((v) => v && typeof v === 'object' && typeof (v as VariantSummary).variant === 'string') as VariantSummary[]) : [],
    lostOutsideCycles: nums(o.lostOutsideCycles),
    // The report also shows verdicts a newer rig may add; the type lists today's.
    verdict: verdict as RunSummary['verdict'],
    benchFailure: str(o.benchFailure),
    problems: Array.isArray(o.problems) ? o.problems.map((p) => str(p) ?? '') : [],
  };
}

function normalizeDevices(x: unknown): Record<string, DeviceInfo> | null {
  if (!x || typeof x !== 'object') return null;
  const out: Record<string, DeviceInfo> = {};
  for (const [name, v] of Object.entries(x as Record<string, unknown>)) {
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      out[name] = { banner: str(o.banner), variant: str(o.variant) };
    } else out[name] = { banner: str(v), variant: null };
  }
  return out;
}
