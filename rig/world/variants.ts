/**
 * Driver behaviour that follows the madwifi build a board runs. `stock` is madwifi
 * 0.9.3 with the bench's "enable automatic STA roaming" patch (without it the
 * roam check in sta_age() is compiled out and the client never roams by itself);
 * `patched` adds ticket 1404's deferred node-leave notification.
 */
export interface DriverBehaviour {
  /** sta_roam_check() is called from sta_age() (the `if (0 && ...)` removed). */
  roamCheck: boolean;
  /** ieee80211_notify_node_leave() defers carrier-off and the zero SIOCGIWAP by this many ms (0 = stock). */
  deferLeaveMs: number;
}

export const DRIVER_VARIANTS: Record<string, DriverBehaviour> = {
  vanilla: { roamCheck: false, deferLeaveMs: 0 },
  stock: { roamCheck: true, deferLeaveMs: 0 },
  patched: { roamCheck: true, deferLeaveMs: 100 },
};

export function driverBehaviour(variant: string): DriverBehaviour {
  const b = DRIVER_VARIANTS[variant];
  if (!b) throw new Error(`unknown driver variant "${variant}" (known: ${Object.keys(DRIVER_VARIANTS).join(', ')})`);
  return b;
}
