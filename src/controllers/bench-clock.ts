/**
 * Time as the bench sees it. On real hardware the scale is 1; on the virtual rig
 * the bench runs `scale` times faster than real time, so every wait of the roam
 * profile (step delay, timeouts, grace) is divided by it, and times observed on
 * arrival are mapped onto the board's clock.
 */
export class BenchClock {
  private anchorBoardMs = Date.now();
  private anchorRealMs = performance.now();

  constructor(readonly scale: number = 1) {
    if (!(scale > 0)) throw new Error(`time scale must be > 0, got ${scale}`);
  }

  /** Align with the board's wall clock (epoch ms read from the board now). */
  anchor(boardNowMs: number): void {
    this.anchorBoardMs = boardNowMs;
    this.anchorRealMs = performance.now();
  }

  /** Align with the board's wall clock: it read `boardMs` at `perfMs` (performance.now() on this host). */
  anchorAt(boardMs: number, perfMs: number): void {
    this.anchorBoardMs = boardMs;
    this.anchorRealMs = perfMs;
  }

  /** Bench (board) time now, epoch ms. */
  now(): number {
    return this.fromReal(performance.now());
  }

  /** Bench time of a moment given as performance.now() on this host. */
  fromReal(perfNowMs: number): number {
    return this.anchorBoardMs + (perfNowMs - this.anchorRealMs) * this.scale;
  }

  /**
   * Bench time of an arrival stamped on this host as epoch ms (`performance.timeOrigin +
   * performance.now()`: sub-millisecond, which matters when a real millisecond is 100 ms
   * of bench time).
   */
  fromWallClock(epochMs: number): number {
    return this.fromReal(epochMs - performance.timeOrigin);
  }

  /** Real milliseconds for a bench duration. */
  real(benchMs: number): number {
    return benchMs / this.scale;
  }

  /** Sleep for a bench duration; resolves early (false) when the signal aborts. */
  sleep(benchMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, Math.max(0, this.real(benchMs)));
      const onAbort = (): void => {
        clearTimeout(t);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
