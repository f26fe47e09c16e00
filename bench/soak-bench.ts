/**
 * Soak: RIG_BENCH_SOAK_COUNT roams (default 10,000) in one `rig roam` at a high time scale
 * (RIG_BENCH_SOAK_SCALE, default 300: the highest of the scales tried on this machine at
 * which every roam stayed valid, see BENCHMARKS.md), stock firmware, adaptive crossfade. The
 * rig's RSS (VmRSS of the CLI process, sampled every 250 ms) when 1,000 and when all the
 * roams were done (the first sample at or past each count), the growth between them, and
 * the report: `rig report RUN_DIR` rebuilt afterwards, its wall time and the size of what it
 * wrote and of the run folder.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import { describeRun, ROOT, runRoam, truthMismatches, truthMismatchList } from './roam-runs.ts';
import type { BenchModule, BenchOptions, BenchRow, BenchSection } from './types.ts';

const GOAL_GROWTH_MB = 20;

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

function memoryLines(file: string): { roams: number; heapUsed: number; rss: number }[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"msg":"memory"'))
      .map((l) => JSON.parse(l) as { roams: number; heapUsed: number; rss: number });
  } catch {
    return [];
  }
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

export const soakBench: BenchModule = {
  name: 'soak',
  async run(opts: BenchOptions): Promise<BenchSection> {
    const count = Math.max(10, Number(process.env.RIG_BENCH_SOAK_COUNT ?? 10_000) || 10_000);
    const scale = Number(process.env.RIG_BENCH_SOAK_SCALE ?? 300) || 300;
    opts.log(`soak: ${count} stock roams at scale ${scale}, adaptive crossfade (about ${Math.round((count * 0.13) / 60)} min)`);
    const r = await runRoam({ firmware: 'stock', mode: 'adaptive', count, timeScale: scale, rss: true, timeoutMs: 3 * 60 * 60_000 });
    opts.log(`  ${describeRun(r)}`);
    const at = (n: number): number | null => r.rss.find(([done]) => done >= n)?.[1] ?? null;
    /** The median of the samples taken while roams n .. n + 100 were done (a collection's sawtooth is tens of MB). */
    const around = (lo: number, hi: number): number | null => {
      const xs = r.rss.filter(([done]) => done >= lo && done <= hi).map(([, k]) => k);
      return xs.length ? median(xs) : null;
    };
    const rss1k = around(1000, 1100);
    const rssEnd = around(count - 100, count);
    const first1k = at(1000);
    const firstEnd = at(count);
    const maxRss = r.rss.reduce((m, [, k]) => Math.max(m, k), 0);
    const valid = r.roams.filter((x) => x.valid).length;
    const rows: BenchRow[] = [
      { figure: `soak: ${count} roams at scale ${scale}`, value: `${(r.wallS / 60).toFixed(1)} min (${valid}/${r.roams.length} valid, exit ${r.code}, ${((r.wallS * 1000) / Math.max(1, r.roams.length)).toFixed(0)} ms a roam)`, goal: '', met: null },
      { figure: 'soak: lostSeqs = ground truth', value: `${valid - truthMismatches(r)}/${valid} valid roams`, goal: 'all', met: truthMismatches(r) === 0 && valid > 0 },
      { figure: 'soak: RSS at 1,000 roams (median of the samples over roams 1,000..1,100; the first sample at 1,000)', value: rss1k === null ? 'unknown: no sample' : `${mb(rss1k * 1024)}; ${first1k === null ? '-' : mb(first1k * 1024)}`, goal: '', met: null },
      { figure: `soak: RSS at ${count.toLocaleString('en')} roams (median over the last 100 roams; the first sample at ${count.toLocaleString('en')})`, value: rssEnd === null ? 'unknown: no sample' : `${mb(rssEnd * 1024)}; ${firstEnd === null ? '-' : mb(firstEnd * 1024)}`, goal: '', met: null },
    ];
    if (rss1k !== null && rssEnd !== null) {
      const growth = ((rssEnd - rss1k) * 1024) / 2 ** 20;
      rows.push({ figure: `soak: RSS growth 1,000 -> ${count.toLocaleString('en')} roams`, value: `${growth.toFixed(1)} MB (peak RSS ${mb(maxRss * 1024)})`, goal: `<= ${GOAL_GROWTH_MB} MB`, met: growth <= GOAL_GROWTH_MB });
    } else rows.push({ figure: 'soak: RSS growth', value: 'unknown: RSS not sampled at both counts', goal: `<= ${GOAL_GROWTH_MB} MB`, met: null });
    // What is live (heapUsed, after the run log's own sample every 1,000 roams) against what the process holds.
    const mem = r.runDir ? memoryLines(join(r.runDir, 'rig.log')) : [];
    const heapAt = (n: number): number | null => mem.find((m) => m.roams === n)?.heapUsed ?? null;
    const h1 = heapAt(1000);
    const hEnd = heapAt(Math.floor(count / 1000) * 1000);
    rows.push({
      figure: 'soak: V8 heap in use (process.memoryUsage().heapUsed, the run log every 1,000 roams)',
      value: h1 !== null && hEnd !== null ? `${mb(h1)} at 1,000, ${mb(hEnd)} at ${(Math.floor(count / 1000) * 1000).toLocaleString('en')}: ${mb(hEnd - h1)} more` : 'unknown: fewer than 1,000 roams',
      goal: '',
      met: null,
    });
    if (r.runDir) {
      const t0 = performance.now();
      const rep = spawnSync(process.execPath, [join(ROOT, 'bin/rig.mjs'), 'report', r.runDir, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 30 * 60_000 });
      const buildS = (performance.now() - t0) / 1000;
      const sizes = ['index.html', 'junit.xml', 'roams.csv'].map((f) => {
        try {
          return `${f} ${mb(statSync(join(r.runDir as string, f)).size)}`;
        } catch {
          return `${f} missing`;
        }
      });
      rows.push({
        figure: `soak: report build (\`rig report\`, ${count.toLocaleString('en')} roams)`,
        value: rep.status === 0 ? `${buildS.toFixed(1)} s; ${sizes.join(', ')}; run folder ${mb(dirBytes(r.runDir))}` : `failed (exit ${rep.status}): ${(rep.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}`,
        goal: '',
        met: null,
      });
    }
    // A roam that disagrees with the ground truth is a bug to find: its run folder is kept, and named.
    const mismatched = truthMismatchList(r);
    const kept = mismatched.length > 0 && r.runDir !== null;
    if (!kept) r.cleanup();
    return {
      title: `Soak: ${count.toLocaleString('en')} roams, memory and report`,
      rows,
      notes: [
        `One \`rig roam --count ${count}\` at time scale ${scale}, stock, adaptive crossfade; RSS = VmRSS of the rig CLI process, sampled every 250 ms, given at 1,000 and at ${count.toLocaleString('en')} roams as the median of the samples over 100 roams (roams 1,000..1,100 and the last 100), because a garbage collection moves a single sample by tens of MB; the single first sample at each count and the peak are given too. The growth goal is judged on the medians.`,
        'RSS is what the process holds (V8 returns freed heap to the OS lazily, and the rig, the virtual rig and tsx\'s loader thread share the process); the V8 heap in use, from the run log\'s `memory` line every 1,000 roams (rig.log), is what is live when it was sampled (not after a full collection).',
        'Report: `rig report RUN_DIR` rebuilt after the run (index.html, junit.xml, roams.csv), its wall time including the CLI start.',
        ...(kept ? [`Roams whose lostSeqs differ from the ground truth: ${mismatched.slice(0, 5).map((m) => `roam ${m.index} (rig ${JSON.stringify(m.rig)}, truth ${JSON.stringify(m.truth)})`).join('; ')}; the run folder is kept for them: ${r.runDir}.`] : []),
        'The run asks V8 for a full collection every 25 roams (src/roam/heap-trim.ts, docs/roam-cycle.md "Long runs"): without it, V8 let its heap fill with garbage up to a growing factor of the live data (a profiled soak: +8 MB live, +160 MB RSS between roams 300 and 1,500).',
      ],
    };
  },
};
