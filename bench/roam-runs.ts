/**
 * Running `rig roam` for the benchmarks: the real CLI (bin/rig.mjs) as a child process on a
 * copy of the shipped inventory with the bench's edits, its wall time, optionally its RSS
 * against the roams done so far (/proc/PID/status, sampled), and what the run folder holds.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/rig.mjs');
export const BENCH = 'virtual';

/**
 * The inventory setting that turns the virtual boards' costs on (src/inventory/schema.ts
 * `virtual.boardCosts`; `{}` = the documented 2007-board defaults, docs/virtual-rig.md).
 */
export const BOARD_COSTS_SETTING: (string | number)[] = ['virtual', 'boardCosts'];

export interface RunSpec {
  firmware: 'stock' | 'patched';
  mode: 'fixed' | 'adaptive';
  count: number;
  /** Model seconds per real second; default the shipped bench's. */
  timeScale?: number;
  /** The virtual boards' costs on (`virtual.boardCosts: {}`). */
  boardCosts?: boolean;
  /** Sample the child's RSS against the roams done. */
  rss?: boolean;
  timeoutMs?: number;
}

export interface RoamLine {
  index: number;
  valid: boolean;
  invalidReason: string | null;
  tStart: number;
  tJoin: number | null;
  joinSeenMs?: number | null;
  lost: number;
  lostSeqs: number[];
  afterAssociationMs: number | null;
}

export interface TruthLine {
  index: number;
  droppedSeqs: number[];
  roams: { tJoinMs: number }[];
}

export interface RunResult {
  spec: RunSpec;
  code: number | null;
  stderrTail: string;
  wallS: number;
  runDir: string | null;
  roams: RoamLine[];
  truth: Map<number, TruthLine>;
  timeScale: number;
  /** [roams done, RSS KiB] samples. */
  rss: [number, number][];
  /** The temp folder holding the inventory and the reports (remove with cleanup()). */
  dir: string;
  cleanup(): void;
}

export function readJsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function inventoryFor(dir: string, spec: RunSpec): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'inventory.yaml'), 'utf8'));
  for (const dev of ['ap1', 'ap2', 'client']) doc.setIn(['benches', BENCH, 'devices', dev, 'auth', 'keyFile'], join(ROOT, '.rig/lab_ed25519'));
  doc.setIn(['benches', BENCH, 'profile', 'crossfade'], doc.createNode({ mode: spec.mode }));
  if (spec.timeScale !== undefined) doc.setIn(['benches', BENCH, 'virtual', 'timeScale'], spec.timeScale);
  if (spec.boardCosts) doc.setIn(['benches', BENCH, ...BOARD_COSTS_SETTING], doc.createNode({}));
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, doc.toString());
  return file;
}

function rssKiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Counts the lines of a growing file, reading only what was appended. */
class LineCounter {
  private fd: number | null = null;
  private pos = 0;
  lines = 0;
  private readonly buf = Buffer.alloc(1 << 16);
  constructor(private readonly file: () => string | null) {}
  poll(): number {
    if (this.fd === null) {
      const f = this.file();
      if (!f || !existsSync(f)) return this.lines;
      this.fd = openSync(f, 'r');
    }
    const size = fstatSync(this.fd).size;
    while (this.pos < size) {
      const n = readSync(this.fd, this.buf, 0, Math.min(this.buf.length, size - this.pos), this.pos);
      if (n <= 0) break;
      for (let i = 0; i < n; i++) if (this.buf[i] === 10) this.lines++;
      this.pos += n;
    }
    return this.lines;
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export async function runRoam(spec: RunSpec): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rig-bench-'));
  const reports = join(dir, 'reports');
  const inv = inventoryFor(dir, spec);
  const args = ['roam', '--inventory', inv, '--bench', BENCH, '--count', String(spec.count), '--firmware', spec.firmware, '--reports', reports, '--json'];
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
  const runDirNow = (): string | null => {
    if (!existsSync(reports)) return null;
    const sub = readdirSync(reports, { withFileTypes: true }).find((e) => e.isDirectory());
    return sub ? join(reports, sub.name, 'roams.jsonl') : null;
  };
  const counter = new LineCounter(runDirNow);
  const rss: [number, number][] = [];
  const sampler = spec.rss
    ? setInterval(() => {
        const k = child.pid !== undefined ? rssKiB(child.pid) : null;
        if (k !== null) rss.push([counter.poll(), k]);
      }, 250)
    : null;
  const code = await new Promise<number | null>((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs ?? 30 * 60_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      res(c);
    });
  });
  if (sampler) clearInterval(sampler);
  counter.close();
  const wallS = (performance.now() - t0) / 1000;
  let runDir: string | null = null;
  let timeScale = spec.timeScale ?? 100;
  try {
    runDir = (JSON.parse(stdout) as { runDir: string }).runDir;
    timeScale = (JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { timeScale: number }).timeScale;
  } catch {
    runDir = null;
  }
  const roams = runDir ? readJsonl<RoamLine>(join(runDir, 'roams.jsonl')) : [];
  const truth = new Map(runDir ? readJsonl<TruthLine>(join(runDir, 'ground-truth.jsonl')).map((t) => [t.index, t] as const) : []);
  return {
    spec,
    code,
    stderrTail: stderr.trim().split('\n').slice(-3).join(' | '),
    wallS,
    runDir,
    roams,
    truth,
    timeScale,
    rss,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The valid roams whose lostSeqs differ from the ground truth's droppedSeqs, with both. */
export function truthMismatchList(r: RunResult): { index: number; rig: number[]; truth: number[] | null }[] {
  return r.roams.filter((x) => x.valid && JSON.stringify(r.truth.get(x.index)?.droppedSeqs) !== JSON.stringify(x.lostSeqs)).map((x) => ({ index: x.index, rig: x.lostSeqs, truth: r.truth.get(x.index)?.droppedSeqs ?? null }));
}

/** Every valid roam's lostSeqs against the ground truth's dropped seqs: how many differ. */
export function truthMismatches(r: RunResult): number {
  let bad = 0;
  for (const x of r.roams) {
    if (!x.valid) continue;
    const t = r.truth.get(x.index);
    if (!t || JSON.stringify(t.droppedSeqs) !== JSON.stringify(x.lostSeqs)) bad++;
  }
  return bad;
}

export function describeRun(r: RunResult): string {
  const valid = r.roams.filter((x) => x.valid).length;
  return `${r.spec.firmware} ${r.spec.mode} x${r.spec.count} at scale ${r.timeScale}${r.spec.boardCosts ? ', board costs on' : ''}: exit ${r.code}, ${valid}/${r.roams.length} valid, wall ${r.wallS.toFixed(1)} s${r.code !== 0 && r.code !== 1 ? ` (${r.stderrTail})` : ''}`;
}
