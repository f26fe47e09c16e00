import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Why the model dropped a ping. */
export type DropReason =
  | 'tx-not-associated' // sent while the station was between APs (scan/auth/assoc)
  | 'tx-noop-qdisc' // sent while linkwatch had the device on the noop qdisc (ticket 1404)
  | 'tx-no-keys' // WPA: data before the 4-way handshake installed the pairwise key
  | 'tx-off-channel' // sent while a background scan had the radio on another channel (it cancels the scan, and is lost)
  | 'rx-not-associated' // the reply came back while the station was not on that AP any more
  | 'rx-no-keys';

export interface RoamTruth {
  fromBssid: string;
  toBssid: string;
  /**
   * Board epoch ms the station stopped being usable on the old AP: the start of
   * ieee80211_sta_join1()'s channel switch on a roam the driver decided, the leave itself
   * on a commanded rescan.
   */
  tDepartMs: number;
  /** Board epoch ms of the leave (ieee80211_sta_leave() -> ieee80211_notify_node_leave()) and of the join. */
  tLeaveMs: number;
  tJoinMs: number;
  /** The station's management frames of this join, in order, with the AP's answers (association.ts). */
  mgmt: { frame: 'auth' | 'assoc' | 'reassoc'; atMs: number; outcome: string }[];
  /** When netif_carrier_off/on really happened (null: no carrier transition, e.g. patched). */
  carrierOffMs: number | null;
  carrierOnMs: number | null;
  /** When linkwatch put the device on the noop qdisc and took it off again. */
  qdiscOffMs: number | null;
  qdiscOnMs: number | null;
  /** Patched driver: the deferred leave notification was cancelled by the join, or fired. */
  deferredLeave: 'cancelled' | 'fired' | null;
  /**
   * The true transmit blackout after the association, ms: from the join until a packet the
   * station transmits would get through again (associated, qdisc active, and the pairwise key
   * installed under WPA: Station.txVerdict()), whatever ping happened to send; 0 when nothing
   * blocked it at the join; null while unknown (the roam is still in its blackout) or when
   * the station left again before the path came back.
   */
  postJoinTxBlackoutMs: number | null;
}

export interface HandshakeTruth {
  bssid: string;
  startMs: number;
  /** EAPOL frames in order, with their fate. */
  frames: { msg: 1 | 2 | 3 | 4; atMs: number; attempt: number; delivered: boolean }[];
  /** hostapd retransmissions of message 1 / 3 (pairwise update timeout, 1 s). */
  retries: number;
  completedMs: number | null;
  failed: boolean;
}

export interface GroundTruthEntry {
  index: number;
  droppedSeqs: number[];
  drops: { seq: number; reason: DropReason; atMs: number }[];
  roams: RoamTruth[];
  handshakes: HandshakeTruth[];
  /** Echo requests that waited in the neighbour queue (an ARP stall after a join), and how long, ms. */
  held: { seq: number; heldMs: number }[];
}

/**
 * The virtual rig's record of what really happened, one entry per roam cycle.
 * With cycle markers (the rig in-process announces each cycle's start), entries
 * follow the rig's cycle index; without them (standalone lab) each roam opens a
 * new entry, numbered from 1. Drops before the first entry go to index 0.
 */
export class GroundTruthLog {
  private current: GroundTruthEntry | undefined;
  private roamOrdinal = 0;
  private marked = false;
  /** The entries written, kept in memory only without a file (with one, a long run would hold every cycle's). */
  readonly entries: GroundTruthEntry[] = [];

  constructor(private readonly file?: string) {
    if (file) mkdirSync(dirname(file), { recursive: true });
  }

  /** The rig starts cycle `index` (its crossfade begins now). */
  beginCycle(index: number): void {
    this.marked = true;
    this.open(index);
  }

  /**
   * The rig finished cycle `index`: write its entry now (before the rig appends its
   * record, so a crash never leaves a record without its truth; a resumed run that
   * repeats a cycle writes a newer entry with the same index, and the last one counts).
   */
  endCycle(index: number): void {
    if (this.current?.index === index) this.flush();
  }

  roamStarted(): void {
    this.roamOrdinal++;
    if (!this.marked) this.open(this.roamOrdinal);
  }

  addRoam(r: RoamTruth): void {
    this.entry().roams.push(r);
  }

  addHandshake(h: HandshakeTruth): void {
    this.entry().handshakes.push(h);
  }

  drop(seq: number, reason: DropReason, atMs: number): void {
    const e = this.entry();
    e.drops.push({ seq, reason, atMs });
    if (!e.droppedSeqs.includes(seq)) e.droppedSeqs.push(seq);
  }

  /** An echo request waited `heldMs` for the next hop's ARP resolution. */
  held(seq: number, heldMs: number): void {
    this.entry().held.push({ seq, heldMs });
  }

  /** Write the open entry (at the end of a run). */
  flush(): void {
    if (this.current) this.write(this.current);
    this.current = undefined;
  }

  private entry(): GroundTruthEntry {
    if (!this.current) this.open(0);
    return this.current!;
  }

  private open(index: number): void {
    if (this.current) this.write(this.current);
    this.current = { index, droppedSeqs: [], drops: [], roams: [], handshakes: [], held: [] };
  }

  private write(e: GroundTruthEntry): void {
    e.droppedSeqs.sort((a, b) => a - b);
    if (this.file) appendFileSync(this.file, JSON.stringify(e) + '\n');
    else this.entries.push(e);
  }
}
