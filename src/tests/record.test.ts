import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunFolder } from '../record/run-folder.ts';
import { readPlan, readRoams, readSummary } from '../record/read.ts';
import { RoamRecordSchema, type RoamRecord, type RunPlan } from '../record/schema.ts';
import { distribution } from '../record/summary.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'rig-record-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const plan: RunPlan = { inventory: '/x/inventory.yaml', bench: 'virtual', variants: ['stock'], count: 3, timeScale: 100, startedAt: '2026-11-30T00:00:00.000Z' };

function record(index: number, over: Partial<RoamRecord> = {}): RoamRecord {
  return {
    index, variant: 'stock', trigger: 'crossfade', direction: 'ap1->ap2', fromAp: 'ap1', toAp: 'ap2', fromBssid: '00:03:7F:0A:00:01', toBssid: '00:03:7F:0A:00:02',
    tStart: 1_700_000_000_000, tLeave: 1_700_000_010_000, tJoin: 1_700_000_010_020, attenuationDb: { ap1: 50, ap2: 30 }, fixedLossDb: { ap1: 40, ap2: 40 },
    signalBeforeDbm: -80, signalAfterDbm: -60, rampSteps: 7, seqFrom: 10, seqTo: 40, lostSeqs: [20, 21, 22, 23, 24], lateSeqs: [], lost: 5,
    outageMs: 1200, beforeAssociationMs: 100, afterAssociationMs: 1100, splitResolutionMs: 100, timestampSource: 'ping', valid: true, invalidReason: null, ...over,
  };
}

describe('run records: one schema for the writer and the reader', () => {
  it('writes run.json first and records that read back identical', () => {
    const dir = tmp();
    const f = new RunFolder(dir, plan);
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toEqual(plan);
    f.appendRoam(record(1));
    f.appendRoam(record(2, { valid: false, invalidReason: 'ping died', lostSeqs: [], lost: 0 }));
    f.close();
    const warnings: string[] = [];
    expect(readRoams(dir, warnings)).toEqual([record(1), record(2, { valid: false, invalidReason: 'ping died', lostSeqs: [], lost: 0 })]);
    expect(warnings).toEqual([]);
    expect(readPlan(dir)).toEqual(plan);
  });

  it('the writer refuses a record that breaks the schema (a NaN outage, a negative lost count) and writes nothing', () => {
    const dir = tmp();
    const f = new RunFolder(dir, plan);
    expect(() => f.appendRoam(record(1, { outageMs: NaN }))).toThrow();
    expect(() => f.appendRoam(record(1, { lost: -1 }))).toThrow();
    f.close();
    expect(readFileSync(join(dir, 'roams.jsonl'), 'utf8')).toBe('');
  });

  it('the reader drops a field of the wrong type with a warning and never turns a broken record into a measurement', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'roams.jsonl'), [
      JSON.stringify({ ...record(1), outageMs: 'long' }),
      JSON.stringify({ lost: 0, lostSeqs: [] }),
      '{"index": 3, "valid": tr',
    ].join('\n'));
    const warnings: string[] = [];
    const rs = readRoams(dir, warnings);
    expect(rs).toHaveLength(2);
    expect(rs[0].outageMs).toBeNull();
    expect(rs[0].lost).toBe(5);
    expect(rs[1].valid).toBe(false);
    expect(rs[1].invalidReason).toMatch(/incomplete/);
    expect(warnings.join('\n')).toMatch(/record 1: outageMs of the wrong type/);
    expect(warnings.join('\n')).toMatch(/record 2 lacks index or valid/);
    expect(warnings.join('\n')).toMatch(/1 line\(s\) not valid JSON \(first: line 3/);
  });

  it('records from before triggers existed read as crossfades; from before the split by send time, with no resolution', () => {
    const dir = tmp();
    const { trigger: _t, splitResolutionMs: _r, ...old } = record(1);
    void _t;
    void _r;
    writeFileSync(join(dir, 'roams.jsonl'), JSON.stringify(old) + '\n');
    const [r] = readRoams(dir);
    expect(r.trigger).toBe('crossfade');
    expect(r.splitResolutionMs).toBeNull();
    expect(r.afterAssociationMs).toBe(1100);
  });

  it('a missing summary says so and takes its start from the records', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'roams.jsonl'), JSON.stringify(record(1)) + '\n');
    const warnings: string[] = [];
    const { summary, found } = readSummary(dir, readRoams(dir), warnings);
    expect(found).toBe(false);
    expect(summary.verdict).toBe('incomplete');
    expect(summary.startedAt).toBe(new Date(record(1).tStart).toISOString());
    expect(warnings.join(' ')).toMatch(/summary\.json is missing/);
  });

  it('resume: a torn last record is cut off so the next append starts a clean line', () => {
    const dir = tmp();
    new RunFolder(dir, plan).close();
    appendFileSync(join(dir, 'roams.jsonl'), JSON.stringify(record(1)) + '\n' + JSON.stringify(record(2)).slice(0, 40));
    const f = new RunFolder(dir);
    expect(f.recoverRoams().map((r) => r.index)).toEqual([1]);
    f.appendRoam(record(2));
    f.close();
    const lines = readFileSync(join(dir, 'roams.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => RoamRecordSchema.parse(JSON.parse(l)).index)).toEqual([1, 2]);
  });

  it('readPlan refuses what is not a plan, naming the field', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...plan, count: 0 }));
    expect(() => readPlan(dir)).toThrow(/run\.json is not a run plan \(count/);
    expect(existsSync(join(dir, 'roams.jsonl'))).toBe(false);
  });

  it('distribution: median, mean, p95, max; nulls for nothing', () => {
    expect(distribution([])).toEqual({ median: null, mean: null, p95: null, max: null });
    // p95 interpolates linearly between order statistics: (n - 1) x 0.95 = 3.8, so 5 + 0.8 x (6 - 5).
    expect(distribution([5, 4, 6, 5, 5])).toEqual({ median: 5, mean: 5, p95: 5.8, max: 6 });
  });
});
