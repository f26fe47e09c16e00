/**
 * Roam triggers by the name the inventory's profile gives (`trigger: crossfade`): one
 * registration line per trigger. An unknown name is a ConfigError listing the known ones.
 */
import { ConfigError } from '../../errors.ts';
import { bssTransition } from './bss-transition.ts';
import { crossfade } from './crossfade.ts';
import { stationCommand } from './station-command.ts';
import { txpowerCrossfade } from './txpower-crossfade.ts';
import type { RoamTrigger } from './types.ts';

const triggers = new Map<string, RoamTrigger>();

export function registerRoamTrigger(t: RoamTrigger): void {
  triggers.set(t.name, t);
}

export function roamTriggerNames(): string[] {
  return [...triggers.keys()].sort();
}

export function roamTrigger(name: string, bench: string): RoamTrigger {
  const t = triggers.get(name);
  if (!t) {
    throw new ConfigError(`bench ${bench}: profile.trigger "${name}" is not a roam trigger; known: ${roamTriggerNames().join(', ')}`, { code: 'E_TRIGGER', subject: bench });
  }
  return t;
}

registerRoamTrigger(crossfade);
registerRoamTrigger(stationCommand);
registerRoamTrigger(bssTransition);
registerRoamTrigger(txpowerCrossfade);
