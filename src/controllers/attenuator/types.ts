/**
 * One programmable step attenuator (or one unit with several channels), whatever
 * the model and the wire protocol. Drivers live one module per model family and
 * are looked up by `registry.ts` (labgrid style).
 *
 * Errors: a bad request (value outside the model's range, not a multiple of the
 * step) or a unit that rejects / clamps / does not read back what was asked is a
 * BenchError; a unit that does not answer (after one reopen + retry) is a
 * BenchError with code `E_ATTENUATOR`. A channel the model does not have or an
 * unknown model is a ConfigError.
 */

export interface AttenuatorIdentity {
  model: string;
  serial: string;
  maxDb: number;
  channels: number;
}

export interface Attenuator {
  /** Inventory name (e.g. `att1`), used in every error message. */
  readonly name: string;
  readonly model: string;
  /** Ask the unit who it is (model, serial) and what it can do. */
  identify(): Promise<AttenuatorIdentity>;
  /** Set one channel (1-based) and return the value read back from the unit. */
  set(channel: number, db: number): Promise<number>;
  /**
   * Set several channels: one request (`CHAN:1:2:SETATT:x`) when all share a value and the
   * unit allows it, else one after the other. Each channel is read back; the read-back
   * values are returned in the order given.
   */
  setMany(values: { channel: number; db: number }[]): Promise<number[]>;
  /** Read one channel (1-based). */
  get(channel: number): Promise<number>;
  /** Close the connection(s). Idempotent. */
  close(): Promise<void>;
}

export interface AttenuatorDriverSpec {
  /** Inventory name: the attenuator's, or the unit's when several attenuators are its channels. */
  name: string;
  /**
   * The inventory attenuators that are channels of this unit, when it has several (or a
   * name of its own): error messages name them beside the unit.
   */
  members?: { name: string; channel: number }[];
  model: string;
  protocol: 'http' | 'telnet';
  host: string;
  port: number;
  /** Per-request reply timeout in ms (default 2000). */
  timeoutMs?: number;
}

export type AttenuatorFactory = (spec: AttenuatorDriverSpec) => Attenuator;
