import type { Timer } from './clock.ts';
import { IputilsTiming } from './iputils-timing.ts';
import type { World } from './world.ts';

/** Which ping the board has: its output shapes and options differ (docs/device-contract.md, "Ping"). */
export type PingFlavour = 'iputils' | 'iputils-old' | 'busybox';

export interface PingOptions {
  target: string;
  intervalMs: number;
  /** iputils -D: prefix each line with [epoch.micro]. */
  timestamps: boolean;
  /** iputils -O: report `no answer yet` for an outstanding request. */
  reportOutstanding: boolean;
  count: number | null;
  deadlineMs: number | null;
}

export interface PingOutput {
  stdout(line: string): void;
  stderr(line: string): void;
  exit(code: number): void;
  /** The board's wall clock (epoch ms) for -D stamps; default: the world's. */
  now?: () => number;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * One ping process on the client board. Each echo request is sent at an exact model
 * time; its fate (dropped on the way out, or answered after an RTT with jitter, or the
 * reply lost on the way back) comes from the world model; every drop of the traffic
 * ping goes into the ground truth.
 */
export class PingProcess {
  private seq: number;
  private sent = 0;
  private received = 0;
  /** Running RTT statistics (a night's ping is millions of replies: no array of them). */
  private rtt = { min: Infinity, max: 0, sum: 0, sumSq: 0 };
  private readonly answered = new Set<number>();
  private timer: Timer | null = null;
  private readonly startMs: number;
  private finished = false;
  private readonly loopback: boolean;
  /** iputils: when main_loop() sends (iputils-timing.ts); busybox keeps its own timer. */
  private readonly timing: IputilsTiming | null;
  /** Highest seq answered so far (iputils' `acked`, for in_flight()). */
  private acked = -1;

  constructor(
    private readonly world: World,
    readonly flavour: PingFlavour,
    readonly options: PingOptions,
    private readonly out: PingOutput,
  ) {
    this.seq = flavour === 'busybox' ? 0 : 1;
    this.loopback = LOOPBACK.test(options.target);
    this.startMs = world.sched.now();
    this.timing =
      flavour === 'busybox'
        ? null
        : new IputilsTiming(world.sched, world.clientTicks, options.intervalMs, {
            epochUs: (t) => Math.floor((world.epochMs(t) + this.clockOffsetMs()) * 1000),
            inFlight: () => this.acked < this.seq - 1,
            send: () => this.tick(),
            // the process runs a little after the kernel woke it (timer softirq, then the scheduler)
            wakeLatencyMs: () => world.rnd.uniform(0.01, 0.1),
          });
  }

  /** The board's wall clock minus the model's epoch (a clock-jump fault moves the board's). */
  private clockOffsetMs(): number {
    return this.out.now ? this.out.now() - this.world.epochMs() : 0;
  }

  start(): void {
    const t = this.options.target;
    this.out.stdout(
      this.flavour === 'busybox' ? `PING ${t} (${t}): 56 data bytes` : `PING ${t} (${t}) 56(84) bytes of data.`,
    );
    if (this.timing) this.timing.start();
    else this.timer = this.world.sched.after(0, () => this.tick());
    if (this.options.deadlineMs !== null) {
      this.world.sched.after(this.options.deadlineMs, () => this.finish());
    }
  }

  /** SIGINT: print statistics and exit like the real ping. SIGKILL / hangup: just stop. */
  stop(signal: 'INT' | 'TERM' | 'KILL' | 'HUP'): void {
    if (this.finished) return;
    if (signal === 'INT' || signal === 'TERM') this.finish();
    else this.kill();
  }

  /**
   * The process dies on its own: busybox exits on a failed sendto ("ping: sendto:
   * Network is unreachable"), without statistics; SIGKILL prints nothing at all.
   */
  die(message: string | null, status: number): void {
    if (this.finished) return;
    this.kill();
    if (message) this.out.stderr(message);
    this.out.exit(status);
  }

  get running(): boolean {
    return !this.finished;
  }

  private stamp(): string {
    if (!this.options.timestamps) return '';
    return `[${((this.out.now?.() ?? this.world.epochMs()) / 1000).toFixed(6)}] `;
  }

  private tick(): void {
    if (this.finished) return;
    if (this.options.count !== null && this.sent >= this.options.count) return;
    const seq = this.seq++;
    if (this.options.reportOutstanding && this.sent > 0 && !this.answered.has(seq - 1)) {
      this.out.stdout(`${this.stamp()}no answer yet for icmp_seq=${(seq - 1) & 0xffff}`);
    }
    this.sent++;
    this.transmit(seq);
    if (this.options.count === null || this.sent < this.options.count) {
      if (this.timing) {
        this.timing.sent(this.world.sched.now());
      } else {
        // busybox (not derived from its source here): the next send an interval after this
        // one, plus the process's wake-up latency, so the send times drift against other timers.
        const wake = this.world.rnd.uniform(0.05, 0.8);
        this.timer = this.world.sched.after(this.options.intervalMs + wake, () => this.tick());
      }
    } else {
      this.timing?.stop();
      // -c N: wait for the last reply (up to 1 s), then print statistics.
      this.timer = this.world.sched.after(1000, () => this.finish());
    }
  }

  private transmit(seq: number): void {
    const w = this.world;
    if (this.loopback) {
      this.scheduleReply(seq, 0.03 + w.rnd.uniform(0, 0.03));
      return;
    }
    // The neighbour queue: after a join that lost the ARP entry, the packet waits for the retry.
    const hold = w.client.neighbourHold();
    if (hold > 0) {
      w.groundTruth.held(seq, hold);
      const queuedAt = w.sched.now();
      w.sched.after(hold, () => this.send(seq, queuedAt));
      return;
    }
    this.send(seq, w.sched.now());
  }

  /** The echo request leaves the station (`sentAt`: when ping sent it; later when it waited for ARP). */
  private send(seq: number, sentAt: number): void {
    const w = this.world;
    const verdict = w.client.transmitData();
    if ('drop' in verdict) {
      w.groundTruth.drop(seq, verdict.drop, w.epochMs());
      return;
    }
    const ap = verdict.ap;
    ap.heardFrom(w.client); // ieee80211_input() on the AP: ni_inact = ni_inact_reload
    // wired RTT to the target plus the air: ~1-2 ms, a small jittery tail
    const rtt = 0.9 + Math.abs(w.rnd.normal(0, 0.6)) + w.rnd.uniform(0, 1.5) + w.client.extraLatencyMs();
    w.sched.after(rtt, () =>
      w.client.receiveFrom(ap, () => {
        const lost = w.client.rxVerdict(ap);
        if (lost) {
          w.groundTruth.drop(seq, lost, w.epochMs());
          return;
        }
        ap.heardFrom(w.client); // the reply ACKed: ath_tx_processq() reloads ni_inact too
        this.reply(seq, w.sched.now() - sentAt);
      }),
    );
  }

  private scheduleReply(seq: number, rtt: number): void {
    this.world.sched.after(rtt, () => this.reply(seq, rtt));
  }

  private reply(seq: number, rttMs: number): void {
    if (this.finished) return;
    const dup = this.answered.has(seq);
    if (seq > this.acked) this.acked = seq;
    this.timing?.replied();
    if (!dup) {
      this.answered.add(seq);
      // iputils' duplicate table (rcvd_tbl) is MAX_DUP_CHK = 0x10000 bits, indexed by seq: it
      // remembers the last 65,536 seqs, no more (and a soak must not grow with every ping).
      this.answered.delete(seq - 0x10000);
      this.received++;
      this.rtt.min = Math.min(this.rtt.min, rttMs);
      this.rtt.max = Math.max(this.rtt.max, rttMs);
      this.rtt.sum += rttMs;
      this.rtt.sumSq += rttMs * rttMs;
    }
    const t = this.options.target;
    if (this.flavour === 'busybox') {
      this.out.stdout(`64 bytes from ${t}: seq=${seq & 0xffff} ttl=64 time=${rttMs.toFixed(3)} ms${dup ? ' (DUP!)' : ''}`);
    } else {
      this.out.stdout(`${this.stamp()}64 bytes from ${t}: icmp_seq=${seq & 0xffff} ttl=64 time=${formatRtt(rttMs)} ms${dup ? ' (DUP!)' : ''}`);
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.timer?.cancel();
    this.timing?.stop();
    const t = this.options.target;
    const elapsed = Math.round(this.world.sched.now() - this.startMs);
    const loss = this.sent === 0 ? 0 : Math.round(((this.sent - this.received) / this.sent) * 100);
    const n = this.received;
    const min = n ? this.rtt.min : 0;
    const max = n ? this.rtt.max : 0;
    const avg = n ? this.rtt.sum / n : 0;
    this.out.stdout('');
    this.out.stdout(`--- ${t} ping statistics ---`);
    if (this.flavour === 'busybox') {
      this.out.stdout(`${this.sent} packets transmitted, ${this.received} packets received, ${loss}% packet loss`);
      if (this.received) this.out.stdout(`round-trip min/avg/max = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)} ms`);
    } else {
      this.out.stdout(`${this.sent} packets transmitted, ${this.received} received, ${loss}% packet loss, time ${elapsed}ms`);
      if (this.received) {
        const mdev = Math.sqrt(Math.max(0, this.rtt.sumSq / n - avg * avg));
        this.out.stdout(`rtt min/avg/max/mdev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${mdev.toFixed(3)} ms`);
      }
    }
    this.out.exit(this.received > 0 ? 0 : 1);
  }

  private kill(): void {
    this.finished = true;
    this.timer?.cancel();
    this.timing?.stop();
  }
}

/** iputils prints the RTT with three significant digits. */
function formatRtt(ms: number): string {
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}
