import { closeSync, ftruncateSync, fsyncSync, renameSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RoamRecord } from './record.ts';

/**
 * A run's folder under reports/. Records are appended and fsync'ed as each roam
 * ends, so a crash loses at most the roam in flight; everything else is written
 * whole (write to a temp name, rename) at the end.
 */
export class RunFolder {
  private roamsFd: number;
  private readonly logs = new Map<string, number>();

  /** Opens (creating) the folder; a new run's plan is written first, so a folder with records always has it. */
  constructor(readonly dir: string, plan?: unknown) {
    mkdirSync(dir, { recursive: true });
    if (plan !== undefined) this.writeJson('run.json', plan);
    this.roamsFd = openSync(join(dir, 'roams.jsonl'), 'a');
  }

  static newRunId(bench: string, now = new Date()): string {
    const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return `${ts}-${bench}`;
  }

  get groundTruthFile(): string {
    return join(this.dir, 'ground-truth.jsonl');
  }

  appendRoam(r: RoamRecord): void {
    writeSync(this.roamsFd, JSON.stringify(r) + '\n');
    fsyncSync(this.roamsFd);
  }

  /** Raw logs (ping.log, events.log): appended line by line, not fsync'ed per line. */
  log(name: string, line: string): void {
    let fd = this.logs.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.dir, name), 'a');
      this.logs.set(name, fd);
    }
    writeSync(fd, line + '\n');
  }

  /** Whole files are written to a temporary name and renamed: a crash leaves the old one or the new one. */
  writeJson(name: string, value: unknown): void {
    this.writeText(name, JSON.stringify(value, null, 2) + '\n');
  }

  writeText(name: string, text: string): void {
    const tmp = join(this.dir, `.${name}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.dir, name));
  }

  close(): void {
    for (const fd of this.logs.values()) closeSync(fd);
    this.logs.clear();
    closeSync(this.roamsFd);
  }

  /**
   * The records already in roams.jsonl (a resumed run). A last line torn by a crash
   * (no newline at the end, or not JSON) is cut off, so appends continue cleanly.
   */
  recoverRoams(): RoamRecord[] {
    const file = join(this.dir, 'roams.jsonl');
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const out: RoamRecord[] = [];
    let good = 0;
    for (let i = 0; i < lines.length - 1; i++) {
      try {
        out.push(JSON.parse(lines[i]) as RoamRecord);
        good += Buffer.byteLength(lines[i]) + 1;
      } catch {
        break;
      }
    }
    if (good < Buffer.byteLength(text)) ftruncateSync(this.roamsFd, good);
    return out;
  }
}
