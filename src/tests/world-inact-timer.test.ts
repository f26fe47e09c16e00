/**
 * madwifi's node inactivity timer (`ic_inact`, which runs sta_age() on the station and
 * ieee80211_timeout_stations() on both sides) keeps its period exactly: the handler re-arms
 * with `jiffies + IEEE80211_INACT_WAIT * HZ`, and the timer softirq runs it in the tick
 * where jiffies reaches `expires`, so no latency adds up from one run to the next (model,
 * manual clock). The roam checks and iputils' sends then count the same board clock; a
 * model whose check drifted a few ms per period against the pings swept their phase
 * through a patched roam's ~9 ms loss window (docs/virtual-rig.md).
 */
import { describe, expect, it } from 'vitest';
import { ModelClock, Scheduler } from '../../rig/world/clock.ts';
import { HZ_DEFAULT, KernelTicks } from '../../rig/world/kernel-time.ts';
import { INACT_WAIT_MS, NodeInactivity, nextInactExpiry } from '../../rig/world/node-inactivity.ts';
import { Random } from '../../rig/world/random.ts';
import { ModelBench } from './helpers/world.ts';

/** Distance of x from the nearest whole multiple of m. */
const offGrid = (x: number, m: number): number => Math.abs(x - Math.round(x / m) * m);

describe('the inactivity timer keeps 15 s of the board clock (model)', () => {
  it('re-arms from the tick it ran in: the next expiry is 15 * HZ jiffies on', () => {
    const t = new KernelTicks(HZ_DEFAULT, 1.3);
    const j = 1234;
    // run in the tick of its expiry, a little after the interrupt, or one tick late
    expect(nextInactExpiry(t, t.tickTime(j) + 0.05)).toBe(j + 15 * HZ_DEFAULT);
    expect(nextInactExpiry(t, t.tickTime(j + 1) + 0.05)).toBe(j + 1 + 15 * HZ_DEFAULT);
  });

  it('an AP node table ticks 1000 times with no drift: every tick within 0.1 ms of first + k * 15 s', () => {
    const sched = new Scheduler(new ModelClock(1, true));
    const seen: number[] = [];
    const inact = new NodeInactivity<string>(sched, new Random(7), {
      // a node kept in its probe window answers every tick's probe: one call per tick
      probeAcked: () => {
        seen.push(sched.now());
        return true;
      },
      timedOut: () => {},
    });
    inact.add('sta', 'init');
    sched.runUntil(1001 * INACT_WAIT_MS);
    inact.stop();
    expect(seen.length).toBeGreaterThanOrEqual(1000);
    const worst = Math.max(...seen.map((at, k) => Math.abs(at - seen[0] - k * INACT_WAIT_MS)));
    // a latency of 0 to 10 ms added per tick would be ~5 s off by the end
    expect(worst).toBeLessThan(0.1);
  });

  it('roams that sta_age() decides depart whole check periods apart on the station', () => {
    const b = new ModelBench({ variant: 'patched', seed: 61 });
    b.associate();
    b.startPing();
    b.run(3000);
    for (let i = 0; i < 6; i++) expect(b.roam({ afterMs: 3000 }).joinMs).toBeDefined();
    const departs = b.finish().flatMap((e) => e.roams.map((r) => r.tDepartMs));
    expect(departs.length).toBeGreaterThanOrEqual(6);
    const spans = departs.slice(1).map((d) => d - departs[0]);
    // the crossfade of the helper takes 15 to 45 s, so these spans are 1 to ~18 periods:
    // each within the handler's latency (< 0.1 ms) of a whole number of them
    for (const s of spans) expect(offGrid(s, INACT_WAIT_MS)).toBeLessThan(0.2);
    expect(spans.at(-1)!).toBeGreaterThan(5 * INACT_WAIT_MS);
  });
});
