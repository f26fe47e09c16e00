/**
 * busybox 1.4.2 `wc` (coreutils/wc.c): `-l -w -c -L`, lines, words, bytes by default.
 * Counts bytes as the C locale does: a word is a run of printable non-space bytes,
 * ended by space, tab, newline, CR, FF or VT; other bytes (control characters,
 * anything above 0x7E) neither start nor end one. Each count printed `%9u`, separated
 * by a space, then ` NAME`; reading standard input with exactly one count asked for,
 * just the number (`%u`). Several files: a `total` line. A missing file: `wc: F: No
 * such file or directory`, status 1.
 */
import { getopt, openInput, type AppletContext } from './busybox.ts';

interface Counts {
  lines: number;
  words: number;
  bytes: number;
  longest: number;
}

function count(data: Buffer): Counts {
  const c: Counts = { lines: 0, words: 0, bytes: data.length, longest: 0 };
  let inWord = false;
  let pos = 0;
  const endLine = (): void => {
    c.longest = Math.max(c.longest, pos);
  };
  for (const b of data) {
    if (b >= 0x20 && b <= 0x7e) {
      pos++;
      if (b !== 0x20) {
        inWord = true;
        continue;
      }
    } else if (b >= 9 && b <= 13) {
      if (b === 9) pos = (pos | 7) + 1;
      else {
        endLine();
        if (b === 10) c.lines++;
        if (b !== 11) pos = 0;
      }
    } else continue;
    if (inWord) c.words++;
    inWord = false;
  }
  endLine();
  if (inWord) c.words++;
  return c;
}

export async function wc(argv: string[], ctx: AppletContext): Promise<number> {
  const { opts, operands } = getopt('wc', argv.slice(1), 'lwcL', ctx.io);
  let kinds = (['lines', 'words', 'bytes', 'longest'] as const).filter((_k, i) => opts.has('lwcL'[i]));
  if (kinds.length === 0) kinds = ['lines', 'words', 'bytes'];
  const stdin = operands.length === 0;
  const files = stdin ? ['-'] : operands;
  const total: Counts = { lines: 0, words: 0, bytes: 0, longest: 0 };
  let status = 0;
  const print = (c: Counts, name: string | null): void => {
    const nums = kinds.map((k, i) => (i === 0 && stdin && kinds.length === 1 ? String(c[k]) : String(c[k]).padStart(9)));
    ctx.io.stdout.write(`${nums.join(' ')}${name === null ? '' : ` ${name}`}\n`);
  };
  for (const f of files) {
    const data = await openInput('wc', f, ctx);
    if (data === undefined) {
      status = 1;
      continue;
    }
    const c = count(data);
    total.lines += c.lines;
    total.words += c.words;
    total.bytes += c.bytes;
    total.longest = Math.max(total.longest, c.longest);
    print(c, stdin ? null : f);
  }
  if (files.length > 1) print(total, 'total');
  return status;
}
