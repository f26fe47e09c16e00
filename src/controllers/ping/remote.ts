import { BenchError, ConfigError } from '../../errors.ts';
import type { BenchClock } from '../bench-clock.ts';
import { shellCommand } from '../ssh/quote.ts';
import type { DeviceShell, ExecResult, RemoteProcess } from '../ssh/types.ts';
import { PingAnalyzer } from '../../ping/analyzer.ts';
import { unwrapSeq } from '../../ping/seq.ts';

/** What the board's ping can do, found out by asking it (never assumed). */
export interface PingCapabilities {
  flavour: 'iputils' | 'busybox';
  version: string;
  /** iputils -D: the ping stamps its own lines (epoch.micro). */
  timestamps: boolean;
  /** iputils -O: reports `no answer yet` for outstanding requests. */
  reportOutstanding: boolean;
  /** -i is accepted (busybox before 1.30 has no -i: fixed 1 s). */
  interval: boolean;
}

const invalidOption = (r: ExecResult): boolean => /invalid option|unrecognized option|usage/i.test(r.stderr);

/** Probe `ping -V`, then each optional flag, against the board's own loopback. */
export async function detectPing(shell: DeviceShell, timeoutMs: number): Promise<PingCapabilities> {
  const v = await shell.exec('ping -V', { timeoutMs });
  const text = `${v.stdout}\n${v.stderr}`;
  const busybox = /BusyBox v?([\d.]+)/.exec(text);
  const iputils = /iputils[-\s]?(\S+)/.exec(text);
  if (!busybox && !iputils) {
    throw new BenchError(`${shell.name}: cannot tell which ping this is (ping -V said: ${text.trim().slice(0, 120) || 'nothing'})`, {
      code: 'E_PING_UNKNOWN',
      subject: shell.name,
    });
  }
  const probe = async (flag: string): Promise<boolean> => {
    const r = await shell.exec(shellCommand(['ping', ...flag.split(' '), '-c', '1', '-w', '2', '127.0.0.1']), { timeoutMs });
    return r.exitCode === 0 && !invalidOption(r);
  };
  if (busybox) {
    return { flavour: 'busybox', version: `BusyBox ${busybox[1]}`, timestamps: false, reportOutstanding: false, interval: await probe('-i 0.2') };
  }
  return {
    flavour: 'iputils',
    version: `iputils ${iputils![1]}`,
    timestamps: await probe('-D'),
    reportOutstanding: await probe('-O'),
    interval: await probe('-i 0.2'),
  };
}

export function pingArgv(target: string, intervalS: number, caps: PingCapabilities): string[] {
  if (!caps.interval && intervalS !== 1) {
    throw new ConfigError(
      `the client's ping (${caps.version}) has no -i option (fixed 1 s interval); traffic.intervalS ${intervalS} cannot be done on this board`,
      { code: 'E_PING_INTERVAL' },
    );
  }
  return ['ping', ...(caps.interval ? ['-i', String(intervalS)] : []), ...(caps.timestamps ? ['-D'] : []), ...(caps.reportOutstanding ? ['-O'] : []), target];
}

/** Why a ping stream ended when nobody asked it to. */
export interface PingDeath {
  reason: string;
  exitCode: number | null;
}

/**
 * The client's long-running ping: streamed, parsed line by line into a PingAnalyzer
 * (board time stamps from -D, or arrival stamps mapped onto the bench clock).
 */
export class PingStream {
  readonly analyzer: PingAnalyzer;
  private proc: RemoteProcess;
  private stopping = false;
  private readonly lineListeners = new Set<() => void>();
  private lastStderr = '';
  readonly died: Promise<PingDeath | null>;
  /** The previous -D stamped line: its stamp, its arrival (bench ms) and when the ping should have printed it. */
  private prevStamped: { stampMs: number; atMs: number; dueMs: number | null } | null = null;
  /** Board-clock jumps seen in the -D stamps: bench time of the line, and by how much. */
  readonly clockJumps: { atMs: number; byMs: number }[] = [];

  constructor(
    readonly shell: DeviceShell,
    readonly argv: string[],
    intervalS: number,
    clock: BenchClock,
    rawLog?: (line: string, stream: 'stdout' | 'stderr', benchMs: number) => void,
  ) {
    this.analyzer = new PingAnalyzer({ intervalMs: intervalS * 1000 });
    this.proc = shell.stream(shellCommand(argv));
    // A board clock that jumps (ntpdate, an RTC reset) shows as a step between two
    // consecutive -D stamps that neither the ping's own cadence nor the arrival times
    // explain. Line to line, never against a baseline learnt once: a line that reaches
    // the rig late (an SSH or event-loop stall, amplified by the time scale) arrives with
    // its neighbours, so the step between neighbours stays small while its offset from a
    // baseline does not; and a ping that fell silent (ENOBUFS stall, late replies) moves
    // stamps and arrivals alike. Both views must see the step; its size comes from the
    // cadence view, which arrival jitter does not blur.
    const jumpThresholdMs = Math.max(2000, 100 * clock.scale);
    const intervalMs = intervalS * 1000;
    this.proc.onLine((line, stream, receivedAt) => {
      const at = clock.fromWallClock(receivedAt);
      rawLog?.(line, stream, at);
      if (stream === 'stderr') this.lastStderr = line;
      const stamp = /^\[(\d+\.\d+)\]/.exec(line);
      if (stamp) {
        const stampMs = Number(stamp[1]) * 1000;
        const prev = this.prevStamped;
        const dueMs = duePrintMs(line, intervalMs, prev?.dueMs ?? null);
        if (prev) {
          const ds = stampMs - prev.stampMs;
          const byArrival = ds - (at - prev.atMs);
          const byCadence = dueMs !== null && prev.dueMs !== null ? ds - (dueMs - prev.dueMs) : byArrival;
          if (Math.abs(byArrival) > jumpThresholdMs && Math.abs(byCadence) > jumpThresholdMs) {
            this.clockJumps.push({ atMs: at, byMs: Math.round(byCadence * 1000) / 1000 });
          }
        }
        this.prevStamped = { stampMs, atMs: at, dueMs };
      }
      this.analyzer.push(line, at);
      for (const l of this.lineListeners) l();
    });
    this.died = this.proc.done.then((r) => {
      if (this.stopping) return null;
      const a = this.analyzer.result();
      const lost = (r as { error?: Error }).error;
      const reason = lost
        ? `ssh connection to ${shell.name} lost`
        : a.error ?? (this.lastStderr || `ping exited (${r.signal ? `killed by SIG${r.signal}` : `status ${r.exitCode ?? 'unknown'}`})`);
      return { reason, exitCode: r.exitCode };
    });
  }

  get command(): string {
    return this.proc.command;
  }

  /** Called after every line (the roam cycle re-checks its conditions). */
  onLine(listener: () => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** SIGINT (ping prints its statistics), then close the channel. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.proc.signal('INT');
    const t = new Promise((r) => setTimeout(r, graceMs));
    await Promise.race([this.proc.done, t]);
    this.proc.close();
    await Promise.race([this.proc.done, new Promise((r) => setTimeout(r, graceMs))]);
  }
}

const SEQ_RE = /icmp_seq=(\d+)/;
const RTT_RE = /\btime=([\d.]+) ms/;

/**
 * When, on the ping's own timeline, it should have printed this line (ms; null when the
 * line says nothing about that): request n goes out at n intervals, its reply is printed
 * an RTT later, `no answer yet for icmp_seq=n` when request n+1 goes out. The 16-bit seq
 * is unwrapped against the previous line's. Good to a few ms over a few seconds (iputils
 * sends each request a little late, well under a millisecond per interval).
 */
function duePrintMs(line: string, intervalMs: number, prevDueMs: number | null): number | null {
  const seq = SEQ_RE.exec(line);
  if (!seq) return null;
  const n = unwrapSeq(Number(seq[1]), prevDueMs === null ? -1 : Math.round(prevDueMs / intervalMs));
  if (line.includes('no answer yet')) return (n + 1) * intervalMs;
  const rtt = RTT_RE.exec(line);
  return n * intervalMs + (rtt ? Number(rtt[1]) : 0);
}
