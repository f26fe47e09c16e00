/**
 * Crash safety (issue 5): SIGKILL at random moments never leaves a run folder that
 * cannot be read or resumed; `--resume` always ends with exactly N records.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, inventoryCopy, ROOT, runCli, tempDir } from './helpers/cli.ts';

const N = 3;

function killAfter(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function parseAll(file: string): unknown[] {
  // Every line parses; a torn last line would throw here.
  const text = readFileSync(file, 'utf8');
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

describe('SIGKILL at random moments, then --resume', () => {
  it('always ends with exactly N parseable records, matching the ground truth', async () => {
    // Spread the kill points over setup, ramps, roams and the end of the run (~1 to 3 s in).
    const points = [300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700, 3000].map((p) => p + Math.floor(Math.random() * 300));
    for (const ms of points) {
      const dir = tempDir();
      const reports = join(dir, 'reports');
      const inv = inventoryCopy(dir);
      await killAfter(['roam', '--inventory', inv, '--reports', reports, '--count', String(N)], ms);
      // Run folders only (reports/ also holds the index of all runs).
      const runs = existsSync(reports) ? readdirSync(reports, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
      let runDir: string;
      if (runs.length === 0 || !existsSync(join(reports, runs[0], 'run.json'))) {
        // Killed before the run had a plan: no record can have been written yet.
        if (runs.length > 0) expect(existsSync(join(reports, runs[0], 'roams.jsonl'))).toBe(false);
        const r = await runCli(['roam', '--inventory', inv, '--reports', reports, '--count', String(N), '--json']);
        expect(r.code, r.stderr).toBe(0);
        runDir = (JSON.parse(r.stdout) as { runDir: string }).runDir;
      } else {
        expect(runs.length).toBe(1);
        runDir = join(reports, runs[0]);
        const before = parseAll(join(runDir, 'roams.jsonl'));
        expect(before.length).toBeLessThanOrEqual(N);
        const r = await runCli(['roam', '--resume', runDir, '--json']);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.code, `killed at ${ms} ms; ${r.stderr.slice(-1500)}`).toBe(0);
      }
      const roams = parseAll(join(runDir, 'roams.jsonl')) as { index: number; valid: boolean; lostSeqs: number[] }[];
      expect(roams.map((x) => x.index), `killed at ${ms} ms`).toEqual([1, 2, 3]);
      const truth = new Map((parseAll(join(runDir, 'ground-truth.jsonl')) as { index: number; droppedSeqs: number[] }[]).map((t) => [t.index, t]));
      for (const x of roams.filter((r) => r.valid)) expect(x.lostSeqs, `roam ${x.index} (killed at ${ms} ms)`).toEqual(truth.get(x.index)?.droppedSeqs);
      expect(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')).variants[0].roams).toBe(N);
    }
  }, 300_000);
});
