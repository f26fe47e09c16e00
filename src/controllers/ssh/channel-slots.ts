/**
 * A counting semaphore for the channels open at once on one SSH connection: requests
 * beyond the limit wait, first come first served. The limit can be lowered while in
 * use (a server that refuses a channel tells how many it really takes), and every
 * waiter can be failed at once (the connection is gone).
 */
export class ChannelSlots {
  private active = 0;
  private readonly waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  constructor(public limit: number) {}

  /** Resolves once a slot is held; rejects when failAll() is called first. */
  acquire(): Promise<void> {
    if (this.active < this.limit && this.waiters.length === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  release(): void {
    this.active--;
    this.pump();
  }

  /** Slots held right now. */
  get inUse(): number {
    return this.active;
  }

  failAll(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private pump(): void {
    while (this.active < this.limit && this.waiters.length > 0) {
      this.active++;
      this.waiters.shift()?.resolve();
    }
  }
}
