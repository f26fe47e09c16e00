/**
 * Losses do not depend on the time scale (issue 2): the same short stock run at
 * `--time-scale 1` (real time: ~45 s per roam, set by madwifi's 15 s sta_age() tick)
 * and at the inventory's default scale (100) give the same median lost per roam, the
 * ticket's 5.
 *
 * Three roams, not two: in the model about 1 stock roam in 200 loses 4 or 6 instead of
 * 5 (where the 1 s blackout falls against the 200 ms ping grid). With two roams per run
 * one such roam moves a median to 4.5 or 5.5 (~2% of runs of this test); with three
 * the median of each run stays 5 unless two of its three roams are off (~1e-4).
 * Both runs go in parallel: the file takes as long as the real-time run, ~2.5 min, in
 * its own file so the rest of the suite runs beside it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryCopy, readJsonl, runCli, tempDir, type RoamJson } from './helpers/cli.ts';

const ROAMS = 3;

interface Roam {
  index: number;
  valid: boolean;
  lostSeqs: number[];
}
interface Truth {
  index: number;
  droppedSeqs: number[];
}

async function stockRun(timeScale: number | null): Promise<{ median: number; roams: Roam[]; truth: Map<number, Truth>; timeScale: number }> {
  const dir = tempDir();
  const args = ['roam', '--count', String(ROAMS), '--firmware', 'stock', '--inventory', inventoryCopy(dir), '--reports', join(dir, 'reports'), '--json'];
  if (timeScale !== null) args.push('--time-scale', String(timeScale));
  const r = await runCli(args, { timeoutMs: 280_000 });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code, r.stderr.slice(-1500)).toBe(0);
  const json = JSON.parse(r.stdout) as RoamJson;
  const v = json.variants[0];
  expect(v.roams).toBe(ROAMS);
  expect(v.valid).toBe(ROAMS);
  const summary = JSON.parse(readFileSync(join(json.runDir, 'summary.json'), 'utf8')) as { timeScale: number };
  if (timeScale !== null) expect(summary.timeScale).toBe(timeScale);
  const roams = readJsonl<Roam>(join(json.runDir, 'roams.jsonl'));
  const truth = new Map(readJsonl<Truth>(join(json.runDir, 'ground-truth.jsonl')).map((t) => [t.index, t]));
  return { median: v.lostPerRoam.median, roams, truth, timeScale: summary.timeScale };
}

describe('losses do not depend on the time scale', () => {
  it(`${ROAMS} stock roams at --time-scale 1 and at the default scale: the same median lost per roam`, { timeout: 300_000 }, async () => {
    const [real, fast] = await Promise.all([stockRun(1), stockRun(null)]);
    expect(fast.timeScale).toBeGreaterThanOrEqual(10); // the inventory's scale really is a different one
    for (const run of [real, fast]) {
      expect(run.median, `time scale ${run.timeScale}`).toBeGreaterThanOrEqual(4);
      expect(run.median, `time scale ${run.timeScale}`).toBeLessThanOrEqual(6);
      // and at either scale the rig measured exactly what the model dropped
      for (const r of run.roams) expect([...r.lostSeqs].sort((a, b) => a - b), `scale ${run.timeScale}, roam ${r.index}`).toEqual(run.truth.get(r.index)?.droppedSeqs);
    }
    expect(real.median).toBe(fast.median);
  });
});
