/**
 * One device or one attenuator of a bench, for the lab commands (`rig exec`, `rig atten`):
 * the bench provisioned as its kind says (a virtual bench is started for the command and
 * stopped after it), the one connection opened, used, closed.
 */
import { resolve } from 'node:path';
import type { ProvisionedBench, Provisioner } from '../bench/provision.ts';
import { sshOptionsFor } from '../bench/ssh-options.ts';
import { createAttenuator } from '../controllers/attenuator/registry.ts';
import type { Attenuator } from '../controllers/attenuator/types.ts';
import { SshDevice } from '../controllers/ssh/ssh-device.ts';
import type { ExecResult } from '../controllers/ssh/types.ts';
import { UsageError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { DEVICE_NAMES, parseAddress, type Bench, type DeviceName } from '../inventory/schema.ts';
import { provisionBench } from './provision.ts';

export interface BenchAccessOptions {
  inventory: string;
  bench?: string;
  provision?: Provisioner;
  log?: (m: string) => void;
}

/** The bench provisioned for one lab command, stopped after `use`. */
export async function withBench<T>(o: BenchAccessOptions, use: (bench: Bench, p: ProvisionedBench) => Promise<T>): Promise<T> {
  const { bench } = selectBench(await loadInventory(resolve(o.inventory)), o.bench);
  const p = await (o.provision ?? provisionBench)(bench, { timeScale: bench.virtual ? bench.virtual.timeScale : 1, log: o.log });
  try {
    return await use(bench, p);
  } finally {
    await p.stop();
  }
}

/** Run one shell command on a device; its exit status, stdout and stderr come back as they are. */
export function execOnDevice(o: BenchAccessOptions & { device: string; command: string; timeoutS?: number }): Promise<ExecResult> {
  if (!(DEVICE_NAMES as readonly string[]).includes(o.device)) throw new UsageError(`no device "${o.device}": the bench has ${DEVICE_NAMES.join(', ')}`);
  return withBench(o, async (bench, p) => {
    const name = o.device as DeviceName;
    const dev = await SshDevice.connect(sshOptionsFor(bench, name, p.endpoints, o.log));
    try {
      return await dev.exec(o.command, { timeoutMs: (o.timeoutS ?? bench.devices[name].commandTimeoutS) * 1000 });
    } finally {
      await dev.close();
    }
  });
}

export interface AttenuatorReading {
  attenuator: string;
  model: string;
  channel: number;
  /** Programmed attenuation read back from the unit, dB. */
  db: number;
  fixedLossDb: number;
}

/** Read an attenuator's channel, or set it (then read back); the value stays on a real unit after the command. */
export function attenuatorValue(o: BenchAccessOptions & { attenuator: string; setDb?: number }): Promise<AttenuatorReading> {
  return withBench(o, async (bench, p) => {
    const spec = bench.attenuators[o.attenuator];
    if (!spec) throw new UsageError(`no attenuator "${o.attenuator}": the bench has ${Object.keys(bench.attenuators).join(', ')}`);
    const e = p.endpoints?.attenuators?.[o.attenuator];
    const addr = parseAddress(spec.address);
    const port = e ? (e.port ?? (spec.protocol === 'http' ? e.httpPort : e.telnetPort) ?? 0) : addr.port;
    const att: Attenuator = createAttenuator({ name: o.attenuator, model: spec.model, protocol: spec.protocol, host: e?.host ?? addr.host, port });
    try {
      const db = o.setDb === undefined ? await att.get(spec.channel) : await att.set(spec.channel, o.setDb);
      return { attenuator: o.attenuator, model: spec.model, channel: spec.channel, db, fixedLossDb: spec.fixedLossDb };
    } finally {
      await att.close();
    }
  });
}
