/**
 * What the virtual rig needs from any virtual attenuator unit, whatever its model
 * and wire protocol: where it listens, its faults, the value of each channel (which
 * the world model follows), and `close()`. Each model lives in its own module and is
 * registered by one line in `registry.ts`.
 *
 * Written for the virtual rig only: the controllers (src/controllers/attenuator) have
 * their own, unrelated `Attenuator` interface and must not be able to tell a virtual
 * unit from a real one.
 */

/** `timeout`: the unit takes commands but never answers; `garbage`: it answers random non-protocol bytes. */
export type VirtualAttenuatorFault = 'timeout' | 'garbage';

export interface VirtualAttenuatorPorts {
  /** HTTP port, null when the unit (or this instance) has no HTTP interface. */
  http: number | null;
  /** Telnet port, null when the unit (or this instance) has no telnet interface. */
  telnet: number | null;
}

export interface VirtualAttenuatorConnections {
  http: number;
  telnet: number;
  telnetRefused: number;
}

export interface VirtualAttenuator {
  /** The model string as the inventory gives it, e.g. `RCDAT-6000-60`, `8310`. */
  readonly model: string;
  readonly serial: string;
  readonly channels: number;
  /** Largest attenuation a channel can take, dB. */
  readonly maxDb: number;
  readonly ports: VirtualAttenuatorPorts;
  /** Client connections the unit has taken so far, per protocol, and telnet clients it turned away (one at a time). */
  connectionCounts(): VirtualAttenuatorConnections;
  /** Current attenuation of a channel (1-based), dB. */
  get(channel: number): number;
  /** Inject a fault (null: behave again). */
  setFault(fault: VirtualAttenuatorFault | null): void;
  /** Stop listening and drop every client. Idempotent. */
  close(): Promise<void>;
}

/** How the rig asks for one unit of a bench. */
export interface VirtualAttenuatorSpec {
  model: string;
  /** The protocol the inventory talks to it with; the unit must offer it. */
  protocol: 'http' | 'telnet';
  host: string;
  /** Port for `protocol`; 0 = any free port. */
  port: number;
  /** 1-based position of the unit on its bench: gives every unit its own serial number. */
  unit: number;
  /** Every channel's attenuation at power-on, dB. */
  initialDb: number;
  /** Called for every effective change (a channel's value really changed). */
  onChange: (channel: number, db: number) => void;
}

/** Starts one virtual unit of a model family. */
export type VirtualAttenuatorFactory = (spec: VirtualAttenuatorSpec) => Promise<VirtualAttenuator>;
