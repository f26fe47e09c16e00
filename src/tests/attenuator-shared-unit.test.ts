/**
 * One connection per physical attenuator unit (issue 10): attenuators that are channels
 * of one unit share one driver (src/bench/session.ts attenuatorPaths, the controllers'
 * SharedAttenuatorUnit), its requests run one at a time in the order asked, sets asked
 * together are gathered (equal values in one `CHAN:1:2:SETATT:x`), and the virtual rig
 * starts one unit per physical unit, each channel reported for its own attenuator.
 *
 * Counted at the virtual unit itself: the connections it took, the clients it turned
 * away, and the most requests it was answering at one moment (with a reply delay, two
 * requests in flight at once show as 2).
 */
import { rmSync } from 'node:fs';
import * as net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BenchError } from '../errors.ts';
import { attenuatorPaths, type PathAttenuator } from '../bench/session.ts';
import type { EndpointOverrides } from '../bench/provision.ts';
import { createAttenuator } from '../controllers/attenuator/registry.ts';
import type { Attenuator } from '../controllers/attenuator/types.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import type { Bench } from '../inventory/schema.ts';
import { startVirtualAttenuators } from '../../rig/attenuator/bench-attenuators.ts';
import { startMiniCircuitsServer, type MiniCircuitsServer } from '../../rig/attenuator/minicircuits-server.ts';
import type { VirtualAttenuator } from '../../rig/attenuator/types.ts';
import { startWeinschel8310Server } from '../../rig/attenuator/weinschel-8310-server.ts';
import { VirtualRigError } from '../../rig/errors.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

type Protocol = 'http' | 'telnet';
type YamlDoc = Parameters<NonNullable<Parameters<typeof inventoryCopy>[1]>>[0];

const units: VirtualAttenuator[] = [];
const drivers: Attenuator[] = [];

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await Promise.all(units.splice(0).map((u) => u.close()));
});

afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function miniCircuits(opts: Partial<Parameters<typeof startMiniCircuitsServer>[0]> = {}): Promise<MiniCircuitsServer> {
  const server = await startMiniCircuitsServer({ model: 'RC4DAT-6G-95', initialDb: 60, ...opts });
  units.push(server);
  return server;
}

/** The shipped virtual bench, its attenuators edited by `edit`. */
async function bench(edit: (doc: YamlDoc) => void): Promise<Bench> {
  const dir = tempDir();
  dirs.push(dir);
  return selectBench(await loadInventory(inventoryCopy(dir, edit)), 'virtual').bench;
}

const ATT = ['benches', 'virtual', 'attenuators'];

/** att1 and att2 as channels 1 and 2 of one named unit `rc4dat1`. */
function unitForm(model: string, protocol: Protocol, address = '127.0.0.1:0'): (doc: YamlDoc) => void {
  return (doc) => {
    doc.setIn(['benches', 'virtual', 'attenuatorUnits'], doc.createNode({ rc4dat1: { model, protocol, address } }));
    for (const [att, channel] of [['att1', 1], ['att2', 2]] as const) {
      for (const k of ['model', 'protocol', 'address']) doc.deleteIn([...ATT, att, k]);
      doc.setIn([...ATT, att, 'unit'], 'rc4dat1');
      doc.setIn([...ATT, att, 'channel'], channel);
    }
  };
}

/** Where the virtual rig would say both attenuators listen: the unit's port for `protocol`. */
function at(port: number): EndpointOverrides {
  return { attenuators: { att1: { host: '127.0.0.1', port }, att2: { host: '127.0.0.1', port } } };
}

function portOf(server: MiniCircuitsServer, protocol: Protocol): number {
  return protocol === 'http' ? server.httpPort : server.telnetPort!;
}

/** The two paths' attenuators (att1 on ap1, att2 on ap2); closed after the test. */
function twoPaths(b: Bench, overrides?: EndpointOverrides): [PathAttenuator, PathAttenuator] {
  const paths = attenuatorPaths(b, overrides);
  expect(paths.ap1.map((p) => [p.name, p.channel])).toEqual([['att1', 1]]);
  expect(paths.ap2.map((p) => [p.name, p.channel])).toEqual([['att2', 2]]);
  drivers.push(paths.ap1[0].driver, paths.ap2[0].driver);
  return [paths.ap1[0], paths.ap2[0]];
}

/** The unit's commands in their bare form (`CHAN:1:SETATT:20`), HTTP and telnet alike. */
function commands(server: MiniCircuitsServer): string[] {
  return server.requests.map((r) => r.command.replace(/^\/?:?/, ''));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe.each(['http', 'telnet'] as const)('two channels of one unit over %s', (protocol) => {
  it('one driver, one connection; each path moves its own channel; the unit stays open until its last attenuator closes', async () => {
    const server = await miniCircuits({ serial: '11901010077' });
    const [a1, a2] = twoPaths(await bench(unitForm('RC4DAT-6G-95', protocol)), at(portOf(server, protocol)));
    expect(a1.driver.name).toBe('att1');
    expect(a2.driver.name).toBe('att2');

    const ids = await Promise.all([a1.driver.identify(), a2.driver.identify()]);
    for (const id of ids) expect(id).toEqual({ model: 'RC4DAT-6G-95', serial: '11901010077', maxDb: 95, channels: 4 });
    expect(await Promise.all([a1.driver.set(a1.channel, 20), a2.driver.set(a2.channel, 57)])).toEqual([20, 57]);
    expect([server.get(1), server.get(2), server.get(3)]).toEqual([20, 57, 60]);
    expect(server.connectionCounts()).toEqual(protocol === 'http' ? { http: 1, telnet: 0, telnetRefused: 0 } : { http: 0, telnet: 1, telnetRefused: 0 });

    // the session sets ap1 safe and closes it, then ap2: the unit must still be there for ap2
    await a1.driver.close();
    expect(await a2.driver.set(a2.channel, 60)).toBe(60);
    expect(server.connectionCounts()[protocol]).toBe(1);
    await a2.driver.close();
    if (protocol === 'telnet') {
      // the unit's one telnet slot is free again: another client gets in
      const next = createAttenuator({ name: 'next', model: 'RC4DAT-6G-95', protocol, host: '127.0.0.1', port: server.telnetPort!, timeoutMs: 1000 });
      drivers.push(next);
      expect(await next.get(1)).toBe(20);
      expect(server.connectionCounts()).toEqual({ http: 0, telnet: 2, telnetRefused: 0 });
    }
  });

  it('the older form (model, protocol, address on each attenuator): one address is one unit, its errors name both attenuators', async () => {
    const server = await miniCircuits();
    const port = portOf(server, protocol);
    const b = await bench((doc) => {
      for (const [att, channel] of [['att1', 1], ['att2', 2]] as const) {
        doc.setIn([...ATT, att, 'model'], 'RC4DAT-6G-95');
        doc.setIn([...ATT, att, 'protocol'], protocol);
        doc.setIn([...ATT, att, 'address'], `127.0.0.1:${port}`);
        doc.setIn([...ATT, att, 'channel'], channel);
      }
    });
    const [a1, a2] = twoPaths(b); // no overrides: the inventory's own address
    expect(await Promise.all([a1.driver.set(1, 33), a2.driver.set(2, 44)])).toEqual([33, 44]);
    expect(server.connectionCounts()[protocol]).toBe(1);
    server.setFault('garbage');
    const err = await rejection(a2.driver.set(2, 45));
    expect((err as BenchError).code).toBe('E_ATTENUATOR_REPLY');
    const wire = protocol === 'http' ? 'http' : 'telnet';
    expect((err as Error).message).toMatch(
      new RegExp(`^attenuator unit "att1\\+att2" \\(RC4DAT-6G-95 at ${wire}://127\\.0\\.0\\.1:${port}; channel 1: att1, channel 2: att2\\): `),
    );
  });
});

describe('one request at a time on a shared unit (the unit takes 20 ms per answer)', () => {
  it.each(['http', 'telnet'] as const)('over %s: concurrent sets on two channels never interleave; each set is followed by its own read-back', async (protocol) => {
    const server = await miniCircuits({ replyDelayMs: 20 });
    const [a1, a2] = twoPaths(await bench(unitForm('RC4DAT-6G-95', protocol)), at(portOf(server, protocol)));
    const asked: Promise<number>[] = [];
    for (let i = 0; i < 4; i++) asked.push(a1.driver.set(1, 20 + 3 * i), a2.driver.set(2, 60 - 3 * i));
    expect(await Promise.all(asked)).toEqual([20, 60, 23, 57, 26, 54, 29, 51]);
    expect(server.maxInFlight).toBe(1);
    expect(server.connectionCounts()[protocol]).toBe(1);
    // different values: one channel after the other, in the order asked, each read back at once
    const expected = [20, 60, 23, 57, 26, 54, 29, 51].flatMap((db, i) => {
      const ch = i % 2 === 0 ? 1 : 2;
      return [`CHAN:${ch}:SETATT:${db}`, `CHAN:${ch}:ATT?`];
    });
    expect(commands(server)).toEqual(expected);
    expect([server.get(1), server.get(2)]).toEqual([29, 51]);
  });

  it('(control) two drivers of their own on one unit do overlap there: what the sharing prevents', async () => {
    const server = await miniCircuits({ replyDelayMs: 20 });
    const own = ['att1', 'att2'].map((name) => createAttenuator({ name, model: 'RC4DAT-6G-95', protocol: 'http', host: '127.0.0.1', port: server.httpPort, timeoutMs: 1000 }));
    drivers.push(...own);
    expect(await Promise.all([own[0].set(1, 20), own[1].set(2, 60)])).toEqual([20, 60]);
    expect(server.maxInFlight).toBe(2);
    expect(server.connectionCounts().http).toBe(2);
  });

  it('equal values go as one CHAN:1:2:SETATT request, then each channel is read back', async () => {
    const server = await miniCircuits({ replyDelayMs: 20 });
    const [a1, a2] = twoPaths(await bench(unitForm('RC4DAT-6G-95', 'telnet')), at(server.telnetPort!));
    expect(await Promise.all([a1.driver.set(1, 30), a2.driver.set(2, 30)])).toEqual([30, 30]);
    expect(commands(server)).toEqual(['CHAN:1:2:SETATT:30', 'CHAN:1:ATT?', 'CHAN:2:ATT?']);
  });

  it('a request asked between two sets runs between them (a later set never joins an earlier batch)', async () => {
    const server = await miniCircuits({ replyDelayMs: 20 });
    const [a1, a2] = twoPaths(await bench(unitForm('RC4DAT-6G-95', 'telnet')), at(server.telnetPort!));
    const first = a1.driver.set(1, 10);
    const read = a2.driver.get(2);
    const second = a2.driver.set(2, 20);
    expect(await Promise.all([first, read, second])).toEqual([10, 60, 20]); // the read saw channel 2 before its set
    expect(commands(server)).toEqual(['CHAN:1:SETATT:10', 'CHAN:1:ATT?', 'CHAN:2:ATT?', 'CHAN:2:SETATT:20', 'CHAN:2:ATT?']);
  });

  it('each caller gets its own outcome: a refused value on one channel does not fail the other', async () => {
    const server = await miniCircuits();
    const [a1, a2] = twoPaths(await bench(unitForm('RC4DAT-6G-95', 'telnet')), at(server.telnetPort!));
    const [ok, bad] = await Promise.allSettled([a1.driver.set(1, 30), a2.driver.set(2, 96)]);
    expect(ok).toEqual({ status: 'fulfilled', value: 30 });
    expect(bad.status).toBe('rejected');
    expect(((bad as PromiseRejectedResult).reason as BenchError).code).toBe('E_ATTENUATOR_RANGE');
    expect([server.get(1), server.get(2)]).toEqual([30, 60]);
  });

  it('a Weinschel 8310 (one telnet client): one connection, equal values set one channel after the other', async () => {
    const server = await startWeinschel8310Server({ initialDb: 60 });
    units.push(server);
    const [a1, a2] = twoPaths(await bench(unitForm('8310', 'telnet')), at(server.port));
    expect(await Promise.all([a1.driver.set(1, 30), a2.driver.set(2, 30)])).toEqual([30, 30]);
    expect(await Promise.all([a1.driver.set(1, 33), a2.driver.set(2, 27)])).toEqual([33, 27]);
    expect(server.connectionCounts()).toEqual({ http: 0, telnet: 1, telnetRefused: 0 });
    const attn = server.requests.map((r) => r.command).filter((c) => c.startsWith('ATTN'));
    expect(attn).toEqual(['ATTN 1 30', 'ATTN? 1', 'ATTN 2 30', 'ATTN? 2', 'ATTN 1 33', 'ATTN? 1', 'ATTN 2 27', 'ATTN? 2']);
  });
});

/** One telnet line to a unit and its one reply line (Mini-Circuits: no prompt). */
async function telnetAsk(port: number, line: string): Promise<string> {
  const socket = net.connect({ host: '127.0.0.1', port });
  try {
    return await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`no reply to ${line}`)), 2000);
      socket.on('error', reject);
      socket.on('connect', () => socket.write(`${line}\r\n`));
      socket.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(buf.slice(0, nl).trim());
        }
      });
    });
  } finally {
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => (socket.destroy(), resolve()), 500);
    });
  }
}

describe('the virtual rig: one virtual unit per physical unit', () => {
  it('the channels of a named unit share one unit; a change is reported for the attenuator on that channel only', async () => {
    const changes: [string, number, number][] = [];
    const started = await startVirtualAttenuators(
      {
        att1: { model: 'RC4DAT-6G-95', protocol: 'telnet', address: '127.0.0.1:0', unit: 'rc4dat1', channel: 1 },
        att2: { model: 'RC4DAT-6G-95', protocol: 'telnet', address: '127.0.0.1:0', unit: 'rc4dat1', channel: 2 },
        att3: { model: 'RCDAT-6000-60', protocol: 'http', address: '127.0.0.1:0', channel: 1 },
      },
      { host: '127.0.0.1', initialDb: 60, onChange: (name, ch, db) => changes.push([name, ch, db]) },
    );
    units.push(...new Set(Object.values(started)));
    expect(started.att1).toBe(started.att2);
    expect(started.att3).not.toBe(started.att1);
    expect([started.att1.serial, started.att3.serial]).toEqual(['11901010001', '11901010002']);
    const port = started.att1.ports.telnet!;
    expect(await telnetAsk(port, ':CHAN:2:SETATT:30')).toBe('1');
    expect(await telnetAsk(port, ':CHAN:1:SETATT:12.5')).toBe('1');
    expect(await telnetAsk(port, ':CHAN:3:SETATT:5')).toBe('1'); // a channel no attenuator is on
    expect(changes).toEqual([
      ['att2', 2, 30],
      ['att1', 1, 12.5],
    ]);
    expect(started.att1.connectionCounts()).toEqual({ http: 0, telnet: 3, telnetRefused: 0 });
  });

  it('at one real address the older form is one unit too; attenuators there that disagree on the model are a configuration error', async () => {
    const free = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const same = await startVirtualAttenuators(
      {
        att1: { model: 'RC4DAT-6G-95', protocol: 'http', address: `127.0.0.1:${free}`, channel: 1 },
        att2: { model: 'rc4dat-6g-95', protocol: 'http', address: `127.0.0.1:${free}`, channel: 2 },
      },
      { host: '127.0.0.1', initialDb: 60, onChange: () => undefined },
    );
    units.push(same.att1);
    expect(same.att1).toBe(same.att2);
    expect(same.att1.ports.http).toBe(free);

    const err = await rejection(
      startVirtualAttenuators(
        {
          att1: { model: 'RC4DAT-6G-95', protocol: 'http', address: '127.0.0.1:9', channel: 1 },
          att2: { model: 'RC8DAT-6G-95', protocol: 'http', address: '127.0.0.1:9', channel: 2 },
        },
        { host: '127.0.0.1', initialDb: 60, onChange: () => undefined },
      ),
    );
    expect(err).toBeInstanceOf(VirtualRigError);
    expect((err as VirtualRigError).kind).toBe('config');
    expect((err as Error).message).toMatch(/"att1" and "att2" are channels of one unit \(127\.0\.0\.1:9\) but say RC4DAT-6G-95 over http and RC8DAT-6G-95 over http/);
  });
});
