/**
 * Writing a run folder under reports/ (the layout is in schema.ts). Records are
 * appended and fsync'ed as each roam ends, so a crash loses at most the roam in
 * flight; whole files (run.json, summary.json) are written atomically with fsync
 * (write-file-atomic: a temporary file renamed into place), so a crash leaves the
 * old file or the new one, never half of one.
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { RoamRecordSchema, RunPlanSchema, RunSummarySchema, type RoamRecord, type RunPlan, type RunSummary } from './schema.ts';

export class RunFolder {
  private roamsFd: number;
  private readonly logs = new Map<string, number>();

  /** Opens (creating) the folder; a new run's plan is written first, so a folder with records always has it. */
  constructor(readonly dir: string, plan?: RunPlan) {
    mkdirSync(dir, { recursive: true });
    if (plan !== undefined) this.writeJson('run.json', RunPlanSchema.parse(plan));
    this.roamsFd = openSync(join(dir, 'roams.jsonl'), 'a');
  }

  static newRunId(bench: string, now = new Date()): string {
    const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return `${ts}-${bench}`;
  }

  get groundTruthFile(): string {
    return join(this.dir, 'ground-truth.jsonl');
  }

  /** One roam's record, checked against the schema, appended and fsync'ed. */
  appendRoam(r: RoamRecord): void {
    writeSync(this.roamsFd, JSON.stringify(RoamRecordSchema.parse(r)) + '\n');
    fsyncSync(this.roamsFd);
  }

  writeSummary(summary: RunSummary): void {
    this.writeJson('summary.json', RunSummarySchema.parse(summary));
  }

  /** Raw logs (ping.log, events.log, timeline.jsonl, recovery.log): appended line by line, not fsync'ed per line. */
  log(name: string, line: string): void {
    let fd = this.logs.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.dir, name), 'a');
      this.logs.set(name, fd);
    }
    writeSync(fd, line + '\n');
  }

  /** Raw text as it comes (a console capture: console-<device>.log), appended, not fsync'ed. */
  appendText(name: string, text: string): void {
    let fd = this.logs.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.dir, name), 'a');
      this.logs.set(name, fd);
    }
    writeSync(fd, text);
  }

  /** A whole JSON file, written atomically with fsync. */
  writeJson(name: string, value: unknown): void {
    writeFileAtomic.sync(join(this.dir, name), JSON.stringify(value, null, 2) + '\n');
  }

  close(): void {
    for (const fd of this.logs.values()) closeSync(fd);
    this.logs.clear();
    closeSync(this.roamsFd);
  }

  /**
   * The records already in roams.jsonl (a resumed run). A last line torn by a crash
   * (no newline at the end, or not a record) is cut off, so appends continue cleanly.
   */
  recoverRoams(): RoamRecord[] {
    const file = join(this.dir, 'roams.jsonl');
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const out: RoamRecord[] = [];
    let good = 0;
    for (let i = 0; i < lines.length - 1; i++) {
      let parsed;
      try {
        parsed = RoamRecordSchema.safeParse(JSON.parse(lines[i]));
      } catch {
        break;
      }
      if (!parsed.success) break;
      out.push(parsed.data);
      good += Buffer.byteLength(lines[i]) + 1;
    }
    if (good < Buffer.byteLength(text)) ftruncateSync(this.roamsFd, good);
    return out;
  }
}
