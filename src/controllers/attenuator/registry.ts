/**
 * Attenuator drivers, looked up by model family and protocol (labgrid style: one
 * tiny module per model family registers itself here). The inventory names a model
 * (`RCDAT-6000-60`) and a protocol (`http`); `createAttenuator` finds the driver.
 */
import { ConfigError } from '../../errors.ts';
import type { Attenuator, AttenuatorDriverSpec, AttenuatorFactory } from './types.ts';
import { MINICIRCUITS_MODEL_PREFIXES, createMiniCircuitsHttpAttenuator } from './minicircuits-http.ts';
import { createMiniCircuitsTelnetAttenuator } from './minicircuits-telnet.ts';
import { WEINSCHEL_8310_MODEL_PREFIXES, createWeinschel8310Attenuator } from './weinschel-8310.ts';

export type AttenuatorProtocol = AttenuatorDriverSpec['protocol'];

export interface AttenuatorDriverMatch {
  /** Model name prefixes (case-insensitive), e.g. `['RCDAT', 'RUDAT']`. */
  modelPrefix: string[];
  protocol: AttenuatorProtocol;
}

interface Registration {
  match: AttenuatorDriverMatch;
  factory: AttenuatorFactory;
}

const registrations: Registration[] = [];

/**
 * Register a driver for models starting with one of `match.modelPrefix` spoken over
 * `match.protocol`. A later registration for the same prefix and protocol wins;
 * the longest matching prefix wins over shorter ones.
 */
export function registerAttenuatorDriver(match: AttenuatorDriverMatch, factory: AttenuatorFactory): void {
  if (match.modelPrefix.length === 0 || match.modelPrefix.some((p) => p.trim() === '')) {
    throw new Error('registerAttenuatorDriver: modelPrefix must list at least one non-empty prefix');
  }
  registrations.push({ match: { modelPrefix: match.modelPrefix.map((p) => p.trim()), protocol: match.protocol }, factory });
}

/** Every registered model prefix with the protocols it is supported over, sorted. */
export function supportedAttenuatorModels(): { modelPrefix: string; protocols: AttenuatorProtocol[] }[] {
  const byPrefix = new Map<string, Set<AttenuatorProtocol>>();
  for (const r of registrations) {
    for (const p of r.match.modelPrefix) {
      const key = p.toUpperCase();
      if (!byPrefix.has(key)) byPrefix.set(key, new Set());
      byPrefix.get(key)!.add(r.match.protocol);
    }
  }
  return [...byPrefix.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([modelPrefix, protocols]) => ({ modelPrefix, protocols: [...protocols].sort() }));
}

function describeSupported(): string {
  return supportedAttenuatorModels()
    .map((s) => `${s.modelPrefix}* (${s.protocols.join(', ')})`)
    .join(', ');
}

/** Find the driver for `spec.model` over `spec.protocol` and create the attenuator (no I/O yet). */
export function createAttenuator(spec: AttenuatorDriverSpec): Attenuator {
  const model = (spec.model ?? '').trim().toUpperCase();
  let best: { reg: Registration; len: number } | null = null;
  let modelKnown = false;
  for (let i = registrations.length - 1; i >= 0; i--) {
    const reg = registrations[i];
    for (const prefix of reg.match.modelPrefix) {
      if (!model.startsWith(prefix.toUpperCase())) continue;
      modelKnown = true;
      if (reg.match.protocol !== spec.protocol) continue;
      if (!best || prefix.length > best.len) best = { reg, len: prefix.length };
    }
  }
  if (!best) {
    const why = modelKnown
      ? `model "${spec.model}" is not supported over protocol "${spec.protocol}"`
      : `unknown attenuator model "${spec.model}"`;
    throw new ConfigError(`attenuator "${spec.name}": ${why}; supported models: ${describeSupported()}`, {
      code: 'E_ATTENUATOR_MODEL',
      subject: spec.name,
    });
  }
  return best.reg.factory(spec);
}

// Built-in drivers.
registerAttenuatorDriver({ modelPrefix: [...MINICIRCUITS_MODEL_PREFIXES], protocol: 'http' }, createMiniCircuitsHttpAttenuator);
registerAttenuatorDriver({ modelPrefix: [...MINICIRCUITS_MODEL_PREFIXES], protocol: 'telnet' }, createMiniCircuitsTelnetAttenuator);
registerAttenuatorDriver({ modelPrefix: [...WEINSCHEL_8310_MODEL_PREFIXES], protocol: 'telnet' }, createWeinschel8310Attenuator);
