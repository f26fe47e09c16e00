/**
 * The client's `ping` as a command of a virtual board: the command line read as the
 * board's ping flavour reads it (ping-command.ts), then the world's PingProcess
 * (rig/world/ping.ts) until it exits or is signalled: INT/TERM as the flavour answers
 * them, anything else kills it, a closed channel hangs it up. The same for every client
 * board (the madwifi board, client-board.ts, and the nl80211 board).
 */
import type { ProcessIO } from '../ssh/types.ts';
import { PingProcess, type PingFlavour } from '../world/ping.ts';
import type { World } from '../world/world.ts';
import { parsePingArgs } from './ping-command.ts';

export interface PingHost {
  world: World;
  flavour: PingFlavour;
  /** The board's running pings (faults kill them). */
  pings: Set<PingProcess>;
  /** The board's wall clock (epoch ms). */
  now(): number;
  /** Keep the command in the board's process table while it runs. */
  track(command: string, body: () => Promise<number>): Promise<number>;
}

export function runPing(host: PingHost, args: string[], io: ProcessIO): Promise<number> | number {
  const parsed = parsePingArgs(args, host.flavour, io);
  if (typeof parsed === 'number') return parsed;
  return host.track(`ping ${args.join(' ')}`, () =>
    new Promise<number>((resolve) => {
      let done = false;
      const p = new PingProcess(host.world, host.flavour, parsed, {
        stdout: (l) => io.stdout.write(`${l}\n`),
        stderr: (l) => io.stderr.write(`${l}\n`),
        exit: (code) => {
          done = true;
          host.pings.delete(p);
          resolve(code);
        },
        now: () => host.now(),
      });
      host.pings.add(p);
      io.onSignal((name) => {
        p.stop(name === 'INT' || name === 'TERM' ? name : 'KILL');
        if (!done) {
          host.pings.delete(p);
          resolve(128 + (name === 'KILL' ? 9 : 1));
        }
      });
      io.abort.addEventListener(
        'abort',
        () => {
          host.pings.delete(p);
          p.stop('HUP');
          if (!done) resolve(129);
        },
        { once: true },
      );
      p.start();
    }),
  );
}
