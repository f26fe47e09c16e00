/**
 * The bench clock on the client's clock (BenchSession.anchorClock): `date +%s` has whole
 * seconds, so the session reads it until it ticks and puts the second boundary between two
 * reads. Against a virtual bench at time scale 1, every later `date +%s` must fall within
 * the bench clock's reading at the read's send and arrival, widened by the anchor's own
 * stated uncertainty (no fixed time limit: a stall widens the bounds it is checked against).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { provisionBench } from '../api/provision.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

let session: BenchSession | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

describe('bench clock anchored on the client', () => {
  it('at the tick of `date +%s`: later reads agree with the bench clock within the anchor\'s stated uncertainty', async () => {
    const bench = selectBench(await loadInventory(inventoryCopy(tempDir())), 'virtual').bench;
    session = await openBench(bench, { provision: provisionBench, timeScale: 1 });
    const s = session;
    const anchor = await s.anchorClock();
    expect(anchor?.method).toBe('tick');
    const u = anchor!.uncertaintyMs;
    expect(u).toBeGreaterThan(0);
    for (let i = 0; i < 12; i++) {
      const before = s.clock.now();
      const r = await s.devices.client.exec('date +%s', { timeoutMs: 10_000 });
      const after = s.clock.now();
      const second = Number(r.stdout.trim()) * 1000;
      // The board's second [second, second + 1000) overlaps the bench's [before, after], give or take u.
      expect(second + 1000 + u, `read ${i}: board ${second}, bench ${before}..${after}`).toBeGreaterThan(before);
      expect(second - u, `read ${i}: board ${second}, bench ${before}..${after}`).toBeLessThanOrEqual(after);
      await new Promise((res) => setTimeout(res, 90));
    }
  });
});
