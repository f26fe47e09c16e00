/**
 * The kernel's ring buffer (what `printk` writes and `dmesg` reads): lines kept up to
 * the buffer's size (CONFIG_LOG_BUF_SHIFT=14 on these boards: 16 KiB), the oldest
 * dropped first, as kernel/printk.c does.
 */

/** Kernel ring buffer size in characters (1 << CONFIG_LOG_BUF_SHIFT). */
const LOG_BUF_CHARS = 1 << 14;

export class KernelLog {
  private lines: string[] = [];
  private chars = 0;

  printk(line: string): void {
    this.lines.push(line);
    this.chars += line.length + 1;
    while (this.chars > LOG_BUF_CHARS && this.lines.length > 1) this.chars -= (this.lines.shift() as string).length + 1;
  }

  /** The buffer, oldest line first. */
  read(): string[] {
    return [...this.lines];
  }

  /** `dmesg -c`, and a reboot. */
  clear(): void {
    this.lines = [];
    this.chars = 0;
  }
}
