/**
 * Power for a virtual board that has no virtual kernel (the nl80211 client: no madwifi
 * modules, nothing to flash): the same three operations as VirtualKernel's
 * (kernel/virtual-kernel.ts) without modules. Off: SSH refused and its connections cut,
 * the board's runtime state lost (Board.reboot() and its extensions). On: the boot time
 * passes, /proc/uptime restarts, SSH answers again.
 */
import type { Board } from './board.ts';

/** What the lab's reboot and power switches need of a board (VirtualKernel has the same). */
export interface BoardPower {
  reboot(): Promise<void>;
  powerOff(): void;
  powerOn(): Promise<void>;
}

export interface PlainBoardPowerOptions {
  board: Board;
  /** The board's SSH server (looked up when needed: it starts after the board). */
  ssh: () => { setRefusing(refuse: boolean): void; dropConnections(): void } | undefined;
  /** Wait `ms` of model time. */
  wait: (ms: number) => Promise<void>;
  bootMs: number;
}

export function plainBoardPower(o: PlainBoardPowerOptions): BoardPower {
  let powered = true;
  let booting: Promise<void> | null = null;
  const off = (): void => {
    o.ssh()?.setRefusing(true);
    o.ssh()?.dropConnections();
    o.board.reboot();
  };
  const boot = (): Promise<void> =>
    (booting ??= o.wait(o.bootMs).then(() => {
      booting = null;
      o.board.kernelStarted();
      o.ssh()?.setRefusing(false);
    }));
  return {
    reboot: async () => {
      if (!powered) return;
      off();
      await boot();
    },
    powerOff: () => {
      if (!powered) return;
      powered = false;
      off();
    },
    powerOn: async () => {
      if (powered) return booting ?? undefined;
      powered = true;
      await boot();
    },
  };
}
