/**
 * One physical attenuator unit shared by every inventory attenuator that is one of its
 * channels: one driver, so one connection, per unit (two RC4DAT channels on two AP paths
 * must not open two telnet sessions to a unit that takes one).
 *
 * - `lease(name)` gives each inventory attenuator its own `Attenuator`; `close()` on it
 *   releases the lease, and the last release closes the driver (so setting one path
 *   safe and closing it never cuts the other path off).
 * - Every operation on the unit runs one at a time, in the order asked: a set and its
 *   read-back never interleave with a request for another channel.
 * - Sets asked before the unit gets to them (the crossfade sets both paths in one go)
 *   are gathered into one batch, at most one value per channel: equal values go as one
 *   `setMany` (Mini-Circuits: one `CHAN:1:2:SETATT:x` request), different values one
 *   after the other, and each caller gets its own read-back or its own error.
 */
import { BenchError } from '../../errors.ts';
import { OperationQueue } from './transport-common.ts';
import type { Attenuator, AttenuatorIdentity } from './types.ts';

interface PendingSet {
  channel: number;
  db: number;
  resolve: (db: number) => void;
  reject: (err: unknown) => void;
}

export class SharedAttenuatorUnit {
  private readonly ops: OperationQueue;
  /** The batch of sets not started yet, which a set for another channel may still join. */
  private open: PendingSet[] | null = null;
  private leases = 0;

  constructor(readonly driver: Attenuator) {
    this.ops = new OperationQueue(
      () => new BenchError(`attenuator "${driver.name}": used after close()`, { code: 'E_ATTENUATOR', subject: driver.name }),
    );
  }

  /** An `Attenuator` for one inventory attenuator on this unit (named `name` in its own use-after-close error). */
  lease(name: string): Attenuator {
    this.leases++;
    return new UnitLease(this, name);
  }

  identify(): Promise<AttenuatorIdentity> {
    return this.after(() => this.driver.identify());
  }

  get(channel: number): Promise<number> {
    return this.after(() => this.driver.get(channel));
  }

  setMany(values: { channel: number; db: number }[]): Promise<number[]> {
    return this.after(() => this.driver.setMany(values));
  }

  /** Set one channel: joins the batch not started yet when it has no value for this channel. */
  set(channel: number, db: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const pending: PendingSet = { channel, db, resolve, reject };
      const open = this.open;
      if (open && !open.some((p) => p.channel === channel)) {
        open.push(pending);
        return;
      }
      const batch = [pending];
      this.open = batch;
      this.ops
        .run(() => {
          if (this.open === batch) this.open = null;
          return this.runBatch(batch);
        })
        .catch((err: unknown) => {
          // Only when the unit was closed before the batch could start.
          if (this.open === batch) this.open = null;
          for (const p of batch) p.reject(err);
        });
    });
  }

  /** Anything but a set: runs after everything asked before it, and no later set joins an earlier batch. */
  private after<T>(fn: () => Promise<T>): Promise<T> {
    this.open = null;
    return this.ops.run(fn);
  }

  private async runBatch(batch: PendingSet[]): Promise<void> {
    if (batch.length > 1 && batch.every((p) => p.db === batch[0].db)) {
      try {
        const values = await this.driver.setMany(batch.map(({ channel, db }) => ({ channel, db })));
        batch.forEach((p, i) => p.resolve(values[i]));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
      return;
    }
    for (const p of batch) {
      try {
        p.resolve(await this.driver.set(p.channel, p.db));
      } catch (err) {
        p.reject(err);
      }
    }
  }

  /** One lease ended; the last one lets a running operation finish, then closes the driver. */
  async release(): Promise<void> {
    this.leases--;
    if (this.leases > 0) return;
    if (await this.ops.close()) await this.driver.close();
  }
}

/** One inventory attenuator's view of its unit. */
class UnitLease implements Attenuator {
  readonly model: string;
  private closed = false;

  constructor(
    private readonly unit: SharedAttenuatorUnit,
    readonly name: string,
  ) {
    this.model = unit.driver.model;
  }

  private check(): void {
    if (this.closed) throw new BenchError(`attenuator "${this.name}": used after close()`, { code: 'E_ATTENUATOR', subject: this.name });
  }

  async identify(): Promise<AttenuatorIdentity> {
    this.check();
    return this.unit.identify();
  }

  async set(channel: number, db: number): Promise<number> {
    this.check();
    return this.unit.set(channel, db);
  }

  async setMany(values: { channel: number; db: number }[]): Promise<number[]> {
    this.check();
    return this.unit.setMany(values);
  }

  async get(channel: number): Promise<number> {
    this.check();
    return this.unit.get(channel);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.unit.release();
  }
}
