/**
 * `rig flash`, as a function: open the bench through the provisioner the caller chose
 * (on a virtual bench, the virtual rig starts in-process), flash the variant onto the
 * boards, restore their configuration, close everything.
 */
import { resolve } from 'node:path';
import { ConfigError, UsageError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { DEVICE_NAMES, type DeviceName } from '../inventory/schema.ts';
import { openBench } from '../bench/open.ts';
import type { Provisioner } from '../bench/provision.ts';
import type { BenchSession } from '../bench/session.ts';
import { loadManifest, variantOf } from '../firmware/manifest.ts';
import type { FlashProgress, FlashResult } from './flash.ts';
import { flashSession, resolveTarget } from './session.ts';
import type { TransferMode } from './transfer.ts';

export interface FlashRunOptions {
  inventory: string;
  bench?: string;
  variant: string;
  devices?: string[];
  target?: string;
  /** Default: firmware/variants.yaml. */
  manifest?: string;
  force?: boolean;
  /** Recreate the VAP and the inventory's configuration afterwards (default true). */
  restore?: boolean;
  transfer?: 'auto' | TransferMode;
  /** Virtual bench: override the inventory's time scale. */
  timeScale?: number;
  /** Makes the bench exist (the virtual rig for a virtual bench). */
  provision: Provisioner;
  onProgress?: (e: FlashProgress) => void;
  log?: (message: string) => void;
}

export interface FlashRunResult {
  bench: string;
  virtual: boolean;
  variant: string;
  target: string;
  results: Record<string, FlashResult>;
  /** Non-fatal trouble while closing the bench. */
  problems: string[];
}

export async function runFlash(o: FlashRunOptions): Promise<FlashRunResult> {
  const manifest = loadManifest(o.manifest);
  variantOf(manifest, o.variant);
  const devices = o.devices && o.devices.length > 0 ? ([...new Set(o.devices)] as DeviceName[]) : undefined;
  for (const d of devices ?? []) {
    if (!(DEVICE_NAMES as readonly string[]).includes(d)) throw new UsageError(`--device ${d}: expected ${DEVICE_NAMES.join(', ')}`);
  }
  if (o.transfer && !['auto', 'sftp', 'exec'].includes(o.transfer)) throw new UsageError(`--transfer ${o.transfer}: expected auto, sftp or exec`);
  const loaded = await loadInventory(resolve(o.inventory));
  const { name: benchName, bench } = selectBench(loaded, o.bench);
  const target = resolveTarget(bench, manifest, o.variant, o.target);
  if (bench.virtual && target !== 'virtual') throw new ConfigError(`bench ${benchName} is virtual: its boards take the "virtual" target, not ${target}`, { code: 'E_TARGET' });
  const timeScale = bench.virtual ? o.timeScale ?? bench.virtual.timeScale : 1;

  let session: BenchSession | null = null;
  const problems: string[] = [];
  try {
    session = await openBench(bench, { provision: o.provision, timeScale, log: o.log });
    const results = await flashSession(session, {
      variant: o.variant,
      devices,
      target,
      manifest,
      force: o.force,
      transfer: o.transfer,
      restore: o.restore === false ? 'none' : 'inventory',
      onProgress: o.onProgress,
      log: o.log,
    });
    return { bench: benchName, virtual: Boolean(bench.virtual), variant: o.variant, target, results, problems };
  } finally {
    if (session) problems.push(...(await session.close()));
  }
}
