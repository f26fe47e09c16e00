/**
 * Virtual attenuator units by model: one line per model family (the model prefixes
 * it answers for, the protocols it speaks, the factory that starts a unit). The
 * rig picks the unit by the inventory's `model` (longest matching prefix,
 * case-insensitive); an unknown model, or a protocol the model does not speak, is a
 * configuration error that lists the virtual models there are.
 */
import { VirtualRigError } from '../errors.ts';
import { MINICIRCUITS_MODEL_PREFIXES, startMiniCircuitsUnit } from './minicircuits-server.ts';
import type { VirtualAttenuator, VirtualAttenuatorFactory, VirtualAttenuatorSpec } from './types.ts';
import { WEINSCHEL_8310_MODEL_PREFIXES, startWeinschel8310Unit } from './weinschel-8310-server.ts';

export interface VirtualAttenuatorModel {
  modelPrefixes: readonly string[];
  protocols: readonly VirtualAttenuatorSpec['protocol'][];
  start: VirtualAttenuatorFactory;
}

export const VIRTUAL_ATTENUATOR_MODELS: readonly VirtualAttenuatorModel[] = [
  { modelPrefixes: MINICIRCUITS_MODEL_PREFIXES, protocols: ['http', 'telnet'], start: startMiniCircuitsUnit },
  { modelPrefixes: WEINSCHEL_8310_MODEL_PREFIXES, protocols: ['telnet'], start: startWeinschel8310Unit },
];

/** `RCDAT* (http, telnet), ..., 8310* (telnet)`: for error messages and help. */
export function describeVirtualAttenuatorModels(models: readonly VirtualAttenuatorModel[] = VIRTUAL_ATTENUATOR_MODELS): string {
  return models.map((m) => `${m.modelPrefixes.map((p) => `${p}*`).join(', ')} (${m.protocols.join(', ')})`).join('; ');
}

/** The model family for `model` (longest prefix wins), or null. */
export function findVirtualAttenuatorModel(
  model: string,
  models: readonly VirtualAttenuatorModel[] = VIRTUAL_ATTENUATOR_MODELS,
): VirtualAttenuatorModel | null {
  const wanted = model.trim().toUpperCase();
  let best: { m: VirtualAttenuatorModel; len: number } | null = null;
  for (const m of models) {
    for (const p of m.modelPrefixes) {
      if (wanted.startsWith(p.toUpperCase()) && (!best || p.length > best.len)) best = { m, len: p.length };
    }
  }
  return best?.m ?? null;
}

/** Start the virtual unit for `spec.model`, speaking `spec.protocol`. `name` is the inventory's, for messages. */
export async function startVirtualAttenuator(
  name: string,
  spec: VirtualAttenuatorSpec,
  models: readonly VirtualAttenuatorModel[] = VIRTUAL_ATTENUATOR_MODELS,
): Promise<VirtualAttenuator> {
  const found = findVirtualAttenuatorModel(spec.model, models);
  if (!found) {
    throw new VirtualRigError(
      `attenuator "${name}": the virtual rig has no unit of model "${spec.model}"; virtual models: ${describeVirtualAttenuatorModels(models)}`,
      'E_VIRTUAL_ATTENUATOR_MODEL',
      'config',
    );
  }
  if (!found.protocols.includes(spec.protocol)) {
    throw new VirtualRigError(
      `attenuator "${name}": the virtual ${spec.model} does not speak ${spec.protocol} (it speaks ${found.protocols.join(', ')}); virtual models: ${describeVirtualAttenuatorModels(models)}`,
      'E_VIRTUAL_ATTENUATOR_PROTOCOL',
      'config',
    );
  }
  return found.start(spec);
}
