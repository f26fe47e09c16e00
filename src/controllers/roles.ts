/**
 * Device roles: what the roam and flash strategies need from a board, whatever its
 * driver. labgrid calls these protocols; the inventory picks one implementation per
 * device (`driver:`) through the registries in drivers.ts. Nothing here is madwifi's:
 * madwifi (controllers/madwifi/) is one implementation of Station and AccessPoint.
 */
import type { WepKey } from './wep-key.ts';
import type { BenchClock } from './bench-clock.ts';
import type { ExecResult } from './ssh/types.ts';

/** What a radio reports about its link now. */
export interface LinkInfo {
  /** Station: the AP it is associated with; AP: its own BSSID. Upper case; null when none. */
  bssid: string | null;
  essid: string | null;
  /** Station: the signal from its AP (dBm); null when not associated or not reported. */
  signalDbm: number | null;
  /** The radio's noise floor (dBm) when the driver reports one (madwifi's iwconfig: `Noise level`). */
  noiseDbm?: number | null;
  channel: number | null;
}

/** An association event from the station: joined `bssid`, or left (null). */
export interface AssociationEvent {
  /** Board time, epoch ms (as the board stamped it). */
  atMs: number;
  /** When the event reached the rig, on the bench clock (for pings without their own stamps). */
  arrivedMs: number;
  bssid: string | null;
}

/** A long-running event source on a device (the station's association events). */
export interface EventStream {
  /** Resolves when the stream ends: stopped, the command exited, the connection was lost. */
  readonly done: Promise<unknown>;
  stop(): void;
}

export interface StationSettings {
  essid: string;
  /** Driver-specific roaming knobs from the inventory (`roaming:`), name -> value. */
  roaming: Record<string, number>;
  /** WPA-PSK passphrase, or null for an open network. */
  psk: string | null;
  /** The channels the bench's APs use: a driver that can may limit its scans to them. */
  channels?: number[];
  /** WEP (static key), when the bench uses it. */
  wep?: WepSettings | null;
}

export interface AccessPointSettings {
  essid: string;
  channel: number;
  psk: string | null;
  /** WEP (static key), when the bench uses it. */
  wep?: WepSettings | null;
}

/** A static WEP key in one of the four slots, and iwconfig's open / restricted mode. */
export interface WepSettings {
  key: WepKey;
  index: number;
  keyMode: 'open' | 'restricted';
}

/** The client: joins the network, reports its link, streams its association events, roams on request. */
export interface Station {
  /** Inventory name of the device. */
  readonly name: string;
  /** Implementation name (`madwifi`, ...). */
  readonly driver: string;
  configure(settings: StationSettings): Promise<void>;
  link(): Promise<LinkInfo>;
  /** Wait (bench time) until associated to one of `bssids` (any AP when omitted); returns the BSSID. */
  waitAssociated(clock: BenchClock, timeoutMs: number, bssids?: string[], signal?: AbortSignal): Promise<string>;
  watchAssociations(clock: BenchClock, listener: (e: AssociationEvent) => void): EventStream;
  /** Ask the station to move to `bssid` now (the station-command roam trigger). */
  roamTo(bssid: string): Promise<void>;
  /**
   * roamTo() pins the station to that BSSID until the next roamTo (madwifi's `iwconfig athN
   * ap BSSID`): it then roams on no signal of its own. wpa_supplicant's `roam` does not pin.
   */
  readonly roamCommandPins?: boolean;
  /**
   * Scan now and return when the scan is done, so the driver's next roam check finds a
   * fresh scan cache (madwifi: `iwlist athN scan`, SIOCSIWSCAN). Absent: the driver
   * cannot be asked.
   */
  scan?(): Promise<void>;
  /**
   * The signal below which the driver's own roam check moves, in dB above the noise floor,
   * on `channel` (madwifi: the rssi11a/rssi11g knobs it was configured with); null when the
   * driver has no such check or it is unknown.
   */
  roamThresholdDb?(channel: number): number | null;
  /** How long a scan keeps the driver's cache fresh for its roam check, ms (madwifi: `scanvalid`); null when unknown. */
  scanValidMs?(): number | null;
  /**
   * Optional: the noise floor (dBm) on the current link now, when the driver reports one
   * and link() does not (nl80211: `wpa_cli signal_poll`'s NOISE); null when unknown.
   */
  noiseDbm?(): Promise<number | null>;
}

/** An access point: serves the network; says which stations it has. */
export interface AccessPoint {
  readonly name: string;
  readonly driver: string;
  /** Bring the network up; returns the AP's BSSID. */
  configure(settings: AccessPointSettings): Promise<string>;
  link(): Promise<LinkInfo>;
  /** MAC addresses (upper case) of the stations associated now. */
  stations(): Promise<string[]>;
  /**
   * Optional: ask the associated `station` (MAC) to move to `target` (an IEEE 802.11v BSS
   * Transition Management request; the bss-transition roam trigger). A driver whose AP
   * cannot (madwifi 0.9) leaves it out, and the trigger says so naming the bench.
   */
  requestTransition?(station: string, target: TransitionTarget): Promise<void>;
  /**
   * Optional: set the radio's transmit power (whole dBm); returns what the radio reports
   * back (null when it reports none). The txpower-crossfade roam trigger ramps it.
   */
  setTxPower?(dbm: number): Promise<number | null>;
}

/** The AP a BSS Transition Management request points the station to. */
export interface TransitionTarget {
  bssid: string;
  channel: number;
}

export type PowerState = 'on' | 'off';

/** One outlet of a network power switch (PDU) feeding one board. */
export interface PowerSwitch {
  /** Inventory name of the device it powers. */
  readonly name: string;
  readonly driver: string;
  /** Switch on; resolves once the outlet reads back on. */
  on(): Promise<void>;
  /** Switch off; resolves once the outlet reads back off. */
  off(): Promise<void>;
  /** Off, wait `offMs` of real time, on. */
  cycle(offMs: number): Promise<void>;
  state(): Promise<PowerState>;
  close(): Promise<void>;
}

/** A board's serial console (through a console server). */
export interface Console {
  readonly name: string;
  readonly driver: string;
  /** Where the console server is (`telnet://host:port`, `tcp://host:port`), for messages. */
  readonly address: string;
  /** Connect; the capture runs from here until close(). */
  start(): Promise<void>;
  /** Everything the console printed since the capture started (boot log, oopses), as far as memory holds it. */
  captured(): string;
  /** Characters printed since the capture started: a mark for capturedSince(). */
  readonly capturedChars: number;
  /** What the console printed after `mark`. */
  capturedSince(mark: number): string;
  /** Log in if needed and run one command on the console (stdout and stderr merged; `timedOut` when no prompt or no end came). */
  run(command: string, timeoutMs: number): Promise<ExecResult>;
  /** Bytes typed at the console as they are (a terminal attached: `rig console`); throws when the connection is down. */
  send(bytes: Buffer): void;
  close(): Promise<void>;
}
