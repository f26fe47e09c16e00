/**
 * The relays of a virtual PDU, whatever protocol it speaks: outlet states (1-based),
 * the switch requests it got, and the `stuck` fault (the unit answers as usual but the
 * relays do not move: a welded relay, a controller in a bad state). A relay that really
 * moves calls `onSwitch`, which cuts or restores the board's power.
 */
export type PduFault = 'stuck' | null;

/** What the lab and the tests see of any virtual PDU. */
export interface VirtualPdu {
  readonly host: string;
  readonly port: number;
  readonly requests: { outlet: number; on: boolean }[];
  isOn(outlet: number): boolean;
  setFault(fault: PduFault): void;
  close(): Promise<void>;
}

export class OutletBank {
  private readonly state: boolean[];
  private stuck = false;
  readonly requests: { outlet: number; on: boolean }[] = [];

  constructor(
    readonly count: number,
    initiallyOn: boolean,
    private readonly onSwitch?: (outlet: number, on: boolean) => void,
  ) {
    this.state = Array.from({ length: count }, () => initiallyOn);
  }

  has(outlet: number): boolean {
    return Number.isInteger(outlet) && outlet >= 1 && outlet <= this.count;
  }

  isOn(outlet: number): boolean {
    return this.state[outlet - 1] === true;
  }

  setFault(fault: PduFault): void {
    this.stuck = fault === 'stuck';
  }

  /** A switch request: recorded; the relay moves unless the unit is stuck. */
  switch(outlet: number, on: boolean): void {
    this.requests.push({ outlet, on });
    if (this.stuck || this.state[outlet - 1] === on) return;
    this.state[outlet - 1] = on;
    this.onSwitch?.(outlet, on);
  }
}
