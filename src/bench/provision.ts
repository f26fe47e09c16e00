/**
 * Provisioning: making a bench exist before the rig talks to it. A real bench is
 * already there (nothing to do); a virtual bench is started by the virtual rig. The
 * CLI and the programmatic API choose the provisioner and pass it in, so the roam and
 * flash strategies never know which kind of bench they drive.
 */
import type { Bench } from '../inventory/schema.ts';

/** Where a device, attenuator or power switch really listens when it is not the inventory's address (a virtual rig's ports). */
export interface EndpointOverrides {
  devices?: Record<string, { host: string; port: number; hostKeyFingerprint?: string }>;
  /** Per attenuator: the address of the protocol the inventory names (older virtual rigs give both ports). */
  attenuators?: Record<string, { host: string; port?: number; httpPort?: number; telnetPort?: number | null }>;
  /** Per device: its power switch. */
  power?: Record<string, { host: string; port: number }>;
  /** Per device: its console server port. */
  console?: Record<string, { host: string; port: number }>;
}

export interface ProvisionRequest {
  /** The firmware variant the boards should run when the bench comes up (a virtual bench boots it). */
  firmware?: string;
  timeScale: number;
  /** Where a virtual bench writes what really happened (JSON lines). */
  groundTruthFile?: string;
  log?: (message: string) => void;
}

export interface ProvisionedBench {
  endpoints?: EndpointOverrides;
  /** Told when a roam cycle starts and ends (a virtual bench numbers its ground truth by them). */
  beginCycle?(index: number): void;
  endCycle?(index: number): void;
  stop(): Promise<void>;
}

export type Provisioner = (bench: Bench, req: ProvisionRequest) => Promise<ProvisionedBench>;

/** A real bench: the boards and attenuators are where the inventory says. */
export const realBench: Provisioner = async () => ({ stop: async () => {} });
