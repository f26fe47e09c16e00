import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchError, ConfigError } from '../errors.ts';
import type { Attenuator } from '../controllers/attenuator/types.ts';
import { createAttenuator, registerAttenuatorDriver, supportedAttenuatorModels } from '../controllers/attenuator/registry.ts';
import { MiniCircuitsAttenuator, MiniCircuitsHttpTransport, parseMiniCircuitsModel } from '../controllers/attenuator/minicircuits-http.ts';
import { MiniCircuitsTelnetTransport } from '../controllers/attenuator/minicircuits-telnet.ts';
import { startMiniCircuitsServer, type MiniCircuitsServer } from '../../rig/attenuator/minicircuits-server.ts';

const servers: MiniCircuitsServer[] = [];
const attenuators: Attenuator[] = [];

afterEach(async () => {
  await Promise.all(attenuators.splice(0).map((a) => a.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function unit(model: string, extra: Parameters<typeof startMiniCircuitsServer>[0] | object = {}) {
  const changes: [number, number][] = [];
  const server = await startMiniCircuitsServer({ model, onChange: (ch, db) => changes.push([ch, db]), ...extra });
  servers.push(server);
  return { server, changes };
}

function driver(server: MiniCircuitsServer, protocol: 'http' | 'telnet', timeoutMs = 1000, name = 'att1'): Attenuator {
  const port = protocol === 'http' ? server.httpPort : server.telnetPort!;
  const a = createAttenuator({ name, model: server.model, protocol, host: '127.0.0.1', port, timeoutMs });
  attenuators.push(a);
  return a;
}

/** One raw HTTP GET against the unit, no driver in between. */
function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      res.on('error', reject);
    });
    req.setTimeout(2000, () => req.destroy(new Error('raw GET timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A raw telnet session: send lines, read reply lines. */
async function rawTelnet(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let buf = '';
  const waiters: ((l: string) => void)[] = [];
  const lines: string[] = [];
  let closed = false;
  const closedP = new Promise<void>((r) => socket.on('close', () => ((closed = true), r())));
  socket.on('error', () => undefined);
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i + 1);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  return {
    socket,
    get closed() {
      return closed;
    },
    closedP,
    ask(cmd: string): Promise<string> {
      socket.write(`${cmd}\r\n`);
      const l = lines.shift();
      if (l !== undefined) return Promise.resolve(l);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no telnet reply to ${cmd}`)), 2000);
        waiters.push((line) => (clearTimeout(t), resolve(line)));
      });
    },
    close(): Promise<void> {
      socket.end();
      return Promise.race([closedP, new Promise<void>((r) => setTimeout(() => (socket.destroy(), r()), 1000))]);
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('model names', () => {
  it('reads channels and max dB off the model', () => {
    expect(parseMiniCircuitsModel('RCDAT-6000-60')).toEqual({ family: 'RCDAT-6000', maxDb: 60, channels: 1 });
    expect(parseMiniCircuitsModel('RUDAT-6000-30')).toEqual({ family: 'RUDAT-6000', maxDb: 30, channels: 1 });
    expect(parseMiniCircuitsModel('RC4DAT-6G-95')).toEqual({ family: 'RC4DAT-6G', maxDb: 95, channels: 4 });
    expect(parseMiniCircuitsModel('RC8DAT-6G-120')).toEqual({ family: 'RC8DAT-6G', maxDb: 120, channels: 8 });
    expect(parseMiniCircuitsModel('RCDAT')).toBeNull();
    expect(parseMiniCircuitsModel('RCDAT-6000')).toBeNull();
    expect(parseMiniCircuitsModel('rudat-13g-90')).toEqual({ family: 'rudat-13g', maxDb: 90, channels: 1 });
    expect(parseMiniCircuitsModel('HP-8494')).toBeNull();
  });
});

describe('virtual Mini-Circuits unit (raw protocol)', () => {
  it('answers every row of the protocol table over HTTP, both /:X and /X forms', async () => {
    const { server, changes } = await unit('RCDAT-6000-60', { serial: '11901010034' });
    const p = server.httpPort;
    expect(await rawGet(p, '/:MN?')).toBe('MN=RCDAT-6000-60');
    expect(await rawGet(p, '/MN?')).toBe('MN=RCDAT-6000-60');
    expect(await rawGet(p, '/:SN?')).toBe('SN=11901010034');
    expect(await rawGet(p, '/:SETATT=30.25')).toBe('1');
    expect(await rawGet(p, '/:ATT?')).toBe('30.25');
    expect(await rawGet(p, '/SETATT=12.6')).toBe('1'); // rounded to the nearest 0.25 step
    expect(await rawGet(p, '/ATT?')).toBe('12.5');
    expect(await rawGet(p, '/:SETATT=abc')).toBe('0');
    expect(await rawGet(p, '/:SETATT=-3')).toBe('0');
    expect(server.get(1)).toBe(12.5);
    expect(await rawGet(p, '/:FOO?')).toBe('-99 Unrecognized Command. MN:RCDAT-6000');
    expect(await rawGet(p, '/:CHAN:1:ATT?')).toBe('-99 Unrecognized Command. MN:RCDAT-6000');
    expect(changes).toEqual([
      [1, 30.25],
      [1, 12.5],
    ]);
  });

  it('clamps a request above the range to the maximum and answers 2', async () => {
    const { server, changes } = await unit('RCDAT-6000-60');
    expect(await rawGet(server.httpPort, '/:SETATT=75')).toBe('2');
    expect(server.get(1)).toBe(60);
    expect(await rawGet(server.httpPort, '/:ATT?')).toBe('60');
    expect(changes).toEqual([[1, 60]]);
  });

  it('multi-channel commands, incl. CHAN:1:2: multi-set', async () => {
    const { server, changes } = await unit('RC4DAT-6G-95', { initialDb: 10 });
    const p = server.httpPort;
    expect(await rawGet(p, '/:MN?')).toBe('MN=RC4DAT-6G-95');
    expect(await rawGet(p, '/:CHAN:2:SETATT:30.25')).toBe('1');
    expect(await rawGet(p, '/:CHAN:2:ATT?')).toBe('30.25');
    expect(await rawGet(p, '/:CHAN:1:ATT?')).toBe('10');
    expect(await rawGet(p, '/CHAN:1:3:SETATT:30')).toBe('1');
    expect([1, 2, 3, 4].map((c) => server.get(c))).toEqual([30, 30.25, 30, 10]);
    expect(await rawGet(p, '/:CHAN:5:SETATT:3')).toBe('0');
    expect(await rawGet(p, '/:CHAN:4:SETATT:100')).toBe('2');
    expect(server.get(4)).toBe(95);
    expect(await rawGet(p, '/:SETATT=3')).toBe('-99 Unrecognized Command. MN:RC4DAT-6G');
    expect(changes).toEqual([
      [2, 30.25],
      [1, 30],
      [3, 30],
      [4, 95],
    ]);
  });

  it('telnet: same commands without the slash, CRLF, one client at a time', async () => {
    const { server } = await unit('RC4DAT-6G-95');
    const t = await rawTelnet(server.telnetPort!);
    expect(await t.ask('MN?')).toBe('MN=RC4DAT-6G-95\r\n');
    expect(await t.ask(':CHAN:1:SETATT:30.25')).toBe('1\r\n');
    expect(await t.ask(':CHAN:1:ATT?')).toBe('30.25\r\n');
    expect(await t.ask('BOGUS')).toBe('-99 Unrecognized Command. MN:RC4DAT-6G\r\n');
    const second = await rawTelnet(server.telnetPort!);
    await Promise.race([second.closedP, new Promise((r) => setTimeout(r, 2000))]);
    expect(second.closed).toBe(true);
    expect(await t.ask(':CHAN:1:ATT?')).toBe('30.25\r\n'); // the first client is unaffected
    await t.close();
    // once the first has gone, a new client is served
    const third = await rawTelnet(server.telnetPort!);
    expect(await third.ask('SN?')).toMatch(/^SN=\d+\r\n$/);
    await third.close();
  });

  it('telnetPort null starts no telnet server', async () => {
    const { server } = await unit('RCDAT-6000-60', { telnetPort: null });
    expect(server.telnetPort).toBeNull();
    expect(await rawGet(server.httpPort, '/:MN?')).toBe('MN=RCDAT-6000-60');
  });
});

describe.each(['http', 'telnet'] as const)('Mini-Circuits driver over %s', (protocol) => {
  it('identifies a single-channel unit, sets and reads back', async () => {
    const { server, changes } = await unit('RCDAT-6000-60', { serial: '12345678' });
    const att = driver(server, protocol);
    expect(att.name).toBe('att1');
    expect(await att.identify()).toEqual({ model: 'RCDAT-6000-60', serial: '12345678', maxDb: 60, channels: 1 });
    expect(await att.set(1, 30.25)).toBe(30.25);
    expect(server.get(1)).toBe(30.25);
    expect(await att.get(1)).toBe(30.25);
    expect(await att.set(1, 60)).toBe(60);
    expect(await att.set(1, 0)).toBe(0);
    expect(await att.setMany([{ channel: 1, db: 7.5 }])).toEqual([7.5]);
    expect(changes).toEqual([
      [1, 30.25],
      [1, 60],
      [1, 0],
      [1, 7.5],
    ]);
    // set = one SETATT then one ATT? read-back
    const cmds = server.requests.map((r) => r.command);
    expect(cmds.filter((c) => /SETATT/.test(c))).toHaveLength(4);
    expect(cmds.filter((c) => /ATT\?/.test(c))).toHaveLength(5);
  });

  it('drives a 4-channel unit per channel', async () => {
    const { server } = await unit('RC4DAT-6G-95');
    const att = driver(server, protocol);
    expect(await att.identify()).toMatchObject({ model: 'RC4DAT-6G-95', maxDb: 95, channels: 4 });
    expect(await att.set(3, 94.75)).toBe(94.75);
    expect(await att.get(3)).toBe(94.75);
    expect(await att.get(1)).toBe(0);
    expect([1, 2, 3, 4].map((c) => server.get(c))).toEqual([0, 0, 94.75, 0]);
  });

  it('setMany with one shared value is one CHAN:1:2: request, else sequential', async () => {
    const { server, changes } = await unit('RC4DAT-6G-95');
    const att = driver(server, protocol);
    const before = server.requests.length;
    expect(
      await att.setMany([
        { channel: 1, db: 40 },
        { channel: 2, db: 40 },
      ]),
    ).toEqual([40, 40]);
    const sets = server.requests.slice(before).filter((r) => /SETATT/.test(r.command));
    expect(sets).toHaveLength(1);
    expect(sets[0].command).toMatch(/CHAN:1:2:SETATT:40$/);
    expect(changes).toEqual([
      [1, 40],
      [2, 40],
    ]);

    const mid = server.requests.length;
    expect(
      await att.setMany([
        { channel: 1, db: 50 },
        { channel: 2, db: 30 },
      ]),
    ).toEqual([50, 30]);
    const sets2 = server.requests.slice(mid).filter((r) => /SETATT/.test(r.command));
    expect(sets2.map((r) => r.command.replace(/^\/?:?/, ''))).toEqual(['CHAN:1:SETATT:50', 'CHAN:2:SETATT:30']);
    expect(server.get(1)).toBe(50);
    expect(server.get(2)).toBe(30);
  });

  it('rejects out-of-range and off-step values locally: the unit never sees them', async () => {
    const { server, changes } = await unit('RCDAT-6000-60');
    const att = driver(server, protocol);
    for (const bad of [60.25, 61, -0.25, 30.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = await rejection(att.set(1, bad));
      expect(err).toBeInstanceOf(BenchError);
      expect((err as BenchError).code).toBe('E_ATTENUATOR_RANGE');
      expect((err as Error).message).toContain('att1');
    }
    const errMany = await rejection(
      att.setMany([
        { channel: 1, db: 10 },
        { channel: 1, db: 70 },
      ]),
    );
    expect(errMany).toBeInstanceOf(BenchError);
    expect(server.requests).toHaveLength(0);
    expect(changes).toEqual([]);
    expect(server.get(1)).toBe(0);
    // a channel the model does not have is a configuration error
    expect(await rejection(att.set(2, 10))).toBeInstanceOf(ConfigError);
    expect(server.requests).toHaveLength(0);
  });

  it('reply 2 (clamped) is an error even though the unit changed', async () => {
    // The driver never sends such a request; a misbehaving unit that clamps anyway
    // is simulated with a driver for a larger model against a 30 dB unit.
    const { server } = await unit('RUDAT-6000-30');
    const port = protocol === 'http' ? server.httpPort : server.telnetPort!;
    const transport = protocol === 'http' ? new MiniCircuitsHttpTransport('127.0.0.1', port, 1000) : new MiniCircuitsTelnetTransport('127.0.0.1', port, 1000);
    const att = new MiniCircuitsAttenuator({ name: 'att9', model: 'RUDAT-6000-60', protocol, host: '127.0.0.1', port }, transport);
    attenuators.push(att);
    const err = await rejection(att.set(1, 45));
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('E_ATTENUATOR_CLAMPED');
    expect((err as Error).message).toMatch(/att9.*SETATT=45.*reply 2/);
    expect(server.get(1)).toBe(30);
  });

  it('a reply -99 is an error naming the attenuator and the request', async () => {
    const { server } = await unit('RC4DAT-6G-95');
    const port = protocol === 'http' ? server.httpPort : server.telnetPort!;
    // a driver that believes the unit is single-channel sends SETATT=, which a 4-channel unit does not know
    const att = createAttenuator({ name: 'attX', model: 'RCDAT-6000-95', protocol, host: '127.0.0.1', port, timeoutMs: 1000 });
    attenuators.push(att);
    const err = await rejection(att.set(1, 10));
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('E_ATTENUATOR_REJECTED');
    expect((err as Error).message).toContain('attX');
    expect((err as Error).message).toContain('SETATT=10');
    expect((err as Error).message).toContain('-99 Unrecognized Command. MN:RC4DAT-6G');
    // identify notices the mismatch too
    const idErr = await rejection(att.identify());
    expect((idErr as BenchError).code).toBe('E_ATTENUATOR_MODEL');
  });

  it('a missing reply: exactly one reopen + retry, then E_ATTENUATOR', async () => {
    const { server } = await unit('RCDAT-6000-60', { initialDb: 20 });
    const att = driver(server, protocol, 200);
    expect(await att.get(1)).toBe(20); // connection open and warm
    const before = server.requests.length;
    server.setFault('timeout');
    const t0 = Date.now();
    const err = await rejection(att.set(1, 10));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('E_ATTENUATOR');
    expect((err as BenchError).exitCode).toBe(3);
    const msg = (err as Error).message;
    expect(msg).toContain('att1');
    expect(msg).toContain(`127.0.0.1:${protocol === 'http' ? server.httpPort : server.telnetPort}`);
    expect(msg).toContain('SETATT=10');
    expect(msg).toMatch(/no reply within 200 ms.*retried once/);
    expect(server.requests.slice(before).map((r) => r.command.replace(/^\/?:?/, ''))).toEqual(['SETATT=10', 'SETATT=10']);
    expect(server.get(1)).toBe(20);
    // the unit recovers: the driver reopens and goes on
    server.setFault(null);
    expect(await att.set(1, 10)).toBe(10);
  });

  it('one lost reply is absorbed by the retry', async () => {
    const { server } = await unit('RCDAT-6000-60');
    const att = driver(server, protocol, 200);
    server.setFault('timeout');
    const p = att.get(1);
    // heal the unit while the first request is waiting for its reply
    await new Promise((r) => setTimeout(r, 100));
    server.setFault(null);
    expect(await p).toBe(0);
    expect(server.requests.map((r) => r.command.replace(/^\/?:?/, ''))).toEqual(['ATT?', 'ATT?']);
  });

  it('garbage is an error (no retry)', async () => {
    const { server } = await unit('RCDAT-6000-60');
    const att = driver(server, protocol, 500);
    server.setFault('garbage');
    for (const op of [() => att.get(1), () => att.set(1, 10), () => att.identify()]) {
      const err = await rejection(op());
      expect(err).toBeInstanceOf(BenchError);
      expect((err as BenchError).code).toBe('E_ATTENUATOR_REPLY');
      expect((err as Error).message).toContain('att1');
    }
    expect(server.requests).toHaveLength(3);
  });

  it('a unit that is not there: E_ATTENUATOR after one retry', async () => {
    const { server } = await unit('RCDAT-6000-60');
    const port = protocol === 'http' ? server.httpPort : server.telnetPort!;
    await server.close();
    const att = createAttenuator({ name: 'gone', model: 'RCDAT-6000-60', protocol, host: '127.0.0.1', port, timeoutMs: 500 });
    attenuators.push(att);
    const err = await rejection(att.get(1));
    expect((err as BenchError).code).toBe('E_ATTENUATOR');
    expect((err as Error).message).toMatch(/gone.*connection refused.*retried once/);
  });
});

describe('telnet specifics', () => {
  it('a second client is turned away: the driver retries once then fails', async () => {
    const { server } = await unit('RCDAT-6000-60');
    const holder = await rawTelnet(server.telnetPort!);
    expect(await holder.ask('MN?')).toBe('MN=RCDAT-6000-60\r\n');
    const att = driver(server, 'telnet', 500);
    const err = await rejection(att.get(1));
    expect((err as BenchError).code).toBe('E_ATTENUATOR');
    expect((err as Error).message).toMatch(/connection closed by the unit/);
    await holder.close();
    expect(await att.get(1)).toBe(0);
  });

  it('concurrent calls are serialized on the one socket', async () => {
    const { server } = await unit('RC4DAT-6G-95');
    const att = driver(server, 'telnet');
    const results = await Promise.all([att.set(1, 10), att.set(2, 20), att.get(1), att.set(3, 30.5), att.get(2)]);
    expect(results).toEqual([10, 20, 10, 30.5, 20]);
  });
});

describe('HTTP keep-alive', () => {
  it('several requests reuse one connection', async () => {
    const { server } = await unit('RC4DAT-6G-95');
    const att = driver(server, 'http');
    const counting = await startCountingProxy(server.httpPort);
    try {
      const viaProxy = createAttenuator({ name: 'att2', model: 'RC4DAT-6G-95', protocol: 'http', host: '127.0.0.1', port: counting.port, timeoutMs: 1000 });
      attenuators.push(viaProxy);
      for (let i = 0; i < 5; i++) {
        await viaProxy.setMany([
          { channel: 1, db: 10 + i },
          { channel: 2, db: 40 - i },
        ]);
      }
      expect(counting.connections()).toBe(1);
      expect(server.requests.length).toBeGreaterThanOrEqual(20);
    } finally {
      await counting.close();
    }
    expect(await att.get(1)).toBe(14);
  });
});

/** A TCP pass-through that counts connections. */
async function startCountingProxy(targetPort: number) {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((client) => {
    count++;
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const done = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', done);
    upstream.on('error', done);
    client.on('close', done);
    upstream.on('close', done);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

describe('registry', () => {
  it('finds the Mini-Circuits drivers by model family and protocol', async () => {
    const { server } = await unit('RUDAT-6000-30');
    for (const protocol of ['http', 'telnet'] as const) {
      const a = driver(server, protocol, 1000, `a-${protocol}`);
      expect(a).toBeInstanceOf(MiniCircuitsAttenuator);
      expect(a.model).toBe('RUDAT-6000-30');
    }
    const prefixes = supportedAttenuatorModels().map((s) => s.modelPrefix);
    expect(prefixes).toEqual(expect.arrayContaining(['RCDAT', 'RUDAT', 'RC4DAT', 'RC8DAT']));
  });

  it('unknown model or protocol is a ConfigError naming the attenuator and listing supported models', () => {
    let err: unknown;
    try {
      createAttenuator({ name: 'attZ', model: 'Weinschel-8310', protocol: 'http', host: '127.0.0.1', port: 80 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toContain('attZ');
    expect((err as Error).message).toContain('Weinschel-8310');
    expect((err as Error).message).toMatch(/RCDAT.*RUDAT|RC4DAT.*RCDAT/);
    expect(() =>
      createAttenuator({ name: 'attP', model: 'RCDAT-6000-60', protocol: 'ssh' as 'http', host: '127.0.0.1', port: 80 }),
    ).toThrow(/attP.*not supported over protocol "ssh"/);
    // a known family without a maximum in its name
    expect(() => createAttenuator({ name: 'attM', model: 'RCDAT-6000', protocol: 'http', host: '127.0.0.1', port: 80 })).toThrow(ConfigError);
  });

  it('new drivers can be registered beside the built-in ones', async () => {
    const made: string[] = [];
    registerAttenuatorDriver({ modelPrefix: ['TESTATT'], protocol: 'telnet' }, (spec) => {
      made.push(spec.name);
      return {
        name: spec.name,
        model: spec.model,
        identify: async () => ({ model: spec.model, serial: '1', maxDb: 10, channels: 1 }),
        set: async (_c, db) => db,
        setMany: async (v) => v.map((x) => x.db),
        get: async () => 0,
        close: async () => undefined,
      };
    });
    const a = createAttenuator({ name: 'tt', model: 'TESTATT-1', protocol: 'telnet', host: '127.0.0.1', port: 23 });
    expect(await a.set(1, 3)).toBe(3);
    expect(made).toEqual(['tt']);
    expect(() => createAttenuator({ name: 'tt2', model: 'TESTATT-1', protocol: 'http', host: '127.0.0.1', port: 23 })).toThrow(ConfigError);
  });
});
