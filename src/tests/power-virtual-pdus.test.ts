/**
 * The NETIO and SNMP power switches on the virtual bench: the inventory puts each board
 * on an outlet of a different kind of unit (ap1 NETIO, ap2 APC over SNMP, client
 * Raritan over SNMP), credentials in environment variables; the rig's drivers, through
 * the session, really cut each board's power and bring it back. The pdu-stuck fault
 * makes a unit answer without switching, and the read-back catches it with the board
 * still up. The inventory's power settings are checked with their path and line.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provisionBench } from '../api/provision.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import { powerSwitchDrivers } from '../controllers/drivers.ts';
import { BenchError, ConfigError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

const ENV = { RIG_T_NETIO_USER: 'write', RIG_T_NETIO_PASS: 'n3tio-secret', RIG_T_COMMUNITY: 'c0mmunity-secret' };
beforeEach(() => Object.assign(process.env, ENV));
afterEach(() => {
  for (const k of Object.keys(ENV)) delete process.env[k];
});

let session: BenchSession | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

const POWER = {
  ap1: { driver: 'netio', address: '127.0.0.1:0', outlet: 1, usernameEnv: 'RIG_T_NETIO_USER', passwordEnv: 'RIG_T_NETIO_PASS' },
  ap2: { driver: 'apc-snmp', address: '127.0.0.1:0', outlet: 2, snmp: { communityEnv: 'RIG_T_COMMUNITY' } },
  client: { driver: 'raritan-snmp', address: '127.0.0.1:0', outlet: 3, snmp: { communityEnv: 'RIG_T_COMMUNITY' } },
};

async function bench(edit?: Parameters<typeof inventoryCopy>[1]) {
  const inv = inventoryCopy(tempDir(), (doc) => {
    for (const [d, p] of Object.entries(POWER)) doc.setIn(['benches', 'virtual', 'devices', d, 'power'], p);
    edit?.(doc);
  });
  return selectBench(await loadInventory(inv), 'virtual').bench;
}

async function waitDisconnected(s: BenchSession, d: 'ap1' | 'ap2' | 'client'): Promise<boolean> {
  for (let i = 0; i < 100 && s.devices[d].connected; i++) await new Promise((r) => setTimeout(r, 20));
  return !s.devices[d].connected;
}

describe('NETIO and SNMP power switches on the virtual bench', () => {
  it('each driver cuts its own board and brings it back, the others untouched', async () => {
    session = await openBench(await bench(), { provision: provisionBench, timeScale: 100 });
    const s = session;
    expect(Object.fromEntries(Object.entries(s.power).map(([d, p]) => [d, p!.driver]))).toEqual({ ap1: 'netio', ap2: 'apc-snmp', client: 'raritan-snmp' });
    for (const d of ['ap1', 'ap2', 'client'] as const) {
      const sw = s.power[d]!;
      expect(await sw.state()).toBe('on');
      await sw.off();
      expect(await sw.state()).toBe('off');
      expect(await waitDisconnected(s, d)).toBe(true);
      for (const other of (['ap1', 'ap2', 'client'] as const).filter((o) => o !== d)) {
        expect((await s.devices[other].exec('true', { timeoutMs: 5000 })).exitCode).toBe(0);
      }
      await sw.on();
      await s.reconnect(d);
      expect((await s.devices[d].exec('cat /proc/uptime', { timeoutMs: 5000 })).exitCode).toBe(0);
    }
  });

  it('pdu-stuck: the unit answers but does not switch; the read-back says so and the board stays up', async () => {
    const b = await bench((doc) => doc.setIn(['benches', 'virtual', 'virtual', 'faults'], [{ kind: 'pdu-stuck', device: 'client', afterS: 0 }]));
    session = await openBench(b, { provision: provisionBench, timeScale: 100 });
    const s = session;
    await s.clock.sleep(1000);
    let err: unknown = null;
    await s.power.client!.off().catch((e: unknown) => (err = e));
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('E_POWER_STUCK');
    expect((err as Error).message).toMatch(/^power switch for client \(Raritan PDU2 SNMP at 127\.0\.0\.1:\d+, outlet 3\): switched off, but the outlet reads back on/);
    expect((err as Error).message).not.toContain(ENV.RIG_T_COMMUNITY);
    expect((await s.devices.client.exec('true', { timeoutMs: 5000 })).exitCode).toBe(0);
    // The other units switch as usual.
    await s.power.ap1!.cycle(20);
    expect(await s.power.ap1!.state()).toBe('on');
  });

  it('a wrong community on the bench is reported without the community', async () => {
    const s = (session = await openBench(await bench(), { provision: provisionBench, timeScale: 100 }));
    // A driver built with the wrong community (as when the variable holds a stale one).
    const ep = s.provisioned!.endpoints!.power!.ap2!;
    const sw = powerSwitchDrivers.create('apc-snmp', { name: 'ap2', host: ep.host, port: ep.port, outlet: 2, timeoutMs: 300, settings: POWER.ap2 as never, env: { RIG_T_COMMUNITY: 'wrong-c0mmunity' } }, 'ap2');
    let err: unknown = null;
    await sw.off().catch((e: unknown) => (err = e));
    await sw.close();
    expect((err as BenchError).code).toBe('E_POWER_AUTH_OR_ABSENT');
    expect((err as Error).message).not.toMatch(/c0mmunity/);
    expect((await s.devices.ap2.exec('true', { timeoutMs: 5000 })).exitCode).toBe(0);
  });
});

describe('inventory: power settings checked with path and line', () => {
  const bad = async (power: unknown): Promise<string> => {
    const inv = inventoryCopy(tempDir(), (doc) => doc.setIn(['benches', 'virtual', 'devices', 'client', 'power'], power));
    try {
      await loadInventory(inv);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('expected the inventory to be refused');
  };

  it('names the missing block, the misplaced one, the missing community and a bad regex', async () => {
    expect(await bad({ driver: 'rest', address: '127.0.0.1:0', outlet: 1 })).toMatch(/inventory\.yaml:\d+:\d+.*devices\.client\.power.*expected a rest: block \(driver rest needs its settings\)/);
    expect(await bad({ driver: 'gude', address: '127.0.0.1:0', outlet: 1, snmp: { communityEnv: 'X' } })).toMatch(/devices\.client\.power\.snmp.*a snmp: block is for apc-snmp \/ raritan-snmp, not driver gude/);
    expect(await bad({ driver: 'apc-snmp', address: '127.0.0.1:0', outlet: 1, snmp: {} })).toMatch(/devices\.client\.power\.snmp\.communityEnv.*SNMP v2c write community/);
    expect(await bad({ driver: 'netio', outlet: 1 })).toMatch(/devices\.client\.power\.address.*expected the power switch's address host:port \(driver netio\)/);
    expect(
      await bad({ driver: 'command', outlet: 1, command: { switch: ['/opt/lab/pdu', '{outlet}', '{action}'], state: ['/opt/lab/pdu', '{outlet}'], onMatch: '(on', offMatch: 'off' } }),
    ).toMatch(/devices\.client\.power\.command\.onMatch.*expected a regular expression/);
    expect(await bad({ driver: 'apc-snmp', address: '127.0.0.1:0', outlet: 1, snmp: { communityEnv: 'public' } })).toMatch(/communityEnv.*name of an environment variable.*never the secret itself/);
  });

  it('a command entry needs no address and loads', async () => {
    const inv = inventoryCopy(tempDir(), (doc) =>
      doc.setIn(['benches', 'virtual', 'devices', 'client', 'power'], { driver: 'command', outlet: 2, command: { switch: ['/opt/lab/pdu', '{outlet}', '{action}'], state: ['/opt/lab/pdu', '{outlet}'], onMatch: 'on$', offMatch: 'off$' } }),
    );
    const b = selectBench(await loadInventory(inv), 'virtual').bench;
    expect(b.devices.client.power).toMatchObject({ driver: 'command', outlet: 2, command: { timeoutS: 10 } });
  });
});
