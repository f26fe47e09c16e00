/**
 * When the client's driver will next check whether to roam, learned from the roams seen.
 *
 * A driver that roams by itself decides on a timer (madwifi 0.9.3: sta_age() every
 * IEEE80211_INACT_WAIT, 15 s, at a phase set when the VAP was created), and its join comes a
 * few milliseconds after the check that decided it (the channel switch and one management
 * exchange). So the joins of the roams seen lie on the check's grid: the period is a prior
 * (the profile's `crossfade.checkPeriodS`) refined from the joins (the span between two
 * joins divided by the whole number of periods in it: the board's clock need not run at
 * the rig's rate, and a timer handler held off past a tick re-arms from that later tick),
 * the phase is the latest join. A join far off the grid (a join delayed by a lost
 * management frame, a roam commanded by someone else) does not move the phase unless the
 * next one confirms it.
 *
 * Times are bench (board) ms. Pure: no I/O, no clock of its own.
 */
export class CheckPhase {
  private readonly joins: number[] = [];
  /** A join off the grid, waiting for the next one to confirm it. */
  private pendingOff: number | null = null;

  constructor(
    /** The prior period, ms. */
    private readonly priorMs: number,
    /** A join further than this from the grid is off it, ms. */
    private readonly toleranceMs: number = Math.min(1000, priorMs / 10),
    /** How many joins are kept. */
    private readonly keep: number = 16,
  ) {
    if (!(priorMs > 0)) throw new Error(`check period must be > 0 ms, got ${priorMs}`);
  }

  /** The period: the prior, refined from the kept joins once two lie a whole number of periods apart. */
  get periodMs(): number {
    const j = this.joins;
    if (j.length < 2) return this.priorMs;
    const span = j[j.length - 1] - j[0];
    const n = Math.round(span / this.priorMs);
    return n >= 1 ? span / n : this.priorMs;
  }

  /** The joins the phase rests on (oldest first). */
  get seen(): readonly number[] {
    return this.joins;
  }

  /** Whether a phase is known (a join was seen). */
  get known(): boolean {
    return this.joins.length > 0;
  }

  /** How far `t` lies from the grid, ms (0 on a check; null without a phase). */
  offGridMs(t: number): number | null {
    if (!this.known) return null;
    const p = this.periodMs;
    const last = this.joins[this.joins.length - 1];
    const r = (((t - last) % p) + p) % p;
    return Math.min(r, p - r);
  }

  /** A roam's join (board ms). */
  observe(joinMs: number): void {
    const off = this.offGridMs(joinMs);
    if (off !== null && off > this.toleranceMs && this.joins.length >= 2) {
      // Off the grid: believe it only when the next join agrees with it.
      const confirmed = this.pendingOff !== null && Math.abs(((joinMs - this.pendingOff) / this.priorMs) - Math.round((joinMs - this.pendingOff) / this.priorMs)) * this.priorMs <= this.toleranceMs;
      if (!confirmed) {
        this.pendingOff = joinMs;
        return;
      }
      this.joins.length = 0;
      this.joins.push(this.pendingOff as number);
    }
    this.pendingOff = null;
    if (off !== null && off > this.toleranceMs) this.joins.length = 0; // fewer than 2 joins: start again from this one
    this.joins.push(joinMs);
    if (this.joins.length > this.keep) this.joins.shift();
  }

  /** The first check at or after `t` (board ms); null without a phase. */
  nextCheckAfter(t: number): number | null {
    if (!this.known) return null;
    const p = this.periodMs;
    const last = this.joins[this.joins.length - 1];
    const k = Math.ceil((t - last) / p);
    return last + k * p;
  }
}

/**
 * With no phase known, how long after a scan ended to scan again so that the driver's check,
 * wherever it falls, soon finds a fresh cache: once a period, a lead early (the scans then
 * drift across the checks' grid by the lead less a scan's length, so none falls on every
 * check); or, when the cache stays fresh longer (the driver's scanvalid), just before it would
 * go stale, unless that interval is so near a whole number of periods that the scans would
 * keep meeting the same check (madwifi skips a check while a scan runs). All ms.
 */
export function scanGapWithoutPhase(o: { periodMs: number; leadMs: number; scanValidMs: number | null; scanTookMs: number; settleMs: number }): number {
  let gap = o.periodMs - o.leadMs;
  if (o.scanValidMs !== null) {
    const byValidity = o.scanValidMs - 1.5 * o.scanTookMs - o.settleMs;
    const drift = (byValidity + o.scanTookMs) % o.periodMs;
    if (byValidity > gap && Math.min(drift, o.periodMs - drift) > o.scanTookMs + o.settleMs) gap = byValidity;
  }
  return gap;
}
