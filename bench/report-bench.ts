/**
 * npm run bench:report — the report at scale: a synthetic 10,000-roam run
 * folder (two variants, 1% invalid, every echo in ping.log: about 1.9 million
 * lines), then writeRunReport timed 5 times. Goals (issue 4): built in at
 * most 2 s, index.html at most 10 MB. Exit 1 when a goal is missed.
 *
 *   npx tsx bench/report-bench.ts [--roams N] [--runs K] [--keep]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { writeRunReport } from '../src/report/index.ts';
import { writeSyntheticRun } from '../src/tests/helpers/report-fixtures.ts';

const { values } = parseArgs({
  options: { roams: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } },
});
const roams = Number(values.roams);
const runs = Number(values.runs);
const GOAL_MS = 2000;
const GOAL_BYTES = 10 * 1024 * 1024;

const root = mkdtempSync(join(tmpdir(), 'rig-report-bench-'));
const dir = join(root, '20261120T010000Z-synthetic');
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(2)} MB`;

let t = performance.now();
const half = Math.floor(roams / 2);
writeSyntheticRun(dir, {
  variants: [
    { name: 'stock', roams: half, lost: (r) => (r() < 0.9 ? 5 : 4 + Math.floor(r() * 4)) },
    { name: 'patched', roams: roams - half, lost: (r) => (r() < 0.08 ? 1 : 0) },
  ],
  invalidFraction: 0.01,
  seed: 42,
});
console.log(`synthetic run: ${roams} roams in ${((performance.now() - t) / 1000).toFixed(1)} s; ping.log ${mb(statSync(join(dir, 'ping.log')).size)}, timeline.jsonl ${mb(statSync(join(dir, 'timeline.jsonl')).size)}, roams.jsonl ${mb(statSync(join(dir, 'roams.jsonl')).size)}`);

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  t = performance.now();
  await writeRunReport(dir);
  const ms = performance.now() - t;
  times.push(ms);
  console.log(`  writeRunReport #${i + 1}: ${ms.toFixed(0)} ms${i === 0 ? ' (first in the process: includes bundling the page script)' : ''}`);
}
const size = statSync(join(dir, 'index.html')).size;
const med = median(times);
console.log(`median build time: ${med.toFixed(0)} ms (goal <= ${GOAL_MS} ms) ${med <= GOAL_MS ? 'OK' : 'MISSED'}`);
console.log(`index.html: ${mb(size)} (goal <= ${mb(GOAL_BYTES)}) ${size <= GOAL_BYTES ? 'OK' : 'MISSED'}`);
console.log(`junit.xml: ${mb(statSync(join(dir, 'junit.xml')).size)}, roams.csv: ${mb(statSync(join(dir, 'roams.csv')).size)}`);
if (values.keep) console.log(`kept: ${dir}`);
else rmSync(root, { recursive: true, force: true });
process.exitCode = med <= GOAL_MS && size <= GOAL_BYTES ? 0 : 1;
