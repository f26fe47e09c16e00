/**
 * Recovery after a roam that something on the bench broke (a dropped connection, a
 * reboot, a wedged board, a kernel oops, an attenuator that stopped answering, a dead
 * ping): an ordered ladder of rungs, each bounded and logged in the run folder's
 * recovery.log, climbed in order on every attempt; attempts are retried with backoff
 * (p-retry) a bounded number of times. A bench that does not come back ends the run
 * (BenchError E_RECOVERY, exit 3).
 *
 * The rungs, in order (docs/roam-cycle.md, "Recovery"):
 *  1. reconnect: SSH again to every device whose connection is gone (its connect
 *     deadline); a device that refuses is suspect;
 *  2. check: every connected device must run `cat /proc/uptime` within its command
 *     timeout; a board that accepts SSH and never answers (wedged) is suspect;
 *  3. reboot over ssh: `reboot` on a suspect board still connected, then its SSH back
 *     within the connect deadline and answering;
 *  4. reboot over console: a suspect board with a serial console, logged in there, `reboot`
 *     (SSH gone, the kernel alive); no echo on the console: wedged;
 *  5. power-cycle: a board still suspect is power-cycled through its power switch (its
 *     PowerSwitch role; read back off, then on); no power switch, or MAX_POWER_CYCLES
 *     already spent in this recovery: the bench failed;
 *  6. wait for ssh: the power-cycled board's SSH within the connect deadline, answering;
 *  7. reflash: a board that rebooted and boots another variant than the run's (its
 *     driver banners, through the flash strategy's identify) is flashed again;
 *  8. resynchronise: the bench clock on the client's clock, the attenuators as the run
 *     had set them;
 *  9. reconfigure: an AP or the client that lost its configuration is configured again;
 *     the client must associate;
 *  10. restart streams: the association events and the ping.
 */
import pRetry, { AbortError } from 'p-retry';
import type { BenchSession, ApName, DeviceName } from '../bench/session.ts';
import { accessPointSettings, stationSettings } from '../bench/settings.ts';
import { BenchError, RigError, describeError } from '../errors.ts';
import { flashSession, identifySession, madwifiDevices } from '../flash/session.ts';
import { AP_NAMES, DEVICE_NAMES, type Bench } from '../inventory/schema.ts';

/** What the ladder works on: the live bench's state that a recovery may have to restore. */
export interface RecoveryContext {
  session: BenchSession;
  bench: Bench;
  psk: string | null;
  /** The firmware variant the run is on (`as-installed`: nothing to compare, never reflashed). */
  variant: string;
  /** The APs' BSSIDs (an AP that lost its configuration may come back with a new one). */
  bssids: Record<ApName, string>;
  /** The programmed attenuation to restore. */
  attenuation: Record<ApName, number>;
  /** Boot time last seen per device (a later one means it rebooted). */
  bootTimes: Record<string, number | null>;
  /** Restart the association events (if stopped) and the ping, counting loss from roam `nextIndex`. */
  restartStreams(nextIndex: number): Promise<void>;
  /** The AP the client is on (the reconfigure rung finds out). */
  current: ApName;
  log(message: string): void;
  signal?: AbortSignal;
}

/** What one recovery learns as it climbs (across its attempts). */
interface LadderState {
  /** Devices that refuse SSH or do not answer commands. */
  suspects: Map<DeviceName, string>;
  /** Devices rebooted or power-cycled by this recovery (their firmware is checked). */
  restarted: Set<DeviceName>;
  /** Devices power-cycled in the current attempt (the wait-for-ssh rung waits for them). */
  cycled: Set<DeviceName>;
  powerCycles: Partial<Record<DeviceName, number>>;
}

interface Rung {
  name: string;
  /** Do this rung's work; push what was found (e.g. "ap2 rebooted") for the roam's record. */
  run(ctx: RecoveryContext, state: LadderState, found: string[], attempt: number, nextIndex: number): Promise<void>;
}

/** Power cycles one recovery may spend on one device before the bench counts as failed. */
export const MAX_POWER_CYCLES = 2;
/** Real ms a power-cycled board stays off (5 s of bench time: capacitors drain, the PDU settles). */
const POWER_OFF_BENCH_MS = 5000;

const timeoutMs = (ctx: RecoveryContext, name: DeviceName): number => ctx.bench.devices[name].commandTimeoutS * 1000;
const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** A failure no retry can mend (no power switch, power cycles spent): the ladder stops. */
class FinalBenchError extends BenchError {}

async function noteBoot(ctx: RecoveryContext, name: DeviceName, found: string[]): Promise<void> {
  const booted = await ctx.session.bootTime(name);
  const before = ctx.bootTimes[name];
  if (booted !== null && before !== null && booted - before > 30_000) {
    if (!found.some((f) => f.startsWith(`${name} `))) found.push(`${name} rebooted`);
    ctx.log(`${name} rebooted (uptime says it booted ${Math.round((booted - before) / 1000)} s after the last boot seen)`);
  }
  ctx.bootTimes[name] = booted;
}

/** Connect again to every device whose connection is gone; a later boot time means it rebooted. One that refuses is suspect. */
const reconnect: Rung = {
  name: 'reconnect',
  async run(ctx, state, found, attempt) {
    const s = ctx.session;
    for (const name of s.disconnected()) {
      ctx.log(`reconnecting to ${name} (attempt ${attempt})`);
      try {
        await s.reconnect(name);
      } catch (err) {
        if (!(err instanceof RigError) || err.kind !== 'bench') throw err;
        state.suspects.set(name, `ssh: ${describeError(err)}`);
        ctx.log(`${name} does not take SSH: ${describeError(err)}`);
        continue;
      }
      await noteBoot(ctx, name, found);
    }
  },
};

/** Every connected device must still run a command: a wedged board accepts SSH and never answers. */
const check: Rung = {
  name: 'check',
  async run(ctx, state, found) {
    const s = ctx.session;
    const results = await Promise.all(DEVICE_NAMES.map(async (name) => (state.suspects.has(name) ? true : s.answers(name))));
    DEVICE_NAMES.forEach((name, i) => {
      if (results[i] || state.suspects.has(name)) return;
      const why = `no answer to a command within ${seconds(timeoutMs(ctx, name))}`;
      state.suspects.set(name, why);
      if (!found.includes(`${name} hung`)) found.push(`${name} hung`);
      ctx.log(`${name} accepts SSH but does not answer: ${why}`);
    });
  },
};

/** `reboot` over SSH on a suspect board that is still connected; back within the connect deadline? */
const rebootOverSsh: Rung = {
  name: 'reboot over ssh',
  async run(ctx, state, found) {
    const s = ctx.session;
    for (const name of [...state.suspects.keys()]) {
      if (!s.devices[name].connected || (state.powerCycles[name] ?? 0) > 0) continue;
      ctx.log(`rebooting ${name} over ssh`);
      const r = await s.devices[name].exec('reboot', { timeoutMs: timeoutMs(ctx, name) }).catch((e: unknown) => e);
      // A board that reboots drops the connection; a wedged one lets the command time out.
      const gone = await waitDisconnected(s, name, s.clock.real(20_000));
      if (!gone) {
        ctx.log(`${name}: reboot over ssh did nothing (${r instanceof Error ? describeError(r) : (r as { timedOut?: boolean }).timedOut ? `no answer within ${seconds(timeoutMs(ctx, name))}` : 'the connection stayed up'})`);
        continue;
      }
      try {
        await s.reconnect(name);
      } catch (err) {
        if (!(err instanceof RigError) || err.kind !== 'bench') throw err;
        ctx.log(`${name} not back after the reboot over ssh: ${describeError(err)}`);
        continue;
      }
      if (!(await s.answers(name))) {
        ctx.log(`${name} back after the reboot over ssh but still not answering`);
        continue;
      }
      state.suspects.delete(name);
      state.restarted.add(name);
      found.push(`${name} rebooted over ssh`);
      ctx.bootTimes[name] = await s.bootTime(name);
      ctx.log(`${name} back after the reboot over ssh`);
    }
  },
};

/**
 * A suspect board with a serial console: log in there and `reboot` (dropbear dead, or
 * the network down, with the kernel still alive). A board whose console does not even
 * echo is wedged: the power switch's turn.
 */
const rebootOverConsole: Rung = {
  name: 'reboot over console',
  async run(ctx, state, found) {
    const s = ctx.session;
    for (const name of [...state.suspects.keys()]) {
      const c = s.consoles[name];
      if (!c || (state.powerCycles[name] ?? 0) > 0) continue;
      ctx.log(`logging in on ${name}'s console to reboot it`);
      const mark = c.capturedChars;
      const r = await c.run('reboot', timeoutMs(ctx, name)).catch((e: unknown) => e);
      if (r instanceof Error) {
        ctx.log(`${name}'s console: ${describeError(r)}`);
        continue;
      }
      // `reboot` never prints its end marker: the board goes down. Its echo says the console took it.
      if (!/\breboot\b/.test(c.capturedSince(mark))) {
        ctx.log(`${name}'s console does not answer either (no echo within ${seconds(timeoutMs(ctx, name))})`);
        continue;
      }
      await waitDisconnected(s, name, s.clock.real(20_000));
      try {
        await s.reconnect(name);
      } catch (err) {
        if (!(err instanceof RigError) || err.kind !== 'bench') throw err;
        ctx.log(`${name} not back after the reboot over its console: ${describeError(err)}`);
        continue;
      }
      if (!(await s.answers(name))) continue;
      state.suspects.delete(name);
      state.restarted.add(name);
      found.push(`${name} rebooted over its console`);
      ctx.bootTimes[name] = await s.bootTime(name);
      ctx.log(`${name} back after the reboot over its console`);
    }
  },
};

/** A board still suspect is power-cycled through its power switch. */
const powerCycle: Rung = {
  name: 'power-cycle',
  async run(ctx, state, found) {
    const s = ctx.session;
    state.cycled.clear();
    for (const [name, why] of state.suspects) {
      const sw = s.power[name];
      if (!sw) throw new FinalBenchError(`${name} does not come back (${why}) and has no power switch to cycle (give it power: in the inventory)`, { code: 'E_RECOVERY', subject: name });
      const spent = state.powerCycles[name] ?? 0;
      if (spent >= MAX_POWER_CYCLES) throw new FinalBenchError(`${name} did not come back after ${spent} power cycles through its power switch (${sw.driver}): ${why}`, { code: 'E_RECOVERY', subject: name });
      state.powerCycles[name] = spent + 1;
      const offMs = s.clock.real(POWER_OFF_BENCH_MS);
      ctx.log(`power-cycling ${name} through its power switch (${sw.driver}; off ${seconds(offMs)}, cycle ${spent + 1} of at most ${MAX_POWER_CYCLES})`);
      await sw.cycle(offMs);
      state.cycled.add(name);
      state.restarted.add(name);
      if (!found.includes(`${name} power-cycled`)) found.push(`${name} power-cycled`);
    }
  },
};

/** The power-cycled boards' SSH, within their connect deadline, and answering. */
const waitForSsh: Rung = {
  name: 'wait for ssh',
  async run(ctx, state) {
    const s = ctx.session;
    for (const name of state.cycled) {
      const t0 = performance.now();
      ctx.log(`waiting for ${name}'s SSH (connect deadline ${ctx.bench.devices[name].connectTimeoutS} s)`);
      await s.reconnect(name); // bounded by the device's connect deadline; a BenchError fails this attempt
      if (!(await s.answers(name))) {
        throw new BenchError(`${name} takes SSH after its power cycle but does not answer commands`, { code: 'E_RECOVERY', subject: name });
      }
      state.suspects.delete(name);
      ctx.bootTimes[name] = await s.bootTime(name);
      ctx.log(`${name} back: SSH answers ${seconds(performance.now() - t0)} after the power came on`);
    }
    state.cycled.clear();
  },
};

/** A board that restarted must boot the run's variant; another one is flashed again. */
const reflash: Rung = {
  name: 'reflash',
  async run(ctx, state, found) {
    if (ctx.variant === 'as-installed' || state.restarted.size === 0) return;
    const s = ctx.session;
    const boards = madwifiDevices(ctx.bench).filter((d) => state.restarted.has(d));
    if (boards.length === 0) return;
    const fw = await identifySession(s, { devices: boards });
    const wrong = boards.filter((d) => fw[d]?.loadedVariant !== ctx.variant);
    for (const d of boards.filter((b) => !wrong.includes(b))) ctx.log(`${d} boots ${ctx.variant}, as the run needs`);
    if (wrong.length === 0) return;
    for (const d of wrong) ctx.log(`${d} boots ${fw[d]?.loadedVariant ?? 'an unknown variant'} (banners: ${Object.values(fw[d]?.banners ?? {}).join(' | ') || 'none'}), not ${ctx.variant}: reflashing`);
    await flashSession(s, { variant: ctx.variant, devices: wrong, psk: ctx.psk, log: ctx.log, onProgress: (e) => ctx.log(`${e.device}: ${e.rollback ? 'rollback ' : ''}${e.step}: ${e.message}`) });
    for (const d of wrong) found.push(`${d} reflashed with ${ctx.variant}`);
  },
};

/** The bench clock on the client's clock again, the attenuators at the values the run had set. */
const resynchronise: Rung = {
  name: 'resynchronise',
  async run(ctx) {
    const s = ctx.session;
    await s.anchorClock();
    await Promise.all(AP_NAMES.map((ap) => s.setPath(ap, ctx.attenuation[ap])));
  },
};

/** An AP or the client that lost its configuration (a reboot) is configured again; then the client must associate. */
const reconfigure: Rung = {
  name: 'reconfigure',
  async run(ctx) {
    const s = ctx.session;
    const { bench } = ctx;
    for (const ap of AP_NAMES) {
      const info = await s.aps[ap].link().catch(() => null);
      if (info?.bssid !== ctx.bssids[ap] || info.essid !== bench.essid) {
        ctx.log(`${ap} lost its configuration: configuring it again`);
        ctx.bssids[ap] = await s.aps[ap].configure(accessPointSettings(bench, ap, ctx.psk));
      }
    }
    const sta = await s.station.link().catch(() => null);
    if (!sta || sta.essid !== bench.essid) {
      ctx.log('client lost its configuration: configuring it again');
      await s.configureStation(stationSettings(bench, ctx.psk));
    }
    const bssid = await s.station.waitAssociated(s.clock, 60_000, [ctx.bssids.ap1, ctx.bssids.ap2], ctx.signal);
    ctx.current = bssid === ctx.bssids.ap1 ? 'ap1' : 'ap2';
  },
};

/** The association events and the ping, running again (a new ping counts its seqs from 1). */
const restartStreams: Rung = {
  name: 'restart streams',
  async run(ctx, _state, _found, _attempt, nextIndex) {
    await ctx.restartStreams(nextIndex);
  },
};

export const RECOVERY_LADDER: readonly Rung[] = [reconnect, check, rebootOverSsh, rebootOverConsole, powerCycle, waitForSsh, reflash, resynchronise, reconfigure, restartStreams];

const MAX_ATTEMPTS = 5;

async function waitDisconnected(s: BenchSession, name: DeviceName, ms: number): Promise<boolean> {
  const until = performance.now() + Math.max(ms, 500);
  while (s.devices[name].connected && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  return !s.devices[name].connected;
}

/**
 * Climb the ladder after roam `index` went wrong (`why`), up to MAX_ATTEMPTS times with
 * backoff (1, 2, 4, 8 s of real time, at least 5 s of bench time: a rebooting board or a
 * wedged unit needs it). Returns what was found on the way; throws BenchError
 * (E_RECOVERY) when the bench does not come back.
 */
export async function recoverBench(ctx: RecoveryContext, index: number, why: string): Promise<string[]> {
  const found: string[] = [];
  const state: LadderState = { suspects: new Map(), restarted: new Set(), cycled: new Set(), powerCycles: {} };
  ctx.log(`recovering after: ${why}`);
  const minWaitMs = ctx.session.clock.real(5000);
  try {
    await pRetry(
      async (attempt) => {
        if (ctx.signal?.aborted) return;
        for (const rung of RECOVERY_LADDER) {
          try {
            await rung.run(ctx, state, found, attempt, index + 1);
          } catch (err) {
            if (err instanceof FinalBenchError) throw new AbortError(new FinalBenchError(`${rung.name}: ${err.message}`, { code: err.code, subject: err.subject, cause: err }));
            if (!(err instanceof RigError) || err.kind !== 'bench') throw new AbortError(err as Error);
            throw new BenchError(`${rung.name}: ${describeError(err)}`, { code: (err as RigError).code, cause: err });
          }
        }
        ctx.log(`recovered: client on ${ctx.current}`);
      },
      {
        retries: MAX_ATTEMPTS - 1,
        factor: 2,
        minTimeout: Math.max(1000, minWaitMs),
        maxTimeout: Math.max(8000, minWaitMs),
        randomize: false,
        signal: ctx.signal,
        onFailedAttempt: ({ error, attemptNumber }) => ctx.log(`recovery attempt ${attemptNumber} failed: ${describeError(error)}`),
      },
    );
  } catch (err) {
    if (ctx.signal?.aborted) return found;
    if (!(err instanceof RigError && err.kind === 'bench')) throw err;
    ctx.log(`giving up: ${describeError(err)}`);
    throw new BenchError(`the bench did not recover after roam ${index} (${why}): ${describeError(err)}`, { code: 'E_RECOVERY', cause: err });
  }
  return found;
}
