/**
 * What every Station implementation does the same way: wait for the association by
 * polling its link, and turn a streamed command (iwevent, iw event) into an EventStream
 * that stops the command on the board.
 */
import { BenchError } from '../errors.ts';
import type { BenchClock } from './bench-clock.ts';
import type { EventStream, LinkInfo } from './roles.ts';
import type { RemoteProcess } from './ssh/types.ts';

/** Poll `link()` every 500 ms of bench time until associated to one of `bssids` (any AP when omitted). */
export async function waitForAssociation(
  name: string,
  link: () => Promise<LinkInfo>,
  clock: BenchClock,
  timeoutMs: number,
  bssids?: string[],
  signal?: AbortSignal,
): Promise<string> {
  const want = bssids?.map((b) => b.toUpperCase());
  const deadline = performance.now() + clock.real(timeoutMs);
  for (let i = 0; i < 10_000 && performance.now() < deadline; i++) {
    const info = await link();
    if (info.bssid && (!want || want.includes(info.bssid))) return info.bssid;
    if (!(await clock.sleep(500, signal))) break;
  }
  throw new BenchError(`${name}: not associated to ${bssids?.join(' or ') ?? 'any AP'} within ${timeoutMs / 1000} s`, {
    code: 'E_NOT_ASSOCIATED',
    subject: name,
  });
}

/** A streamed command as an EventStream: stop() interrupts it (SIGINT) and closes its channel. */
export function commandEventStream(proc: RemoteProcess): EventStream {
  return {
    done: proc.done,
    stop: () => {
      proc.signal('INT');
      proc.close();
    },
  };
}
