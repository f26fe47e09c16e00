/**
 * Reading a run folder back: tolerant of what a crash, a kill or an older rig left
 * behind. Each record and the summary are read through lenient forms of the schemas
 * (schema.ts): a field of the wrong type is dropped and reported, a missing one gets a
 * neutral value, a torn line is skipped and reported; nothing is invented that would
 * read as a measurement (a record without `valid` is invalid, never a roam with 0 lost).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import {
  RoamRecordSchema,
  RunPlanSchema,
  RunSummarySchema,
  TimestampSourceSchema,
  type RoamRecord,
  type RunPlan,
  type RunSummary,
} from './schema.ts';

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

/** Every field optional, and a field that does not match its schema dropped (reported by the caller). */
function lenient<S extends z.ZodRawShape>(shape: S) {
  const out: Record<string, z.ZodType> = {};
  for (const [k, v] of Object.entries(shape)) out[k] = (v as z.ZodType).optional().catch(undefined);
  return z.object(out as { [K in keyof S]: z.ZodCatch<z.ZodOptional<S[K]>> });
}

const LenientRecord = lenient(RoamRecordSchema.shape);
const LenientSummary = lenient(RunSummarySchema.shape);

/** Fields present in `raw` that the lenient parse dropped (of the wrong type). */
function dropped(raw: unknown, parsed: Record<string, unknown>, shape: object): string[] {
  if (!raw || typeof raw !== 'object') return [];
  return Object.keys(shape).filter((k) => (raw as Record<string, unknown>)[k] !== undefined && parsed[k] === undefined);
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

/** One record read from disk, with neutral values for what a crash or an older rig left out. */
function recordFrom(raw: unknown, i: number, warnings: string[]): RoamRecord {
  const o = LenientRecord.parse(raw && typeof raw === 'object' ? raw : {});
  const bad = dropped(raw, o, LenientRecord.shape);
  if (bad.length > 0) warnings.push(`roams.jsonl record ${i + 1}: ${bad.join(', ')} of the wrong type: ignored`);
  let valid = o.valid === true;
  let invalidReason = o.invalidReason ?? null;
  if (o.index === undefined || o.valid === undefined) {
    warnings.push(`roams.jsonl record ${i + 1} lacks index or valid: shown as invalid`);
    valid = false;
    invalidReason ??= 'record incomplete in roams.jsonl';
  }
  if (!valid && !invalidReason) invalidReason = 'invalid (no reason recorded)';
  const lostSeqs = o.lostSeqs ?? [];
  return {
    index: o.index ?? i + 1,
    variant: o.variant ?? 'unknown',
    trigger: o.trigger ?? 'crossfade',
    ...(o.firmware ? { firmware: o.firmware } : {}),
    direction: o.direction ?? `${o.fromAp ?? '?'}->${o.toAp ?? '?'}`,
    fromAp: o.fromAp ?? '',
    toAp: o.toAp ?? '',
    fromBssid: o.fromBssid ?? '',
    toBssid: o.toBssid ?? null,
    tStart: o.tStart ?? NaN,
    tLeave: o.tLeave ?? null,
    tJoin: o.tJoin ?? null,
    attenuationDb: o.attenuationDb ?? null,
    fixedLossDb: o.fixedLossDb ?? {},
    signalBeforeDbm: o.signalBeforeDbm ?? null,
    signalAfterDbm: o.signalAfterDbm ?? null,
    rampSteps: o.rampSteps ?? 0,
    seqFrom: o.seqFrom ?? 0,
    seqTo: o.seqTo ?? 0,
    lostSeqs,
    lateSeqs: o.lateSeqs ?? [],
    ...(o.late !== undefined ? { late: o.late } : {}),
    ...(o.lateMaxRttMs !== undefined ? { lateMaxRttMs: o.lateMaxRttMs } : {}),
    ...(o.lateAfterAssociation !== undefined ? { lateAfterAssociation: o.lateAfterAssociation } : {}),
    lost: o.lost ?? lostSeqs.length,
    outageMs: o.outageMs ?? null,
    beforeAssociationMs: o.beforeAssociationMs ?? null,
    afterAssociationMs: o.afterAssociationMs ?? null,
    splitResolutionMs: o.splitResolutionMs ?? null,
    timestampSource: TimestampSourceSchema.catch('none').parse(o.timestampSource),
    valid,
    invalidReason: valid ? null : invalidReason,
    ...(o.kernelEvents ? { kernelEvents: o.kernelEvents } : {}),
    ...(o.recovery ? { recovery: o.recovery } : {}),
  };
}

/** roams.jsonl, tolerant: torn lines skipped, incomplete records shown as invalid. */
export function readRoams(dir: string, warnings: string[] = []): RoamRecord[] {
  return readJsonl(join(dir, 'roams.jsonl'), warnings).map((r, i) => recordFrom(r, i, warnings));
}

/** A summary as the report reads it: any verdict a newer rig may write is kept as text. */
export type ReadSummary = Omit<RunSummary, 'verdict'> & { verdict: RunSummary['verdict'] | 'incomplete' | 'unknown' | (string & {}) };

/**
 * summary.json, tolerant; when it is missing (the run crashed or is still going) a
 * summary made of what the records say, with verdict `incomplete`.
 */
export function readSummary(dir: string, records: RoamRecord[], warnings: string[] = []): { summary: ReadSummary; found: boolean } {
  let raw: Record<string, unknown> = {};
  let found = false;
  const sf = join(dir, 'summary.json');
  if (existsSync(sf)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(sf, 'utf8'));
      if (parsed && typeof parsed === 'object') {
        raw = parsed as Record<string, unknown>;
        found = true;
      } else warnings.push('summary.json is not a JSON object: ignored');
    } catch (e) {
      warnings.push(`summary.json is not valid JSON (${(e as Error).message}): ignored`);
    }
  } else warnings.push('summary.json is missing: the run did not finish (crashed, interrupted hard, or still running); figures come from roams.jsonl');
  const o = LenientSummary.parse(raw);
  const bad = dropped(raw, o, LenientSummary.shape).filter((k) => k !== 'verdict' && k !== 'variants');
  if (bad.length > 0) warnings.push(`summary.json: ${bad.join(', ')} of the wrong type: ignored`);
  const times = records.map((r) => r.tStart).filter(Number.isFinite);
  const variants = Array.isArray(raw.variants)
    ? raw.variants.flatMap((v) => {
        const p = RunSummarySchema.shape.variants.element.safeParse(v);
        return p.success ? [p.data] : [];
      })
    : [];
  const summary: ReadSummary = {
    runDir: dir,
    bench: o.bench ?? '(unknown bench)',
    inventory: o.inventory ?? '',
    inventoryDigest: o.inventoryDigest ?? '',
    rigVersion: o.rigVersion ?? '',
    startedAt: o.startedAt ?? (times.length ? new Date(Math.min(...times)).toISOString() : ''),
    endedAt: o.endedAt ?? '',
    timeScale: o.timeScale ?? 1,
    virtual: o.virtual === true,
    ping: o.ping ?? null,
    attenuators: o.attenuators ?? {},
    ...(o.devices ? { devices: o.devices } : {}),
    ...(o.firmwareByVariant ? { firmwareByVariant: o.firmwareByVariant } : {}),
    ...(o.essid !== undefined ? { essid: o.essid } : {}),
    ...(o.security !== undefined ? { security: o.security } : {}),
    // Without a summary (a run that crashed), what its records say moved the client.
    trigger: o.trigger ?? records.find((r) => r.trigger !== undefined)?.trigger ?? 'crossfade',
    variants,
    lostOutsideCycles: o.lostOutsideCycles ?? [],
    // The report also shows verdicts a newer rig may add.
    verdict: typeof raw.verdict === 'string' ? raw.verdict : found ? 'unknown' : 'incomplete',
    benchFailure: o.benchFailure ?? null,
    problems: o.problems ?? [],
  };
  return { summary, found };
}

/** run.json (strict: `--resume` must know exactly what the run was). */
export function readPlan(dir: string): RunPlan {
  const file = join(dir, 'run.json');
  if (!existsSync(file)) throw new UsageError(`--resume ${dir}: not a run folder (no run.json)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`--resume ${dir}: run.json is not readable JSON`);
  }
  const p = RunPlanSchema.safeParse(raw);
  if (!p.success) throw new UsageError(`--resume ${dir}: run.json is not a run plan (${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  return p.data;
}

/** events.log: `<ISO time> <BSSID | Not-Associated>` per association event. */
export function readEvents(dir: string): { t: number; bssid: string | null }[] {
  const events: { t: number; bssid: string | null }[] = [];
  const ef = join(dir, 'events.log');
  if (!existsSync(ef)) return events;
  for (const line of readFileSync(ef, 'utf8').split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const t = Date.parse(line.slice(0, sp));
    const what = line.slice(sp + 1).trim();
    if (!Number.isFinite(t) || !what) continue;
    events.push({ t, bssid: what === 'Not-Associated' ? null : what });
  }
  return events;
}
