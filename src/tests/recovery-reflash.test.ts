/**
 * The ladder's reflash rung on the virtual bench: a client whose flash holds `patched`
 * hangs during a `stock` run; the ladder finds it wedged, power-cycles it through its
 * virtual Gude outlet, sees from its driver banners that it booted `patched`, flashes
 * `stock` again (the flash strategy), and brings the bench back: the client
 * associated, the APs as they were. A wedged board without a power switch is a bench
 * failure naming what is missing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { provisionVirtualBench, type Lab } from '../../rig/index.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import { accessPointSettings, stationSettings } from '../bench/settings.ts';
import { BenchError } from '../errors.ts';
import { identifySession } from '../flash/session.ts';
import type { Bench } from '../inventory/schema.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { recoverBench, type RecoveryContext } from '../roam/recovery.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

let session: BenchSession | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

async function bench(edit?: Parameters<typeof inventoryCopy>[1]): Promise<Bench> {
  const inv = inventoryCopy(tempDir(), (doc) => {
    doc.setIn(['benches', 'virtual', 'devices', 'client', 'commandTimeoutS'], 2);
    edit?.(doc);
  });
  return selectBench(await loadInventory(inv), 'virtual').bench;
}

async function upAndAssociated(b: Bench, clientFlash: string): Promise<{ s: BenchSession; lab: Lab; ctx: RecoveryContext; log: string[] }> {
  session = await openBench(b, { provision: (bb, req) => provisionVirtualBench(bb, req, { boards: { client: { firmware: clientFlash } } }), timeScale: 100, firmware: 'stock' });
  const s = session;
  await Promise.all([s.setPath('ap1', 20), s.setPath('ap2', 60)]);
  const b1 = await s.aps.ap1.configure(accessPointSettings(b, 'ap1', null));
  const b2 = await s.aps.ap2.configure(accessPointSettings(b, 'ap2', null));
  await s.station.configure(stationSettings(b, null));
  await s.station.waitAssociated(s.clock, 60_000, [b1]);
  const log: string[] = [];
  const bootTimes: Record<string, number | null> = {};
  for (const n of ['ap1', 'ap2', 'client'] as const) bootTimes[n] = await s.bootTime(n);
  const ctx: RecoveryContext = {
    session: s,
    bench: b,
    psk: null,
    variant: 'stock',
    bssids: { ap1: b1, ap2: b2 },
    attenuation: { ap1: 20, ap2: 60 },
    bootTimes,
    current: 'ap1',
    restartStreams: async () => {},
    log: (m) => log.push(m),
  };
  return { s, lab: s.provisioned as unknown as Lab, ctx, log };
}

describe('recovery ladder: power-cycle and reflash', () => {
  it('a hung client that boots the wrong variant is power-cycled and flashed back to the run\'s', async () => {
    const { s, lab, ctx, log } = await upAndAssociated(await bench(), 'patched');
    expect((await identifySession(s, { devices: ['client'] })).client?.loadedVariant).toBe('patched');
    lab.faults.inject({ kind: 'hang', device: 'client' });
    const found = await recoverBench(ctx, 7, 'test: the client stopped answering');
    expect(found).toEqual(['client hung', 'client power-cycled', 'client reflashed with stock']);
    expect((await identifySession(s, { devices: ['client'] })).client?.loadedVariant).toBe('stock');
    expect((await s.station.link()).bssid).toBe(ctx.bssids[ctx.current]);
    const text = log.join('\n');
    expect(text).toMatch(/power-cycling client through its power switch \(gude/);
    expect(text).toMatch(/client boots patched .*not stock: reflashing/);
  });

  it('a hung client without a power switch: the bench failed, and the error says why', async () => {
    const b = await bench((doc) => doc.deleteIn(['benches', 'virtual', 'devices', 'client', 'power']));
    const { lab, ctx } = await upAndAssociated(b, 'stock');
    lab.faults.inject({ kind: 'hang', device: 'client' });
    const err = await recoverBench(ctx, 3, 'test').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('E_RECOVERY');
    expect((err as Error).message).toMatch(/^the bench did not recover after roam 3 \(test\): power-cycle: client does not come back \(no answer to a command within 2 s\) and has no power switch to cycle/);
  });
});
