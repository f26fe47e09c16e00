/**
 * busybox 1.4.2 `head` (coreutils/head.c, FEATURE_FANCY_HEAD) and `tail`
 * (coreutils/tail.c, FEATURE_FANCY_TAIL): `-n N` (tail: `-n +N` from the top), `-c N`
 * with the b/k/m suffixes, the legacy `-N`, `-q` / `-v`, `==> FILE <==` headers
 * between several files, a missing file warned about (`head: F: No such file or
 * directory`, status 1) and the others still done; tail with no file at all opened:
 * `tail: no files`. head stops reading as soon as it has its lines, so `cmd | head -n 2`
 * ends with the second line. `tail -f` on a board file prints what is appended,
 * polling each second (tail's sleep_period) until it is killed.
 */
import { getopt, openInput, parseCount, stdinChunks, type AppletContext } from './busybox.ts';

const SUFFIXES = { b: 512, k: 1024, m: 1024 * 1024 };

export async function head(argv: string[], ctx: AppletContext): Promise<number> {
  let args = argv.slice(1);
  // Legacy `head -5`.
  if (args[0] && /^-\d/.test(args[0])) args = ['-n', args[0].slice(1), ...args.slice(1)];
  const { opts, operands } = getopt('head', args, 'n:c:qv', ctx.io);
  let count = 10;
  let bytes = false;
  for (const o of ['n', 'c']) {
    const v = opts.get(o);
    if (v) {
      count = parseCount('head', v[v.length - 1], ctx.io, SUFFIXES);
      bytes = o === 'c';
    }
  }
  const files = operands.length > 0 ? operands : ['-'];
  const headers = opts.has('v') || (files.length > 1 && !opts.has('q'));
  let status = 0;
  let first = true;
  for (const f of files) {
    const label = f === '-' ? 'standard input' : f;
    if (f === '-') {
      if (headers) ctx.io.stdout.write(`${first ? '' : '\n'}==> ${label} <==\n`);
      first = false;
      await headStream(stdinChunks(ctx.io), count, bytes, ctx);
      continue;
    }
    const data = await openInput('head', f, ctx);
    const leading = first ? '' : '\n';
    first = false; // head.c moves to the "\n==> " format after every file, opened or not
    if (data === undefined) {
      status = 1;
      continue;
    }
    if (headers) ctx.io.stdout.write(`${leading}==> ${label} <==\n`);
    ctx.io.stdout.write(data.subarray(0, cut(data, count, bytes)));
  }
  return status;
}

/** Where the first `count` lines (or bytes) of `data` end. */
function cut(data: Buffer, count: number, bytes: boolean): number {
  if (bytes) return Math.min(count, data.length);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0x0a && ++n === count) return i + 1;
  }
  return count === 0 ? 0 : data.length;
}

async function headStream(chunks: AsyncIterable<Buffer>, count: number, bytes: boolean, ctx: AppletContext): Promise<void> {
  let left = count;
  if (left === 0) return;
  for await (const chunk of chunks) {
    if (bytes) {
      const take = chunk.subarray(0, left);
      ctx.io.stdout.write(take);
      left -= take.length;
    } else {
      const end = cut(chunk, left, false);
      const take = chunk.subarray(0, end);
      ctx.io.stdout.write(take);
      for (const b of take) if (b === 0x0a) left--;
    }
    if (left <= 0) return;
  }
}

export async function tail(argv: string[], ctx: AppletContext): Promise<number> {
  let args = argv.slice(1);
  // Legacy `tail -5` / `tail +5`.
  if (args[0] && /^[-+]\d/.test(args[0])) args = ['-n', args[0], ...args.slice(1)];
  const { opts, operands } = getopt('tail', args, 'fc:n:qs:v', ctx.io);
  let count = 10;
  let fromTop = false;
  let bytes = false;
  for (const o of ['c', 'n']) {
    const v = opts.get(o);
    if (!v) continue;
    let s = v[v.length - 1];
    fromTop = s.startsWith('+');
    if (s.startsWith('+') || s.startsWith('-')) s = s.slice(1);
    count = parseCount('tail', s, ctx.io, SUFFIXES);
    bytes = o === 'c';
  }
  const sleepS = opts.has('s') ? parseCount('tail', (opts.get('s') as string[])[0], ctx.io) : 1;
  const names = operands.length > 0 ? operands : ['-'];
  const opened: { name: string; data: Buffer }[] = [];
  let status = 0;
  for (const f of names) {
    const data = await openInput('tail', f, ctx);
    if (data === undefined) status = 1;
    else opened.push({ name: f === '-' ? 'standard input' : f, data });
  }
  if (opened.length === 0) {
    ctx.io.stderr.write('tail: no files\n');
    return 1;
  }
  const headers = opts.has('v') || (opened.length > 1 && !opts.has('q'));
  opened.forEach(({ name, data }, i) => {
    if (headers) ctx.io.stdout.write(`${i === 0 ? '' : '\n'}==> ${name} <==\n`);
    ctx.io.stdout.write(tailOf(data, count, fromTop, bytes));
  });
  if (opts.has('f') && operands.length > 0 && !operands.includes('-')) {
    await follow(opened, sleepS, headers, ctx);
  }
  return status;
}

/** The last `count` lines / bytes of data, or from line / byte `count` on (`+N`). */
function tailOf(data: Buffer, count: number, fromTop: boolean, bytes: boolean): Buffer {
  if (bytes) return fromTop ? data.subarray(Math.max(0, count - 1)) : data.subarray(Math.max(0, data.length - count));
  if (fromTop) {
    let line = 1;
    let i = 0;
    while (line < count && i < data.length) if (data[i++] === 0x0a) line++;
    return data.subarray(i);
  }
  if (count === 0) return Buffer.alloc(0);
  // The last `count` lines, an unterminated last line counting as one.
  let i = data.length > 0 && data[data.length - 1] === 0x0a ? data.length - 1 : data.length;
  let lines = 0;
  while (i > 0) {
    if (data[i - 1] === 0x0a && ++lines === count) break;
    i--;
  }
  return data.subarray(i);
}

async function follow(files: { name: string; data: Buffer }[], sleepS: number, headers: boolean, ctx: AppletContext): Promise<void> {
  const sizes = files.map((f) => f.data.length);
  while (!ctx.io.abort.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(1, sleepS) * 1000);
      ctx.io.abort.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
    files.forEach((f, i) => {
      const now = ctx.device.readFile(f.name) ?? Buffer.alloc(0);
      if (now.length > sizes[i]) {
        if (headers) ctx.io.stdout.write(`\n==> ${f.name} <==\n`);
        ctx.io.stdout.write(now.subarray(sizes[i]));
      }
      sizes[i] = now.length;
    });
  }
}
