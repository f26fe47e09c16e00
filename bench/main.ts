/**
 * `npm run bench` (not part of `npm test`): runs the benchmark modules (bench/modules.ts)
 * one after the other and writes BENCHMARKS.md with the machine's description, one table
 * of every figure with its goal, and each module's notes. Every figure is as measured,
 * misses included.
 *
 *   npm run bench [-- --no-board-costs] [-- --only roam-cycle,soak] [-- --out FILE]
 *
 * The virtual boards' costs (`virtual.boardCosts`, the 2007-board defaults) are on where
 * the issue asks for them (the scale-1 roam cycle, the flash); `--no-board-costs` turns
 * them off there (the figures are then those of an instant board).
 *
 * Environment: RIG_BENCH_SCALE1_ROAMS (default 5), RIG_BENCH_COUNT (100),
 * RIG_BENCH_SOAK_COUNT (10000), RIG_BENCH_SOAK_SCALE (300).
 * Exit status: 0 every goal met, 1 a goal missed or not measured, 2 usage.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from './machine.ts';
import { BENCH_MODULES } from './modules.ts';
import { ROOT } from './roam-runs.ts';
import type { BenchSection } from './types.ts';

function table(sections: BenchSection[]): string[] {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = ['| figure | measured | goal | met |', '| --- | --- | --- | --- |'];
  for (const s of sections) for (const r of s.rows) out.push(`| ${esc(r.figure)} | ${esc(r.value)} | ${esc(r.goal)} | ${r.met === null ? '' : r.met ? 'yes' : '**no**'} |`);
  return out;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { 'no-board-costs': { type: 'boolean', default: false }, only: { type: 'string' }, out: { type: 'string' } } }).values;
  } catch (err) {
    console.error(`npm run bench: ${(err as Error).message}`);
    return 2;
  }
  const only = args.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !BENCH_MODULES.some((m) => m.name === n)) ?? [];
  if (unknown.length) {
    console.error(`npm run bench: --only ${unknown.join(', ')}: not a bench module; known: ${BENCH_MODULES.map((m) => m.name).join(', ')}`);
    return 2;
  }
  const machine = describeMachine();
  const started = performance.now();
  console.log(`npm run bench on ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load ${machine.load1}`);
  const sections: BenchSection[] = [];
  for (const m of BENCH_MODULES) {
    if (only && !only.includes(m.name)) continue;
    const opts = { boardCosts: !(args['no-board-costs'] ?? false), log: (l: string) => console.log(l) };
    try {
      sections.push(await m.run(opts));
    } catch (err) {
      sections.push({ title: m.name, rows: [{ figure: m.name, value: `failed: ${(err as Error).message}`, goal: '', met: false }], notes: [] });
    }
  }
  const minutes = (performance.now() - started) / 60_000;
  const md = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (bench/main.ts) on ${machine.date}, in ${minutes.toFixed(1)} min.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; 1-minute load ${machine.load1} at the start (the machine may be shared: figures are as measured, under that load).`,
    '',
    ...table(sections),
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', ...s.notes.map((n) => `- ${n}`), '']),
  ].join('\n');
  const out = args.out ?? join(ROOT, 'BENCHMARKS.md');
  writeFileSync(out, md);
  console.log('');
  console.log(table(sections).join('\n'));
  console.log(`\nwritten: ${out}`);
  const rows = sections.flatMap((s) => s.rows).filter((r) => r.goal);
  return rows.every((r) => r.met === true) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`npm run bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  },
);
