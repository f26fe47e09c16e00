/**
 * Wait until a condition over streamed state holds: re-checked whenever the
 * state changes (a ping line, an event) and given up at a deadline.
 */
export class ConditionWaiter {
  private readonly waiters = new Set<() => void>();

  /** Call after every state change. */
  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves 'ok' once `cond()` is true, 'timeout' after `realMs`, 'aborted' when the signal fires.
   * `realMs` is in real milliseconds (the caller converts bench time).
   */
  until(cond: () => boolean, realMs: number, signal?: AbortSignal): Promise<'ok' | 'timeout' | 'aborted'> {
    if (cond()) return Promise.resolve('ok');
    if (signal?.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const finish = (r: 'ok' | 'timeout' | 'aborted'): void => {
        this.waiters.delete(check);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const check = (): void => {
        if (cond()) finish('ok');
      };
      const onAbort = (): void => finish('aborted');
      const timer = setTimeout(() => finish(cond() ? 'ok' : 'timeout'), Math.max(0, realMs));
      this.waiters.add(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
