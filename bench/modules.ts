/**
 * The modules of `npm run bench`, in the order they run: one registration line each
 * (a module: bench/types.ts BenchModule). `--only NAME[,NAME]` runs some of them.
 */
import { commandsBench } from './commands-bench.ts';
import { roamCountBench } from './roam-count-bench.ts';
import { roamCycleBench } from './roam-cycle-bench.ts';
import { soakBench } from './soak-bench.ts';
import type { BenchModule } from './types.ts';

export const BENCH_MODULES: BenchModule[] = [];

BENCH_MODULES.push(roamCycleBench);
BENCH_MODULES.push(roamCountBench);
BENCH_MODULES.push(commandsBench);
BENCH_MODULES.push(soakBench);
