/**
 * The read-back every power switch does after switching: poll the outlet's state until
 * it shows what was asked, within the settle time (relays take a moment). A switch that
 * answers but does not move is an error naming the device and outlet (E_POWER_STUCK),
 * not a success.
 */
import { BenchError } from '../../errors.ts';
import type { PowerState } from '../roles.ts';

export interface ReadableOutlet {
  /** The device the outlet powers. */
  readonly name: string;
  /** "power switch for <device> (<backend> at <where>, outlet <n>)" */
  describe(): string;
  state(): Promise<PowerState>;
}

export async function confirmSwitched(outlet: ReadableOutlet, want: PowerState, settleMs: number): Promise<void> {
  const deadline = performance.now() + settleMs;
  let seen: PowerState = await outlet.state();
  for (let i = 0; i < 200 && seen !== want && performance.now() <= deadline; i++) {
    await new Promise((r) => setTimeout(r, 50));
    seen = await outlet.state();
  }
  if (seen !== want) {
    throw new BenchError(`${outlet.describe()}: switched ${want}, but the outlet reads back ${seen}: the unit did not switch`, { code: 'E_POWER_STUCK', subject: outlet.name });
  }
}

/** Off, wait `offMs` of real time, on; each step read back. */
export async function cycleOutlet(sw: { on(): Promise<void>; off(): Promise<void> }, offMs: number): Promise<void> {
  await sw.off();
  await new Promise((r) => setTimeout(r, offMs));
  await sw.on();
}

/** A secret from the environment variable the inventory names; missing is a config error naming the variable (never a value). */
export function secretFrom(env: Readonly<Record<string, string | undefined>>, name: string | undefined, what: string, device: string): string | undefined {
  if (name === undefined) return undefined;
  const v = env[name];
  if (v === undefined || v === '') {
    throw new BenchError(`${device}: the power switch's ${what} is read from the environment variable ${name}, which is not set`, { code: 'E_SECRET_ENV', subject: device });
  }
  return v;
}
