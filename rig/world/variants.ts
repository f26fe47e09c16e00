/**
 * Driver behaviour that follows the madwifi build a board runs. `stock` is madwifi
 * 0.9.3 with the bench's "enable automatic STA roaming" patch (without it the
 * roam check in sta_age() is compiled out and the client never roams by itself);
 * `patched` adds ticket 1404's deferred node-leave notification.
 */
export interface DriverBehaviour {
  /** madwifi's net80211 (its scan module and background scan, bg-scan.ts); false for mac80211. */
  net80211: boolean;
  /** sta_roam_check() is called from sta_age() (the `if (0 && ...)` removed). */
  roamCheck: boolean;
  /** ieee80211_notify_node_leave() defers carrier-off and the zero SIOCGIWAP by this many ms (0 = stock). */
  deferLeaveMs: number;
}

export const DRIVER_VARIANTS: Record<string, DriverBehaviour> = {
  vanilla: { net80211: true, roamCheck: false, deferLeaveMs: 0 },
  stock: { net80211: true, roamCheck: true, deferLeaveMs: 0 },
  patched: { net80211: true, roamCheck: true, deferLeaveMs: 100 },
};

/**
 * A client on a current kernel (mac80211 + cfg80211, driven through nl80211 by
 * wpa_supplicant 2.x), whatever the APs run. It roams only when told (`wpa_cli roam`):
 * wpa_supplicant does not leave a good AP by itself (wpa_supplicant_need_to_roam() in
 * wpa_supplicant/events.c, and only on a new scan, which nothing starts while connected
 * without bgscan), so the net80211 roam check of the madwifi station is off. No deferred
 * leave: mac80211's ieee80211_set_disassoc() and ieee80211_set_associated()
 * (net/mac80211/mlme.c) call netif_carrier_off() / netif_carrier_on() right away. Its
 * linkwatch is a current kernel's (linkwatch.ts, `urgentCarrierOn`).
 */
export const NL80211_CLIENT: DriverBehaviour = { net80211: false, roamCheck: false, deferLeaveMs: 0 };

export function driverBehaviour(variant: string): DriverBehaviour {
  const b = DRIVER_VARIANTS[variant];
  if (!b) throw new Error(`unknown driver variant "${variant}" (known: ${Object.keys(DRIVER_VARIANTS).join(', ')})`);
  return b;
}
