import prand from 'pure-rand';

/** Seeded random source for the world model (pure-rand's xoroshiro128+). */
export class Random {
  private rng: prand.RandomGenerator;

  constructor(seed: number) {
    this.rng = prand.xoroshiro128plus(seed | 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return prand.unsafeUniformIntDistribution(0, 0x3fffffff, this.rng) / 0x40000000;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Standard normal (Box-Muller). */
  normal(mean = 0, sd = 1): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An independent stream derived from this one (e.g. one per roam or per device). */
  fork(salt: number): Random {
    return new Random((this.next() * 0x7fffffff) ^ (salt * 0x9e3779b1));
  }
}
