/**
 * The adaptive crossfade measures what the fixed ramp measures (issue 13): over 100 roams
 * each on the virtual bench, the lost pings per roam and the after-association blackout of
 * the adaptive crossfade and of the fixed-step ramp are the same distributions on stock
 * firmware (two-sample Mann-Whitney U and a permutation test of the means, both p >= 0.01:
 * src/record/distribution-compare.ts); on stock and patched alike the ground truth's
 * reassociation window (leave to join) is the same distribution and every valid roam's
 * lostSeqs equals the ground truth's dropped seqs; and the same comparison does tell stock
 * from patched. No timing is asserted here: `npm run bench` measures the time.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSamples } from '../record/distribution-compare.ts';
import { inventoryCopy, readJsonl, runCli, tempDir, type RoamJson } from './helpers/cli.ts';

interface Roam {
  index: number;
  valid: boolean;
  invalidReason: string | null;
  lost: number;
  lostSeqs: number[];
  afterAssociationMs: number | null;
  toBssid: string | null;
}
interface Truth {
  index: number;
  droppedSeqs: number[];
  roams?: { tDepartMs: number; tJoinMs: number }[];
}

interface Run {
  roams: Roam[];
  /** Per roam, the ground truth's reassociation: from leaving the old AP to the join (model ms). */
  windows: number[];
}

const COUNT = 100;

async function run(firmware: 'stock' | 'patched', mode: 'fixed' | 'adaptive'): Promise<Run> {
  const dir = tempDir();
  const inv = inventoryCopy(dir, (doc) => doc.setIn(['benches', 'virtual', 'profile', 'crossfade'], doc.createNode({ mode })));
  const r = await runCli(['roam', '--inventory', inv, '--reports', join(dir, 'reports'), '--count', String(COUNT), '--firmware', firmware, '--json'], { timeoutMs: 280_000 });
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  const json = JSON.parse(r.stdout) as RoamJson;
  const roams = readJsonl<Roam>(join(json.runDir, 'roams.jsonl'));
  const truth = new Map(readJsonl<Truth>(join(json.runDir, 'ground-truth.jsonl')).map((t) => [t.index, t]));
  expect(roams).toHaveLength(COUNT);
  for (const x of roams) {
    expect(x.valid, `${firmware} ${mode} roam ${x.index}: ${x.invalidReason}`).toBe(true);
    expect(x.lostSeqs, `${firmware} ${mode} roam ${x.index}`).toEqual(truth.get(x.index)?.droppedSeqs);
  }
  const windows = [...truth.values()].map((t) => (t.roams?.[0] ? t.roams[0].tJoinMs - t.roams[0].tDepartMs : Number.NaN)).filter(Number.isFinite);
  expect(windows.length, `${firmware} ${mode}: a reassociation window per roam in the ground truth`).toBe(COUNT);
  return { roams, windows };
}

const lost = (rs: Roam[]): number[] => rs.map((r) => r.lost);
const after = (rs: Roam[]): number[] => rs.map((r) => r.afterAssociationMs as number);

describe('adaptive crossfade against the fixed ramp: the same loss, 100 roams each', () => {
  const runs = new Map<string, Roam[]>();

  for (const firmware of ['stock', 'patched'] as const) {
    it(`${firmware}: the reassociation window, and (stock) lost per roam and after-association blackout, fixed vs adaptive`, { timeout: 600_000 }, async () => {
      const fixed = await run(firmware, 'fixed');
      const adaptive = await run(firmware, 'adaptive');
      runs.set(firmware, adaptive.roams);
      const l = compareSamples(lost(fixed.roams), lost(adaptive.roams));
      const a = compareSamples(after(fixed.roams), after(adaptive.roams));
      // The reassociation itself (leave to join, ground truth) must not change with the trigger.
      const w = compareSamples(fixed.windows, adaptive.windows);
      expect(w.same, `reassociation window: ${JSON.stringify(w)}`).toBe(true);
      if (firmware === 'stock') {
        expect(l.same, `lost: ${JSON.stringify(l)}`).toBe(true);
        expect(a.same, `after association: ${JSON.stringify(a)}`).toBe(true);
        // what the firmware is known to do (docs/virtual-rig.md, figures), in both modes
        expect([l.a.median, l.b.median]).toEqual([5, 5]);
      } else {
        // Patched loses a ping only when one is sent inside the ~9 ms reassociation: whether it
        // does depends on where the pings fall against the roam check, which is correlated
        // across the roams of one run, so one run per mode cannot compare the loss counts
        // (seen: 6 vs 24 roams of 100 with a loss, p 0.0004, in one CI run; 4 vs 3 of 60 in
        // the next pair). The window above and the truth check per roam are what is asserted;
        // the counts are the bench's (issue 13's open point).
        expect([l.a.max, l.b.max].every((m) => m <= 1)).toBe(true);
      }
    });
  }

  it('the same comparison tells stock from patched (it can see a difference)', () => {
    const stock = runs.get('stock');
    const patched = runs.get('patched');
    expect(stock && patched, 'needs both runs above').toBeTruthy();
    expect(compareSamples(lost(stock!), lost(patched!)).same).toBe(false);
    expect(compareSamples(after(stock!), after(patched!)).same).toBe(false);
  });
});
