/** The longest delay setTimeout takes (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Model time for the virtual rig. Everything in the world model happens at an
 * exact model time (milliseconds since the world started); the scheduler runs
 * events in model-time order and only uses the real clock to decide *when* to
 * run them. Outcomes (which packet dies) therefore depend on model times only,
 * never on how late a Node timer fired, so the time scale does not change them.
 */
export class ModelClock {
  private readonly realStart = performance.now();
  private manualNow = 0;

  /**
   * @param scale model seconds per real second (100 = a minute of bench time in 0.6 s).
   * @param manual when true the clock does not follow real time: it only moves by
   *   `Scheduler.runUntil()` (model tests run thousands of roams in a second).
   */
  constructor(readonly scale: number, readonly manual = false) {
    if (!(scale > 0)) throw new Error(`timeScale must be > 0, got ${scale}`);
  }

  /** Model milliseconds since start, from the real clock. */
  now(): number {
    return this.manual ? this.manualNow : (performance.now() - this.realStart) * this.scale;
  }

  set(t: number): void {
    if (!this.manual) throw new Error('only a manual clock can be set');
    this.manualNow = Math.max(this.manualNow, t);
  }
}

interface Entry {
  at: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

export interface Timer {
  readonly at: number;
  cancel(): void;
}

/** Discrete-event scheduler over a ModelClock (binary heap, real timer armed for the earliest event). */
export class Scheduler {
  private heap: Entry[] = [];
  private order = 0;
  private current = 0;
  private realTimer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private stopped = false;
  private running = false;

  constructor(readonly clock: ModelClock) {}

  /**
   * Model time "now". Inside an event handler this is the event's own time; from outside
   * (an SSH command, an attenuator request) it first runs every event that is due, so
   * causality holds however late the real timer fired.
   */
  now(): number {
    if (!this.running) this.advance();
    return this.current;
  }

  at(time: number, fn: () => void): Timer {
    const entry: Entry = { at: Math.max(time, this.current), order: this.order++, fn, cancelled: false };
    this.push(entry);
    this.arm();
    return { at: entry.at, cancel: () => { entry.cancelled = true; } };
  }

  after(delayMs: number, fn: () => void): Timer {
    return this.at(this.now() + Math.max(0, delayMs), fn);
  }

  /** Run every event due by the real clock, in model-time order. */
  advance(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      const limit = this.clock.now();
      while (this.heap.length > 0 && this.heap[0].at <= limit) {
        const e = this.pop()!;
        if (e.cancelled) continue;
        this.current = Math.max(this.current, e.at);
        e.fn();
      }
      this.current = Math.max(this.current, limit);
    } finally {
      this.running = false;
    }
    this.arm();
  }

  /** Manual clock only: run every event up to model time `t`, moving the clock event by event. */
  runUntil(t: number): void {
    while (!this.stopped && this.heap.length > 0 && this.heap[0].at <= t) {
      this.clock.set(this.heap[0].at);
      this.advance();
    }
    this.clock.set(t);
    this.advance();
  }

  stop(): void {
    this.stopped = true;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    this.heap = [];
  }

  private arm(): void {
    if (this.stopped || this.clock.manual) return;
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    const next = this.heap.length > 0 ? this.heap[0].at : Infinity;
    if (next === this.armedFor && this.realTimer) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    this.armedFor = next;
    if (next === Infinity) return;
    // setTimeout holds at most 2^31-1 ms (beyond, Node fires after 1 ms: a busy loop for a
    // `sleep 9999999`); a later event is re-armed when this one fires with nothing due.
    const delayReal = Math.min(MAX_TIMER_MS, Math.max(0, (next - this.clock.now()) / this.clock.scale));
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.armedFor = Infinity;
      this.advance();
    }, delayReal);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
