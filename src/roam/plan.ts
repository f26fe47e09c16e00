/**
 * What a run will do (run.json): from the options and the inventory, or, when resuming,
 * from the run folder's plan. Everything that can be refused is refused here, before any
 * device is touched: the count, unknown variants, an unknown roam trigger.
 */
import { resolve } from 'node:path';
import { ConfigError, UsageError } from '../errors.ts';
import { loadManifest } from '../firmware/manifest.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { readPlan } from '../record/read.ts';
import type { RunPlan } from '../record/schema.ts';
import { roamTrigger } from './triggers/registry.ts';

export interface PlanOptions {
  inventory: string;
  bench?: string;
  count?: number;
  firmware?: string;
  variants?: string[];
  resume?: string;
  timeScale?: number;
}

export async function planRun(opts: PlanOptions): Promise<RunPlan> {
  if (opts.resume) {
    const p = readPlan(resolve(opts.resume));
    return { ...p, count: opts.count ?? p.count };
  }
  if (opts.count === undefined || !Number.isInteger(opts.count) || opts.count < 1) {
    throw new UsageError(`--count must be a positive integer, got ${opts.count}`);
  }
  const loaded = await loadInventory(resolve(opts.inventory));
  const { name, bench } = selectBench(loaded, opts.bench);
  roamTrigger(bench.profile.trigger, name);
  const variants = opts.variants ?? [opts.firmware ?? bench.virtual?.firmware ?? 'as-installed'];
  if (variants.length === 0 || new Set(variants).size !== variants.length) throw new UsageError('--variants: list each variant once');
  const known = Object.keys(loadManifest().variants);
  const unknown = variants.filter((v) => v !== 'as-installed' && !known.includes(v));
  if (unknown.length) throw new UsageError(`--firmware/--variants ${unknown.join(',')}: firmware/variants.yaml has ${known.join(', ')}`);
  return {
    inventory: loaded.file,
    bench: name,
    variants,
    count: opts.count,
    timeScale: bench.virtual ? opts.timeScale ?? bench.virtual.timeScale : 1,
    startedAt: new Date().toISOString(),
  };
}

/** The WPA-PSK passphrase from the environment variable the inventory names. */
export function secretFromEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new ConfigError(`the bench uses WPA-PSK: set its passphrase in the environment variable ${name}`, { code: 'E_SECRET_ENV' });
  if (v.length < 8 || v.length > 63 || /[\n\r"]/.test(v)) {
    throw new ConfigError(`the passphrase in ${name} must be 8 to 63 printable characters without quotes`, { code: 'E_SECRET_ENV' });
  }
  return v;
}
