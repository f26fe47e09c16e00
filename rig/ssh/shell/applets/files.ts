/**
 * busybox 1.4.2 `cat` (coreutils/cat.c: `-u` ignored, `-` is stdin (read whole, so
 * `cat > FILE` stores an upload in one write), a missing file
 * warned about as `cat: F: No such file or directory` and the rest still printed,
 * status 1), `rm` (coreutils/rm.c, libbb/remove_file.c: `-f` quiet about missing
 * files, `rm: cannot remove 'F': No such file or directory`; no operand and no `-f`:
 * usage) and `sleep` (coreutils/sleep.c with FEATURE_FANCY_SLEEP: the total of its
 * arguments, each with an optional s/m/h/d suffix; later busybox 1.x also takes
 * fractions, which this one does too, as the rig's tests sleep for 0.1 s).
 */
import { HANGUP_STATUS } from '../signals.ts';
import { die, getopt, openInput, showUsage, type AppletContext } from './busybox.ts';

export async function cat(argv: string[], ctx: AppletContext): Promise<number> {
  const { operands } = getopt('cat', argv.slice(1), 'u', ctx.io);
  let status = 0;
  for (const f of operands.length > 0 ? operands : ['-']) {
    if (f === '-') {
      // Whole, in one write: `cat > FILE` uploads (flash without SFTP) reach the board as one file write.
      ctx.io.stdout.write(await ctx.io.readStdin());
      continue;
    }
    const data = await openInput('cat', f, ctx);
    if (data === undefined) status = 1;
    else ctx.io.stdout.write(data);
  }
  return status;
}

/** Deletes through the device's `removeFile`; a device without one refuses (Operation not permitted). */
export async function rm(argv: string[], ctx: AppletContext): Promise<number> {
  const { opts, operands } = getopt('rm', argv.slice(1), 'fiRr', ctx.io);
  const force = opts.has('f');
  if (operands.length === 0) {
    if (!force) showUsage('rm', ctx.io);
    return 0;
  }
  let status = 0;
  for (const f of operands) {
    if (ctx.device.readFile(f) === undefined) {
      if (!force) {
        ctx.io.stderr.write(`rm: cannot remove '${f}': No such file or directory\n`);
        status = 1;
      }
    } else if (ctx.device.removeFile) {
      ctx.device.removeFile(f);
    } else {
      ctx.io.stderr.write(`rm: cannot remove '${f}': Operation not permitted\n`);
      status = 1;
    }
  }
  return status;
}

export async function sleep(argv: string[], ctx: AppletContext): Promise<number> {
  const units: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };
  if (argv.length < 2) showUsage('sleep', ctx.io);
  let total = 0;
  for (const a of argv.slice(1)) {
    const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
    if (!m) die('sleep', ctx.io, `invalid number '${a}'`);
    total += Number(m[1]) * units[m[2]];
  }
  await abortableDelay(total * 1000, ctx.io.abort);
  return ctx.io.abort.aborted ? HANGUP_STATUS : 0;
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
