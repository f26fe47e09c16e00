/**
 * The busybox applets the virtual board shell runs itself, over the board's files and
 * the command's standard streams (as ash with FEATURE_SH_STANDALONE_SHELL runs
 * busybox's own applets): `cat`, `rm`, `sleep`, `head`, `tail`, `grep`, `wc`, and the
 * server side of `scp` (rig/ssh/scp.ts). Each is asked of the device first: a board
 * with its own (a board whose clock runs faster than real time has its own `sleep`)
 * answers; when the device answers the standard "not found" (status 127 and exactly
 * `sh: NAME: not found` on stderr) the applet runs instead and that message is
 * swallowed. A login shell (`-sh`) says its own name in that message, as ash's does.
 */
import type { ProcessIO, VirtualDevice } from '../../types.ts';
import { scp } from '../../scp.ts';
import { toStatus } from '../process.ts';
import { runApplet, type Applet } from './busybox.ts';
import { cat, rm, sleep } from './files.ts';
import { grep } from './grep.ts';
import { head, tail } from './head-tail.ts';
import { wc } from './wc.ts';

export const APPLETS: Readonly<Record<string, Applet>> = { cat, rm, sleep, head, tail, grep, wc, scp };

/**
 * Ask the device first; if it answers "not found", run the applet instead. Stderr is
 * held back only while it can still turn out to be that message.
 */
export async function runDeviceOrApplet(argv: string[], device: VirtualDevice, io: ProcessIO, shellPrefix = 'sh: '): Promise<number> {
  const applet = APPLETS[argv[0]];
  const notFound = `sh: ${argv[0]}: not found\n`;
  let held = '';
  let passthrough = false;
  const probeIo: ProcessIO = {
    ...io,
    stderr: {
      write: (d) => {
        if (passthrough) return io.stderr.write(d);
        const s = typeof d === 'string' ? d : d.toString('utf8');
        if (notFound.startsWith(held + s)) {
          held += s;
          return;
        }
        passthrough = true;
        if (held) io.stderr.write(held);
        held = '';
        io.stderr.write(d);
      },
    },
  };
  const status = toStatus(await device.run(argv, probeIo));
  if (status === 127 && !passthrough && held === notFound && applet) return runApplet(applet, argv, { io, device });
  if (held === notFound && status === 127) held = `${shellPrefix}${argv[0]}: not found\n`;
  if (held) io.stderr.write(held);
  return status;
}
