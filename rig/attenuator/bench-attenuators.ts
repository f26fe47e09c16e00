/**
 * Start the virtual units of a bench's attenuators: one per physical unit, each
 * chosen by its model (registry.ts), listening where the inventory says (port 0: any
 * free port). Attenuators that are channels of one unit (a named `unit:`, or one
 * address) share it, as they share the real one. All or nothing: when one fails to
 * start, those already started are closed before the error goes on.
 */
import { VirtualRigError } from '../errors.ts';
import { startVirtualAttenuator, VIRTUAL_ATTENUATOR_MODELS, type VirtualAttenuatorModel } from './registry.ts';
import type { VirtualAttenuator } from './types.ts';

/** What the rig reads of an inventory attenuator (src/inventory's AttenuatorSpec has these). */
export interface BenchAttenuatorPlacement {
  model: string;
  protocol: 'http' | 'telnet';
  /** `host:port` or `[v6]:port`; the port is where the unit listens. */
  address: string;
  /** The inventory's named unit this attenuator is a channel of. */
  unit?: string;
  /** Its channel on the unit; without one, changes of every channel are reported for it. */
  channel?: number;
}

export interface StartBenchAttenuatorsOptions {
  host: string;
  /** Every channel of every unit at power-on, dB. */
  initialDb: number;
  /** Channel `channel` of the unit attenuator `name` is on really changed (reported for each attenuator on that channel). */
  onChange: (name: string, channel: number, db: number) => void;
  /** The model table (default: every virtual model). */
  models?: readonly VirtualAttenuatorModel[];
}

/**
 * Which physical unit a placement is a channel of: a real port is one unit whatever names
 * it; at port 0 (any free port) a named unit is one unit and any other attenuator its own.
 */
function unitKey(name: string, p: BenchAttenuatorPlacement): string {
  const colon = p.address.lastIndexOf(':');
  const port = Number(p.address.slice(colon + 1));
  if (port !== 0) return `address ${p.address.slice(0, colon).toLowerCase()}:${port}`;
  return p.unit !== undefined ? `unit ${p.unit}` : `attenuator ${name}`;
}

/** The placements grouped by unit, in inventory order; a unit's attenuators must agree on model and protocol. */
function groupByUnit(placements: Record<string, BenchAttenuatorPlacement>): [string, BenchAttenuatorPlacement][][] {
  const units = new Map<string, [string, BenchAttenuatorPlacement][]>();
  for (const [name, p] of Object.entries(placements)) {
    const key = unitKey(name, p);
    const members = units.get(key) ?? [];
    const [first, q] = members[0] ?? [];
    if (q && (q.model.toUpperCase() !== p.model.toUpperCase() || q.protocol !== p.protocol)) {
      throw new VirtualRigError(
        `attenuators "${first}" and "${name}" are channels of one unit (${p.unit ? `unit ${p.unit}` : p.address}) but say ${q.model} over ${q.protocol} and ${p.model} over ${p.protocol}`,
        'E_VIRTUAL_ATTENUATOR_UNIT',
        'config',
      );
    }
    members.push([name, p]);
    units.set(key, members);
  }
  return [...units.values()];
}

export async function startVirtualAttenuators(
  placements: Record<string, BenchAttenuatorPlacement>,
  opts: StartBenchAttenuatorsOptions,
): Promise<Record<string, VirtualAttenuator>> {
  const started: Record<string, VirtualAttenuator> = {};
  const units: VirtualAttenuator[] = [];
  try {
    for (const members of groupByUnit(placements)) {
      const [name, placement] = members[0];
      const address = placement.address;
      const unit = await startVirtualAttenuator(
        placement.unit ?? members.map(([n]) => n).join('+'),
        {
          model: placement.model,
          protocol: placement.protocol,
          host: opts.host,
          port: Number(address.slice(address.lastIndexOf(':') + 1)),
          unit: units.length + 1,
          initialDb: opts.initialDb,
          onChange: (channel, db) => {
            for (const [n, p] of members) if (p.channel === undefined || p.channel === channel) opts.onChange(n, channel, db);
          },
        },
        opts.models ?? VIRTUAL_ATTENUATOR_MODELS,
      );
      units.push(unit);
      for (const [n] of members) started[n] = unit;
    }
  } catch (err) {
    await Promise.allSettled(units.map((a) => a.close()));
    throw err;
  }
  return started;
}
