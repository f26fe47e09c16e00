/**
 * A VAP's static WEP state, as madwifi 0.9.3 keeps it (ieee80211_ioctl_siwencode()):
 * four key slots (5, 13 or 16 bytes each), the transmit slot, privacy on or off, and
 * `restricted` (drop unencrypted frames) or `open`. Keys are kept as lower-case hex and
 * never printed (iwconfig shows `****`).
 */
export class WepState {
  readonly keys: (string | null)[] = [null, null, null, null];
  txIndex = 0;
  enabled = false;
  restricted = false;

  /** Privacy (the capability bit in beacons, encryption of data frames). */
  get privacy(): boolean {
    return this.enabled && this.keys[this.txIndex] !== null;
  }

  /** The key the VAP transmits with, or null. */
  get txKey(): string | null {
    return this.privacy ? this.keys[this.txIndex] : null;
  }

  reset(): void {
    this.keys.fill(null);
    this.txIndex = 0;
    this.enabled = false;
    this.restricted = false;
  }
}
