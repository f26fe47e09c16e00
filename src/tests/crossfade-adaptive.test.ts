/**
 * The adaptive crossfade measures what the fixed ramp measures (issue 13): over 100 roams
 * each on the virtual bench, for stock and patched firmware, the lost pings per roam and the
 * after-association blackout of the adaptive crossfade and of the fixed-step ramp are the
 * same distributions (two-sample Mann-Whitney U and a permutation test of the means, both
 * p >= 0.01: src/record/distribution-compare.ts), every valid roam's lostSeqs equals the
 * ground truth's dropped seqs, and the same comparison does tell stock from patched. No
 * timing is asserted here: `npm run bench` measures the time.
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
}

const COUNT = 100;

async function run(firmware: 'stock' | 'patched', mode: 'fixed' | 'adaptive'): Promise<Roam[]> {
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
  return roams;
}

const lost = (rs: Roam[]): number[] => rs.map((r) => r.lost);
const after = (rs: Roam[]): number[] => rs.map((r) => r.afterAssociationMs as number);

describe('adaptive crossfade against the fixed ramp: the same loss, 100 roams each', () => {
  const runs = new Map<string, Roam[]>();

  for (const firmware of ['stock', 'patched'] as const) {
    it(`${firmware}: lost per roam and after-association blackout, fixed vs adaptive`, { timeout: 600_000 }, async () => {
      const fixed = await run(firmware, 'fixed');
      const adaptive = await run(firmware, 'adaptive');
      runs.set(firmware, adaptive);
      const l = compareSamples(lost(fixed), lost(adaptive));
      const a = compareSamples(after(fixed), after(adaptive));
      expect(l.same, `lost: ${JSON.stringify(l)}`).toBe(true);
      expect(a.same, `after association: ${JSON.stringify(a)}`).toBe(true);
      // what the firmware is known to do (docs/virtual-rig.md, figures), in both modes
      if (firmware === 'stock') expect([l.a.median, l.b.median]).toEqual([5, 5]);
      else expect([l.a.max, l.b.max].every((m) => m <= 1)).toBe(true);
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
