/**
 * Faults a test injects into a virtual board's kernel and flash, and the state they
 * keep until they fire:
 * - `corruptUploads(n)`: the next n module files (`*.ko`) uploaded are stored with one
 *   byte flipped (the same byte of the same file however the upload is chunked);
 * - `failInsmod(module, {variant, count})`: insmod fails with "Cannot allocate memory",
 *   as on a board short of vmalloc space;
 * - `rebootOn(predicate)`: the board loses power when a matching command starts.
 */

/** Offset of the byte a corrupted upload gets wrong (inside the module's header lines). */
const CORRUPT_AT = 16;

interface InsmodFailure {
  left: number;
  variant: string | null;
  message: string;
  dmesg: string;
}

export class KernelFaults {
  private corruptLeft = 0;
  private readonly corrupting = new Map<string, { at: number; orig: number | null }>();
  private readonly insmodFailures = new Map<string, InsmodFailure>();
  private readonly rebootTriggers: ((argv: string[]) => boolean)[] = [];

  /** The next `count` module files (`*.ko`) uploaded to the board are stored with one byte flipped. */
  corruptUploads(count = 1): void {
    this.corruptLeft = count;
  }

  /**
   * `insmod` of this module (only its `variant` build, when given) fails `count` times
   * (default: every time) with "Cannot allocate memory", as on a board short of vmalloc space.
   */
  failInsmod(module: string, opts: { variant?: string; count?: number } = {}): void {
    this.insmodFailures.set(module, {
      left: opts.count ?? Infinity,
      variant: opts.variant ?? null,
      message: 'Cannot allocate memory',
      dmesg: 'allocation failed: out of vmalloc space - use vmalloc=<size> to increase size.',
    });
  }

  /** The board reboots (power cut) when a command matching `predicate` starts; it never runs. Once. */
  rebootOn(predicate: (argv: string[]) => boolean): void {
    this.rebootTriggers.push(predicate);
  }

  clear(): void {
    this.corruptLeft = 0;
    this.corrupting.clear();
    this.insmodFailures.clear();
    this.rebootTriggers.length = 0;
  }

  /** An uploaded module file as the flash stores it: a Buffer when the fault changes it. */
  storedUpload(path: string, stored: Buffer): Buffer | undefined {
    if (stored.length === 0) {
      this.corrupting.delete(path); // truncated: a new upload starts
      return undefined;
    }
    let c = this.corrupting.get(path);
    if (!c && this.corruptLeft > 0) {
      this.corruptLeft--;
      c = { at: CORRUPT_AT, orig: null };
      this.corrupting.set(path, c);
    }
    if (!c || stored.length <= c.at) return undefined;
    c.orig ??= stored[c.at];
    const flipped = c.orig ^ 0x20;
    if (stored[c.at] === flipped) return undefined;
    const copy = Buffer.from(stored);
    copy[c.at] = flipped;
    return copy;
  }

  /** An insmod failure due now for this module build (counted), if any. */
  insmodFailure(module: string, variant: string): { message: string; dmesg: string } | null {
    const f = this.insmodFailures.get(module);
    if (!f || f.left <= 0 || (f.variant !== null && f.variant !== variant)) return null;
    f.left--;
    return { message: f.message, dmesg: f.dmesg };
  }

  /** True (once per trigger) when this command cuts the power. */
  rebootsOn(argv: string[]): boolean {
    const i = this.rebootTriggers.findIndex((p) => p(argv));
    if (i < 0) return false;
    this.rebootTriggers.splice(i, 1);
    return true;
  }

  /** The board went down: uploads in progress are forgotten. */
  powerLost(): void {
    this.corrupting.clear();
  }
}
