/**
 * How late a line from the board arrives, on the bench clock, measured against the
 * board's own clock: for a source whose lines carry no time (an interactive wpa_cli's
 * events), `arrival - offset` is then the board time the line was written, give or take
 * how much slower its delivery was than the fastest probe's.
 *
 * The probe: `ping -D -n -i 0.2 -c 6 -W 1 127.0.0.1` on a stream like the source's, each
 * reply line stamped by ping (`[SECONDS.MICROSECONDS] `, iputils ping.c print_timestamp():
 * gettimeofday() when the reply was handled) and on arrival here. The offset is the
 * smallest `arrival - stamp`: the bench clock's error against the board (the session
 * anchors it on `date +%s`, whole seconds) plus the fastest delivery. Needs iputils ping
 * (-D) and a loopback interface on the board; null when no stamped line came back.
 */
import type { BenchClock } from '../bench-clock.ts';
import { shellCommand } from '../ssh/quote.ts';
import type { DeviceShell } from '../ssh/types.ts';

const STAMP = /^\[(\d+)\.(\d{6})\] /;
export const OFFSET_PROBES = 6;

/** The smallest `arrival - stamp` (ms) of the probe's lines; null without one. */
export function arrivalOffsetOf(samples: { stampMs: number; arrivedMs: number }[]): number | null {
  if (samples.length === 0) return null;
  return Math.min(...samples.map((s) => s.arrivedMs - s.stampMs));
}

/** One ping -D line's stamp as epoch ms; null for a line without one. */
export function pingStampMs(line: string): number | null {
  const m = STAMP.exec(line);
  return m ? Number(m[1]) * 1000 + Number(m[2]) / 1000 : null;
}

/** Measure the offset on `shell` (bounded: the probe is KILLed after `timeoutMs`). */
export async function measureArrivalOffset(shell: DeviceShell, clock: BenchClock, timeoutMs = 10_000): Promise<number | null> {
  const proc = shell.stream(shellCommand(['ping', '-D', '-n', '-i', '0.2', '-c', String(OFFSET_PROBES), '-W', '1', '127.0.0.1']), { pty: true });
  const samples: { stampMs: number; arrivedMs: number }[] = [];
  proc.onLine((line, _stream, receivedAt) => {
    const stampMs = pingStampMs(line);
    if (stampMs !== null) samples.push({ stampMs, arrivedMs: clock.fromWallClock(receivedAt) });
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([proc.done, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  proc.close();
  return arrivalOffsetOf(samples);
}
