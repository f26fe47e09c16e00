/**
 * `rig roam --count 100` on the shipped virtual bench at its default time scale (100), the
 * adaptive crossfade (the default) for stock and patched firmware, with the wall time of the
 * whole command (start, set-up, 100 roams, summary, report); and the same runs with the
 * fixed-step ramp, to show the loss figures did not change: lost per roam and the
 * after-association blackout, fixed vs adaptive, by a two-sample Mann-Whitney U test and a
 * permutation test of the means (src/record/distribution-compare.ts; "same" = both p >= 0.01),
 * plus every valid roam's lostSeqs against the ground truth. For patched firmware, whose
 * roams in one run share the pings' phase against the roam check (the note below), the unit
 * is the run: RIG_BENCH_LOSS_RUNS (default 20) short runs per mode of RIG_BENCH_COUNT /
 * RIG_BENCH_LOSS_RUNS roams each, compared by their per-run means.
 *
 * RIG_BENCH_COUNT (default 100) roams per run.
 */
import { mean } from 'simple-statistics';
import { compareSamples } from '../src/record/distribution-compare.ts';
import { describeRun, runRoam, truthMismatches, type RoamLine, type RunResult } from './roam-runs.ts';
import type { BenchModule, BenchOptions, BenchRow, BenchSection } from './types.ts';

const GOAL_S_PER_100 = 30;
const r2 = (x: number): string => String(Math.round(x * 100) / 100);
const PERIOD_PRIOR_MS = 15_000;
/** The figures compared fixed vs adaptive. */
const LOSS_FIGURES: readonly (readonly [string, (x: RoamLine) => number])[] = [
  ['lost per roam', (x) => x.lost],
  ['after-association blackout (ms)', (x) => x.afterAssociationMs ?? Number.NaN],
];
/** Runs per mode for the patched loss comparison, whose unit is the run (RIG_BENCH_LOSS_RUNS). */
const LOSS_RUNS = Math.max(2, Number(process.env.RIG_BENCH_LOSS_RUNS ?? 20) || 20);

function checksPerRoam(r: RunResult): number | null {
  const joins = r.roams.filter((x) => x.valid && x.tJoin !== null).map((x) => x.tJoin as number);
  if (joins.length < 2) return null;
  let periods = 0;
  for (let i = 1; i < joins.length; i++) periods += Math.max(1, Math.round((joins[i] - joins[i - 1]) / PERIOD_PRIOR_MS));
  return periods / (joins.length - 1);
}

export const roamCountBench: BenchModule = {
  name: 'roam-count',
  async run(opts: BenchOptions): Promise<BenchSection> {
    const n = Math.max(2, Number(process.env.RIG_BENCH_COUNT ?? 100) || 100);
    const goalS = (GOAL_S_PER_100 * n) / 100;
    const m = Math.max(2, Math.round(n / LOSS_RUNS));
    const rows: BenchRow[] = [];
    const notes: string[] = [
      `\`rig roam --count ${n}\` on the shipped bench "virtual" at its time scale (100), the real CLI as a child process, wall time of the whole command; board costs off (the issue asks this figure of the rig itself at the shipped bench's scale; at scale 100 a board's 60 ms channel would cost 0.6 ms).`,
      `On patched firmware a roam loses a ping only when one is sent inside the ~9 ms from leaving the old AP to joining the new one (ground truth: \`tx-not-associated\`), which a uniformly random phase of the pings would give in about 9/200 of roams. The roam check (sta_age(), every 15 s of the board clock) and iputils' sends (200 ms apart on the same clock while every reply comes in time) keep their phase from one check to the next; it moves only when a send is held back, in whole jiffies (8 to 12 ms after a lost ping, which takes it out of the window). So whether a patched run loses a ping at all is mostly the phase its boot dealt (the flash before the run reloads the driver and deals a new one), and the roams of one run are not independent samples of it (docs/virtual-rig.md). So for patched the run is the independent unit: ${LOSS_RUNS} runs of ${m} roams per mode, alternating fixed and adaptive, each starting at its own phase, compared by their per-run means (${LOSS_RUNS} against ${LOSS_RUNS} values); the pooled roams and the single 100-roam runs are listed for information (roam-level tests on them treat correlated roams as independent).`,
      'Loss equivalence: the same bench and seed, fixed vs adaptive crossfade, per firmware; Mann-Whitney U (@stdlib Kruskal-Wallis with two groups, tie-corrected) and a seeded permutation test of the means (simple-statistics, 10,000 permutations); "same" when both p >= 0.01.',
    ];
    const runs = new Map<string, RunResult>();
    for (const firmware of ['stock', 'patched'] as const) {
      for (const mode of ['adaptive', 'fixed'] as const) {
        opts.log(`roam-count: ${firmware}, ${mode}, ${n} roams at scale 100`);
        const r = await runRoam({ firmware, mode, count: n, timeoutMs: 20 * 60_000 });
        opts.log(`  ${describeRun(r)}`);
        runs.set(`${firmware}/${mode}`, r);
        const valid = r.roams.filter((x) => x.valid).length;
        const cpr = checksPerRoam(r);
        rows.push({
          figure: `rig roam --count ${n}, ${firmware}, ${mode}`,
          value: `${r.wallS.toFixed(1)} s (${valid}/${r.roams.length} valid, exit ${r.code}${cpr !== null ? `, ${cpr.toFixed(2)} check periods per roam` : ''})`,
          goal: mode === 'adaptive' ? `<= ${goalS} s` : '',
          met: mode === 'adaptive' ? r.wallS <= goalS && r.roams.length === n && (r.code === 0 || r.code === 1) : null,
        });
        const bad = truthMismatches(r);
        rows.push({ figure: `lostSeqs = ground truth, ${firmware}, ${mode}`, value: `${valid - bad}/${valid} valid roams`, goal: 'all', met: bad === 0 && valid > 0 });
      }
    }
    // Patched: LOSS_RUNS short runs per mode, alternating; each run's means are one value.
    const perRun = { fixed: [] as string[], adaptive: [] as string[] };
    /** Each run's valid roams (runs with none left out). */
    const runRoams = { fixed: [] as RoamLine[][], adaptive: [] as RoamLine[][] };
    let pooledMismatch = 0;
    for (let i = 0; i < LOSS_RUNS; i++) {
      for (const mode of ['fixed', 'adaptive'] as const) {
        const r = await runRoam({ firmware: 'patched', mode, count: m, timeoutMs: 10 * 60_000 });
        const valid = r.roams.filter((x) => x.valid);
        if (valid.length > 0) runRoams[mode].push(valid);
        perRun[mode].push(`${valid.filter((x) => x.lost > 0).length}/${valid.length}`);
        pooledMismatch += truthMismatches(r);
        r.cleanup();
      }
      opts.log(`roam-count: patched loss runs ${i + 1}/${LOSS_RUNS}: fixed ${perRun.fixed.at(-1)}, adaptive ${perRun.adaptive.at(-1)} roams with a loss`);
    }
    rows.push({
      figure: `patched, ${LOSS_RUNS} runs of ${m} roams per mode: roams with a loss per run`,
      value: `fixed ${perRun.fixed.join(' ')}; adaptive ${perRun.adaptive.join(' ')}; lostSeqs = ground truth in all but ${pooledMismatch}`,
      goal: '',
      met: null,
    });
    const meanOf = (pick: (x: RoamLine) => number) => (roams: RoamLine[]): number => {
      const v = roams.map(pick).filter(Number.isFinite);
      return v.length ? mean(v) : Number.NaN;
    };
    for (const [what, pick] of LOSS_FIGURES) {
      const xs = runRoams.fixed.map(meanOf(pick)).filter(Number.isFinite);
      const ys = runRoams.adaptive.map(meanOf(pick)).filter(Number.isFinite);
      if (xs.length < 2 || ys.length < 2) {
        rows.push({ figure: `${what}, patched: fixed vs adaptive, per-run means`, value: 'unknown: too few runs with valid roams', goal: 'same', met: null });
        continue;
      }
      const c = compareSamples(xs, ys);
      rows.push({
        figure: `${what}, patched: fixed vs adaptive, per-run means of ${LOSS_RUNS} runs of ${m} roams each (${xs.length} / ${ys.length} runs)`,
        value: `median ${r2(c.a.median)} / ${r2(c.b.median)}, mean ${r2(c.a.mean)} / ${r2(c.b.mean)}, p95 ${r2(c.a.p95)} / ${r2(c.b.p95)}; Mann-Whitney p = ${c.pMannWhitney.toFixed(3)}, permutation p = ${c.pPermutation.toFixed(3)}`,
        goal: 'same (both p >= 0.01)',
        met: c.same,
      });
    }
    for (const [firmware, label, f, a, decides] of [
      ['stock', 'one run each', runs.get('stock/fixed')?.roams.filter((x) => x.valid) ?? [], runs.get('stock/adaptive')?.roams.filter((x) => x.valid) ?? [], true],
      ['patched', `the ${LOSS_RUNS} runs' roams pooled, for information`, runRoams.fixed.flat(), runRoams.adaptive.flat(), false],
      ['patched', 'one run each, for information', runs.get('patched/fixed')?.roams.filter((x) => x.valid) ?? [], runs.get('patched/adaptive')?.roams.filter((x) => x.valid) ?? [], false],
    ] as const) {
      if (f.length < 2 || a.length < 2) {
        rows.push({ figure: `loss equivalence, ${firmware}, ${label}`, value: 'unknown: too few valid roams', goal: 'same', met: null });
        continue;
      }
      for (const [what, pick] of LOSS_FIGURES) {
        const xs = f.map(pick).filter(Number.isFinite);
        const ys = a.map(pick).filter(Number.isFinite);
        const c = compareSamples(xs, ys);
        rows.push({
          figure: `${what}, ${firmware}: fixed vs adaptive, ${label} (${xs.length} / ${ys.length} roams)`,
          value: `median ${r2(c.a.median)} / ${r2(c.b.median)}, mean ${r2(c.a.mean)} / ${r2(c.b.mean)}, p95 ${r2(c.a.p95)} / ${r2(c.b.p95)}; Mann-Whitney p = ${c.pMannWhitney.toFixed(3)}, permutation p = ${c.pPermutation.toFixed(3)}`,
          goal: decides ? 'same (both p >= 0.01)' : '',
          met: decides ? c.same : null,
        });
      }
    }
    for (const r of runs.values()) r.cleanup();
    return { title: `rig roam --count ${n} at the default scale, and the loss figures fixed vs adaptive`, rows, notes };
  },
};
