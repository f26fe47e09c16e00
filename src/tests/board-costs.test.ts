/**
 * The virtual boards' costs (rig/ssh/board-costs.ts, `virtual.boardCosts`): model
 * milliseconds from the inventory become real waits divided by the time scale; named
 * CPU-bound commands replace the per-command figure; the defaults are merged under
 * what the inventory names; bad figures are refused with their path. (Not timed:
 * what the waits cost is a benchmark's business, `npm run bench`.)
 */
import { describe, expect, it } from 'vitest';
import { processCosts } from '../../rig/ssh/board-costs.ts';
import { BOARD_COST_DEFAULTS, BoardCostsSchema, VirtualSchema } from '../inventory/schema.ts';

describe('board costs', () => {
  it('absent: no costs; `boardCosts: {}` gives the 2007-board defaults', () => {
    expect(VirtualSchema.parse({ timeScale: 1, seed: 1 }).boardCosts).toBeUndefined();
    const c = VirtualSchema.parse({ timeScale: 1, seed: 1, boardCosts: {} }).boardCosts;
    expect(c).toEqual({ channelOpenMs: 60, commandMs: 15, commands: BOARD_COST_DEFAULTS.commands });
    expect(c?.commands.insmod).toBeGreaterThan(c?.commandMs ?? Infinity);
  });

  it('named commands override the defaults one by one, the rest stay', () => {
    const c = BoardCostsSchema.parse({ commandMs: 5, commands: { insmod: 900, ping: 30 } });
    expect(c.commands).toMatchObject({ insmod: 900, ping: 30, rmmod: 40 });
    expect(c.commandMs).toBe(5);
  });

  it('model milliseconds become real ones divided by the time scale; a path runs the named command', () => {
    const figures = BoardCostsSchema.parse({});
    const at1 = processCosts(figures, 1);
    const at100 = processCosts(figures, 100);
    expect(at1.channelOpenMs).toBe(60);
    expect(at100.channelOpenMs).toBeCloseTo(0.6, 10);
    expect(at1.start(['/sbin/insmod', 'ath_pci.ko'])).toBe(60);
    expect(at1.start(['iwconfig', 'ath0'])).toBe(15);
    expect(at100.start(['sha256sum', '/lib/modules/x.ko'])).toBeCloseTo(6, 10);
    expect(at1.start([])).toBe(15);
    // Without arguments (`sha256sum < /dev/null`, a probe) a named command costs a process start only.
    expect(at1.start(['sha256sum'])).toBe(15);
  });

  it('refuses a negative or absurd figure, naming it', () => {
    const r = BoardCostsSchema.safeParse({ channelOpenMs: -1, commands: { insmod: 1e9 } });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['channelOpenMs', 'commands.insmod']);
    expect(r.error?.issues[0].message).toMatch(/model milliseconds/);
  });
});
