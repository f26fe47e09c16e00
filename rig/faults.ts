import type { VirtualAttenuator } from './attenuator/types.ts';
import { VirtualRigError } from './errors.ts';
import { ApBoard } from './device/ap-board.ts';
import type { Board } from './device/board.ts';
import { ClientBoard } from './device/client-board.ts';
import type { PingProcess } from './world/ping.ts';
import type { VirtualSshServer } from './ssh/server.ts';
import type { World } from './world/world.ts';
import type { BoardConsole } from './console/board-console.ts';
import { athOopsText } from './console/oops-text.ts';
import { MADWIFI_LOAD_ORDER } from './device/kernel/board-image.ts';

import type { FaultKind } from '../src/inventory/fault-kinds.ts';

export type { FaultKind };

/**
 * Every fault kind the inventory knows, each with what it does on this rig. A Record over
 * the inventory's FaultKind: the type checker fails when the two lists differ.
 */
const FAULT_EFFECTS: Record<FaultKind, string> = {
  'drop-ssh': "cut the device's SSH connections",
  reboot: 'reboot the device: SSH refused for a while, runtime state lost',
  'attenuator-timeout': 'the attenuator stops answering',
  'attenuator-garbage': 'the attenuator answers nonsense',
  'kill-ping': "SIGKILL the client's ping",
  'busybox-ping-exit': 'the ping exits as busybox does on a failed sendto',
  'never-roam': "the client's roam check is off for one cycle",
  'clock-jump': "the device's wall clock jumps",
  'arp-stall': "the client's next join loses its ARP entry: its pings wait a second for the ARP retry",
  hang: "the device's kernel wedges: SSH accepts, commands never return, until its power is cut (durationS: it hangs again at every boot for that long)",
  oops: 'a kernel oops in ath_pci on the serial console, then the device hangs as with `hang`',
  'pdu-stuck': "the device's power switch answers but its relays do not move",
  'sshd-dead': "the device's SSH server dies: connections cut and refused until the board reboots; the kernel, console and radio live on",
};
export const FAULT_KINDS = Object.keys(FAULT_EFFECTS) as FaultKind[];

export interface FaultSpec {
  kind: FaultKind;
  /** Device for drop-ssh, reboot, clock-jump, hang, oops, pdu-stuck, sshd-dead (default client). */
  device?: 'ap1' | 'ap2' | 'client';
  /** Attenuator name for the attenuator faults (default: the first). */
  attenuator?: string;
  /** With cycle markers: inject in this roam cycle. */
  atRoam?: number;
  /** Model seconds after the cycle start (atRoam) or after the lab started (no atRoam). Default 5. */
  afterS?: number;
  /** How long the condition lasts, model seconds (defaults in DEFAULT_DURATION_S). */
  durationS?: number;
  /** clock-jump: by how much, seconds (may be negative). Default 3600. */
  jumpS?: number;
}

/**
 * Default durations (model seconds). An attenuator is a real network peer with real
 * timeouts (2 s per request, one retry): a unit that stops answering for 600 model
 * seconds (6 s real at the default scale) makes both attempts fail.
 */
const DEFAULT_DURATION_S: Partial<Record<FaultKind, number>> = {
  reboot: 20,
  'attenuator-timeout': 600,
  'attenuator-garbage': 100,
  'pdu-stuck': 3600,
};

export interface FaultEvent {
  spec: FaultSpec;
  /** Model ms when it was injected. */
  atMs: number;
  /** The rig's cycle index at that moment (0 before the first). */
  cycle: number;
}

/** Parse `--fault kind[:target][@roam|@Ns]`, e.g. `reboot:client@3`, `attenuator-timeout:att1@40s`. */
export function parseFaultArg(arg: string): FaultSpec {
  const m = /^([a-z-]+)(?::([A-Za-z0-9_.-]+))?(?:@(\d+)(s)?)?$/.exec(arg.trim());
  if (!m || !(FAULT_KINDS as readonly string[]).includes(m[1])) {
    throw new Error(`bad --fault "${arg}": expected KIND[:DEVICE|ATTENUATOR][@ROAM|@SECONDSs], KIND one of ${FAULT_KINDS.join(', ')}`);
  }
  const kind = m[1] as FaultKind;
  const spec: FaultSpec = { kind };
  if (m[2]) {
    if (kind.startsWith('attenuator')) spec.attenuator = m[2];
    else if (['ap1', 'ap2', 'client'].includes(m[2])) spec.device = m[2] as FaultSpec['device'];
    else throw new Error(`bad --fault "${arg}": ${m[2]} is not ap1, ap2 or client`);
  }
  if (m[3]) {
    if (m[4]) spec.afterS = Number(m[3]);
    else spec.atRoam = Number(m[3]);
  }
  return spec;
}

/** Injects faults into a running lab: now, at a model time, or in a given roam cycle. */
export class FaultInjector {
  readonly injected: FaultEvent[] = [];
  private cycle = 0;
  private pending: FaultSpec[] = [];
  /** Per device: the virtual power switch feeding it (set by the lab when the bench has power outlets). */
  pdus: Record<string, { setFault(fault: 'stuck' | null): void }> = {};

  constructor(
    private readonly world: World,
    private readonly boards: Record<string, Board>,
    private readonly ssh: Record<string, VirtualSshServer>,
    private readonly attenuators: Record<string, VirtualAttenuator>,
    private readonly consoles: Record<string, BoardConsole> = {},
  ) {}

  /** Faults for later: by roam (needs cycle markers) or by model time since start. */
  schedule(specs: FaultSpec[]): void {
    for (const s of specs) {
      if (s.kind === 'pdu-stuck' && !this.pdus[s.device ?? 'client']) {
        throw new VirtualRigError(`pdu-stuck: ${s.device ?? 'client'} has no power outlet on this bench (give it power: in the inventory)`, 'E_VIRTUAL_FAULT', 'config');
      }
    }
    for (const s of specs) {
      if (s.atRoam !== undefined) this.pending.push(s);
      else this.world.sched.at((s.afterS ?? 5) * 1000, () => this.inject(s));
    }
  }

  /** The rig started cycle `index` (called by the lab's cycle marker). */
  cycleStarted(index: number): void {
    this.cycle = index;
    for (const s of this.pending.filter((p) => p.atRoam === index)) {
      this.world.sched.after((s.afterS ?? 5) * 1000, () => this.inject(s));
    }
    this.pending = this.pending.filter((p) => p.atRoam !== index);
  }

  inject(spec: FaultSpec): void {
    const w = this.world;
    w.sched.now();
    this.injected.push({ spec, atMs: w.sched.now(), cycle: this.cycle });
    const device = spec.device ?? 'client';
    const duration = (spec.durationS ?? DEFAULT_DURATION_S[spec.kind] ?? 20) * 1000;
    switch (spec.kind) {
      case 'drop-ssh':
        this.ssh[device].dropConnections();
        break;
      case 'reboot': {
        const server = this.ssh[device];
        server.setRefusing(true);
        server.dropConnections();
        const board = this.boards[device];
        if (board instanceof ClientBoard || board instanceof ApBoard) board.powerCycle();
        // Files under /tmp, processes, loaded kernel modules: whatever the board keeps only at runtime.
        (board as Board & { reboot?: () => void }).reboot?.();
        w.sched.after(duration, () => server.setRefusing(false));
        break;
      }
      case 'attenuator-timeout':
      case 'attenuator-garbage': {
        const att = this.attenuators[spec.attenuator ?? Object.keys(this.attenuators)[0]];
        att.setFault(spec.kind === 'attenuator-timeout' ? 'timeout' : 'garbage');
        w.sched.after(duration, () => att.setFault(null));
        break;
      }
      case 'kill-ping':
        for (const p of [...this.client().pings]) p.die(null, 137);
        break;
      case 'busybox-ping-exit':
        for (const p of [...this.client().pings]) p.die('ping: sendto: Network is unreachable', 1);
        break;
      case 'never-roam': {
        // The station stays where it is (its own roam check and a roam command alike), until
        // the rig gives up on this cycle and starts the next one.
        w.client.roamingHeld = true;
        const at = this.cycle;
        const restore = (): void => {
          if (this.cycle !== at) w.client.roamingHeld = false;
          else w.sched.after(1000, restore);
        };
        w.sched.after(1000, restore);
        break;
      }
      case 'clock-jump':
        this.boards[device].clockOffsetMs += (spec.jumpS ?? 3600) * 1000;
        break;
      case 'arp-stall':
        // The next join loses the station's ARP entry for the next hop (world/station.ts neighbourHold()).
        w.client.arpStallAtNextJoin = true;
        break;
      case 'oops': {
        // The kernel prints the oops (printk reaches the UART even now), then the board is wedged.
        const pings = (this.boards[device] as Board & { pings?: Set<PingProcess> }).pings;
        const busy = pings !== undefined && pings.size > 0;
        this.consoles[device]?.printk(athOopsText({ process: busy ? 'ping' : 'swapper', pid: busy ? 1042 : 0, modules: [...MADWIFI_LOAD_ORDER].reverse() }));
        this.hang(device, spec);
        break;
      }
      case 'hang':
        this.hang(device, spec);
        break;
      case 'sshd-dead': {
        // dropbear is gone; the next boot starts it again (the board's power-up stops refusing).
        const server = this.ssh[device];
        server.setRefusing(true);
        server.dropConnections();
        break;
      }
      case 'pdu-stuck': {
        const pdu = this.pdus[device];
        if (!pdu) throw new Error(`pdu-stuck: ${device} has no power outlet on this bench (give it power: in the inventory)`);
        pdu.setFault('stuck');
        w.sched.after(duration, () => pdu.setFault(null));
        break;
      }
    }
  }

  /** Wedge a board until its power goes; with durationS, every boot in that time wedges it again. */
  private hang(device: string, spec: FaultSpec): void {
    const b = this.boards[device];
    b.hung = true;
    if (spec.durationS !== undefined) b.hungUntilModelMs = this.world.sched.now() + spec.durationS * 1000;
  }

  /** The client board's running pings (the madwifi board and the nl80211 board both keep them). */
  private client(): { pings: Set<PingProcess> } {
    const b = this.boards.client as Board & { pings?: Set<PingProcess> };
    if (!b.pings) throw new Error('the virtual client board runs no ping');
    return { pings: b.pings };
  }
}
