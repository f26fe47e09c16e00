/**
 * A run stopped in the middle (Ctrl-C / SIGTERM, as a CI runner cancelling a job):
 * exit 130 / 143, no stack trace, and every record already written to roams.jsonl is
 * a whole JSON line; the summary says it was interrupted.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, inventoryCopy, ROOT, tempDir } from './helpers/cli.ts';

interface Outcome {
  code: number | null;
  stderr: string;
  stdout: string;
  runDir: string;
  linesAtSignal: number;
}

/** Start a long roam, wait (bounded) until `records` roams are on disk, send `signal`, wait (bounded) for the exit. */
async function interruptAfter(records: number, signal: NodeJS.Signals): Promise<Outcome> {
  const dir = tempDir();
  const reports = join(dir, 'reports');
  const child = spawn(process.execPath, [BIN, 'roam', '--count', '100', '--inventory', inventoryCopy(dir), '--reports', reports, '--json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const kill = setTimeout(() => child.kill('SIGKILL'), 55_000); // inside the test's 60 s
  try {
    const roamsFile = (): string | undefined => {
      if (!existsSync(reports)) return undefined;
      const runs = readdirSync(reports, { withFileTypes: true }).filter((e) => e.isDirectory());
      return runs.length === 1 ? join(reports, runs[0].name, 'roams.jsonl') : undefined;
    };
    const count = (): number => {
      const f = roamsFile();
      return f && existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).length : 0;
    };
    const deadline = Date.now() + 40_000;
    while (count() < records && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const linesAtSignal = count();
    expect(linesAtSignal, `no ${records} records within 40 s\n${stderr.slice(-1500)}`).toBeGreaterThanOrEqual(records);
    child.kill(signal);
    const code = await exited;
    return { code, stderr, stdout, runDir: join(roamsFile()!, '..'), linesAtSignal };
  } finally {
    clearTimeout(kill);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function checkRunFolder(o: Outcome): void {
  const text = readFileSync(join(o.runDir, 'roams.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true); // no torn last line
  const lines = text.split('\n').filter((l) => l.trim());
  expect(lines.length).toBeGreaterThanOrEqual(o.linesAtSignal);
  const records = lines.map((l) => JSON.parse(l) as { index: number; valid: boolean; lostSeqs: number[] });
  expect(records.map((r) => r.index)).toEqual(records.map((_, i) => i + 1));
  for (const r of records) expect(Array.isArray(r.lostSeqs)).toBe(true);
  const summary = JSON.parse(readFileSync(join(o.runDir, 'summary.json'), 'utf8')) as { verdict: string; variants: { roams: number }[] };
  expect(summary.verdict).toBe('interrupted');
  expect(summary.variants[0].roams).toBe(records.length);
  // ground truth: whole JSON lines too
  const truth = readFileSync(join(o.runDir, 'ground-truth.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  for (const l of truth) expect(() => JSON.parse(l)).not.toThrow();
}

describe('rig roam interrupted', () => {
  it('SIGINT after a few roams: exit 130, the records so far are whole JSON lines', async () => {
    const o = await interruptAfter(2, 'SIGINT');
    expect(o.code, o.stderr.slice(-1500)).toBe(130);
    expect(o.stderr).not.toMatch(/\n\s+at /);
    checkRunFolder(o);
    // Issue 10: it said only "stock: 2/2 roams valid"; it must say it was interrupted, how far, and how to go on.
    const done = readFileSync(join(o.runDir, 'roams.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).length;
    expect(o.stderr).toContain(`rig: interrupted (SIGINT) after ${done} of 100 roams; the records so far are in ${o.runDir}`);
    expect(o.stderr).toContain(`rig: continue with: rig roam --resume ${o.runDir}`);
  });

  it('SIGTERM: exit 143, the same guarantees', async () => {
    const o = await interruptAfter(1, 'SIGTERM');
    expect(o.code, o.stderr.slice(-1500)).toBe(143);
    expect(o.stderr).not.toMatch(/\n\s+at /);
    checkRunFolder(o);
  });
});
