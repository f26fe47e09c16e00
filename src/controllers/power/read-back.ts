/**
 * The read-back every power switch does after switching: poll the outlet's state until
 * it shows what was asked, within the settle time (relays take a moment). A switch that
 * answers but does not move is an error naming the device and outlet (E_POWER_STUCK),
 * not a success.
 */
import { BenchError } from '../../errors.ts';
import type { PowerState, PowerSwitch } from '../roles.ts';

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

/**
 * A power switch that asks its unit to switch (`askToSwitch`, the backend's own protocol) and
 * then reads the outlet back (confirmSwitched): on, off and cycle for every backend.
 */
export abstract class ReadBackPowerSwitch implements PowerSwitch, ReadableOutlet {
  abstract readonly driver: string;
  abstract readonly name: string;

  /** `settleMs`: how long the relays may take to show the new state (the inventory's, default 2000). */
  constructor(private readonly settleMs: number) {}

  abstract describe(): string;
  abstract state(): Promise<PowerState>;
  /** Ask the unit to switch the outlet; no read-back. */
  protected abstract askToSwitch(want: PowerState): Promise<void>;

  private async switchTo(want: PowerState): Promise<void> {
    await this.askToSwitch(want);
    await confirmSwitched(this, want, this.settleMs);
  }

  on(): Promise<void> {
    return this.switchTo('on');
  }

  off(): Promise<void> {
    return this.switchTo('off');
  }

  /** Off, wait `offMs` of real time, on; each step read back. */
  async cycle(offMs: number): Promise<void> {
    await this.off();
    await new Promise((r) => setTimeout(r, offMs));
    await this.on();
  }

  /** Nothing held between requests (HTTP, a local command); a backend with a session closes it. */
  async close(): Promise<void> {}
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
