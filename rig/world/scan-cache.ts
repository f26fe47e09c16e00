import type { AccessPoint } from './access-point.ts';

/**
 * The station's scan cache, madwifi 0.9.3 net80211/ieee80211_scan_sta.c (struct sta_entry):
 *
 * - sta_add(): every beacon or probe response heard while scanning updates the AP's entry:
 *   the RSSI through a low-pass filter over RSSI_LPF_LEN (10) samples (se_avgrssi, the first
 *   sample taken as is), se_rssi = the filter's value; se_seen = 1, se_notseen = 0; a failure
 *   count older than STA_FAILS_AGE (2 min) is cleared.
 * - sta_roam_check() writes the node's current RSSI into the current AP's se_rssi ("the most
 *   up to date rssi is in the node, not the scan cache") and leaves the filter alone: the next
 *   sample is filtered from se_avgrssi again.
 * - sta_update_notseen(), from sta_pick_bss() once per scan (st_newscan): an entry seen since
 *   the last update is reset, one not seen counts se_notseen up. match_bss() ignores an entry
 *   with se_notseen >= STA_PURGE_SCANS (2) or se_fails >= STA_FAILS_MAX (2); sta_age() frees
 *   one with se_notseen > STA_PURGE_SCANS.
 * - sta_assoc_fail(): se_fails++ (ieee80211_scan_assoc_fail() after a failed join).
 */
export const STA_FAILS_MAX = 2;
export const STA_PURGE_SCANS = 2;
const STA_FAILS_AGE_MS = 2 * 60_000;
const RSSI_LPF_LEN = 10;

export interface ScanEntry {
  /** se_avgrssi (the filter's state, in RSSI units). */
  avg: number;
  /** se_rssi: what select_bss() compares. */
  rssi: number;
  seen: boolean;
  notseen: number;
  fails: number;
  lastFailMs: number;
  /** Model ms the entry was last updated from a frame (se_lastupdate). */
  heardAtMs: number;
}

export class ScanCache {
  /** In insertion order (the TAILQ select_bss() walks; the first of equals wins). */
  private readonly entries = new Map<AccessPoint, ScanEntry>();

  /** sta_add() for one frame heard from `ap` with this RSSI at model time `now`. */
  add(ap: AccessPoint, rssi: number, now: number): void {
    let e = this.entries.get(ap);
    if (!e) {
      e = { avg: rssi, rssi, seen: true, notseen: 0, fails: 0, lastFailMs: -Infinity, heardAtMs: now };
      this.entries.set(ap, e);
    } else {
      e.avg = (e.avg * (RSSI_LPF_LEN - 1) + rssi) / RSSI_LPF_LEN;
    }
    e.rssi = Math.round(e.avg);
    e.seen = true;
    e.notseen = 0;
    e.heardAtMs = now;
    if (e.fails && now - e.lastFailMs > STA_FAILS_AGE_MS) e.fails = 0;
  }

  get(ap: AccessPoint): ScanEntry | undefined {
    return this.entries.get(ap);
  }

  /** sta_roam_check(): `se->base.se_rssi = curRssi`. */
  setRssi(ap: AccessPoint, rssi: number): void {
    const e = this.entries.get(ap);
    if (e) e.rssi = rssi;
  }

  assocFail(ap: AccessPoint, now: number): void {
    const e = this.entries.get(ap);
    if (!e) return;
    e.fails++;
    e.lastFailMs = now;
  }

  /** sta_update_notseen(). */
  updateNotseen(): void {
    for (const e of this.entries.values()) {
      if (e.seen) e.seen = false;
      else e.notseen++;
    }
  }

  /** sta_age(): free the entries not seen in more than STA_PURGE_SCANS scans. */
  age(): void {
    for (const [ap, e] of [...this.entries]) if (e.notseen > STA_PURGE_SCANS) this.entries.delete(ap);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * select_bss(): the best entry match_bss() accepts (`usable` stands for the SSID, privacy,
   * rate and desired-BSSID checks), by sta_compare(). The model's APs differ in nothing
   * sta_compare() looks at before the RSSI (privacy, rates, band), so that is the RSSI;
   * of equals the first in the table stays.
   */
  select(usable: (ap: AccessPoint) => boolean): AccessPoint | null {
    let best: AccessPoint | null = null;
    let bestRssi = -Infinity;
    for (const [ap, e] of this.entries) {
      if (e.fails >= STA_FAILS_MAX || e.notseen >= STA_PURGE_SCANS || !usable(ap)) continue;
      if (e.rssi > bestRssi) {
        best = ap;
        bestRssi = e.rssi;
      }
    }
    return best;
  }
}
