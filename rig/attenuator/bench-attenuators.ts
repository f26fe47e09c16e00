/**
 * Start the virtual units of a bench's attenuators, one per inventory attenuator,
 * each chosen by its model (registry.ts), listening where the inventory says (port
 * 0: any free port). All or nothing: when one fails to start, those already
 * started are closed before the error goes on.
 */
import { startVirtualAttenuator, VIRTUAL_ATTENUATOR_MODELS, type VirtualAttenuatorModel } from './registry.ts';
import type { VirtualAttenuator } from './types.ts';

/** What the rig reads of an inventory attenuator (src/inventory's AttenuatorSpec has these). */
export interface BenchAttenuatorPlacement {
  model: string;
  protocol: 'http' | 'telnet';
  /** `host:port` or `[v6]:port`; the port is where the unit listens. */
  address: string;
}

export interface StartBenchAttenuatorsOptions {
  host: string;
  /** Every channel of every unit at power-on, dB. */
  initialDb: number;
  /** A channel of unit `name` really changed. */
  onChange: (name: string, channel: number, db: number) => void;
  /** The model table (default: every virtual model). */
  models?: readonly VirtualAttenuatorModel[];
}

export async function startVirtualAttenuators(
  placements: Record<string, BenchAttenuatorPlacement>,
  opts: StartBenchAttenuatorsOptions,
): Promise<Record<string, VirtualAttenuator>> {
  const started: Record<string, VirtualAttenuator> = {};
  let unit = 0;
  try {
    for (const [name, placement] of Object.entries(placements)) {
      unit++;
      const address = placement.address;
      started[name] = await startVirtualAttenuator(
        name,
        {
          model: placement.model,
          protocol: placement.protocol,
          host: opts.host,
          port: Number(address.slice(address.lastIndexOf(':') + 1)),
          unit,
          initialDb: opts.initialDb,
          onChange: (channel, db) => opts.onChange(name, channel, db),
        },
        opts.models ?? VIRTUAL_ATTENUATOR_MODELS,
      );
    }
  } catch (err) {
    await Promise.allSettled(Object.values(started).map((a) => a.close()));
    throw err;
  }
  return started;
}
