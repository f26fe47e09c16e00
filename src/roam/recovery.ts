/**
 * Recovery after a roam that something on the bench broke (a dropped connection, a
 * reboot, an attenuator that stopped answering, a dead ping): an ordered ladder of
 * rungs, each bounded and logged in the run folder's recovery.log, climbed in order on
 * every attempt; attempts are retried with backoff (p-retry) a bounded number of times.
 * A bench that does not come back ends the run (BenchError, exit 3). The rungs today:
 * reconnect, resynchronise, reconfigure, restart the streams; rebooting a board over
 * SSH and power-cycling it through its power switch slot in as further rungs.
 */
import pRetry, { AbortError } from 'p-retry';
import type { BenchSession, ApName } from '../bench/session.ts';
import { accessPointSettings, stationSettings } from '../bench/settings.ts';
import { BenchError, RigError, describeError } from '../errors.ts';
import { AP_NAMES, type Bench } from '../inventory/schema.ts';

/** What the ladder works on: the live bench's state that a recovery may have to restore. */
export interface RecoveryContext {
  session: BenchSession;
  bench: Bench;
  psk: string | null;
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

interface Rung {
  name: string;
  /** Do this rung's work; push what was found (e.g. "ap2 rebooted") for the roam's record. */
  run(ctx: RecoveryContext, found: string[], attempt: number, nextIndex: number): Promise<void>;
}

/** Connect again to every device whose connection is gone; a later boot time means it rebooted. */
const reconnect: Rung = {
  name: 'reconnect',
  async run(ctx, found, attempt) {
    const s = ctx.session;
    for (const name of s.disconnected()) {
      ctx.log(`reconnecting to ${name} (attempt ${attempt})`);
      await s.reconnect(name);
      const booted = await s.bootTime(name);
      const before = ctx.bootTimes[name];
      if (booted !== null && before !== null && booted - before > 30_000) {
        found.push(`${name} rebooted`);
        ctx.log(`${name} rebooted (uptime says it booted ${Math.round((booted - before) / 1000)} s after the last boot seen)`);
      }
      ctx.bootTimes[name] = booted;
    }
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
      await s.station.configure(stationSettings(bench, ctx.psk));
    }
    const bssid = await s.station.waitAssociated(s.clock, 60_000, [ctx.bssids.ap1, ctx.bssids.ap2], ctx.signal);
    ctx.current = bssid === ctx.bssids.ap1 ? 'ap1' : 'ap2';
  },
};

/** The association events and the ping, running again (a new ping counts its seqs from 1). */
const restartStreams: Rung = {
  name: 'restart streams',
  async run(ctx, _found, _attempt, nextIndex) {
    await ctx.restartStreams(nextIndex);
  },
};

export const RECOVERY_LADDER: readonly Rung[] = [reconnect, resynchronise, reconfigure, restartStreams];

const MAX_ATTEMPTS = 5;

/**
 * Climb the ladder after roam `index` went wrong (`why`), up to MAX_ATTEMPTS times with
 * backoff (1, 2, 4, 8 s of real time, at least 5 s of bench time: a rebooting board or a
 * wedged unit needs it). Returns what was found on the way; throws BenchError when the
 * bench does not come back.
 */
export async function recoverBench(ctx: RecoveryContext, index: number, why: string): Promise<string[]> {
  const found: string[] = [];
  ctx.log(`recovering after: ${why}`);
  const minWaitMs = ctx.session.clock.real(5000);
  try {
    await pRetry(
      async (attempt) => {
        if (ctx.signal?.aborted) return;
        for (const rung of RECOVERY_LADDER) {
          try {
            await rung.run(ctx, found, attempt, index + 1);
          } catch (err) {
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
    throw new BenchError(`the bench did not recover after roam ${index} (${why}): ${describeError(err)}`, { code: 'E_RECOVERY' });
  }
  return found;
}

