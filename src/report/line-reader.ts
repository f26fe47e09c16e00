import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Read a large text file in 8 MiB chunks and hand each chunk to `scan`, which consumes
 * whole lines and returns how many bytes it used (the rest is carried into the next
 * chunk). `last` is true on the final call. Scanning bytes is what keeps a 170 MB
 * ping.log within the report's time budget.
 */
export function scanFileLines(file: string, scan: (buf: Buffer, end: number, last: boolean) => number): void {
  const fd = openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(8 << 20);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        // One line longer than the buffer: grow it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      const end = filled + n;
      const used = scan(buf, end, n === 0);
      if (n === 0) break;
      buf.copy(buf, 0, used, end);
      filled = end - used;
    }
  } finally {
    closeSync(fd);
  }
}
