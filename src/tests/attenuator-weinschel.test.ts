/**
 * The Aeroflex/Weinschel 8310 driver (src/controllers/attenuator/weinschel-8310.ts)
 * against the virtual 8310 unit (rig/attenuator/weinschel-8310-server.ts), two sides
 * written separately from the protocol; and the unit itself, raw.
 */
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchError, ConfigError } from '../errors.ts';
import { createAttenuator, supportedAttenuatorModels } from '../controllers/attenuator/registry.ts';
import type { Attenuator } from '../controllers/attenuator/types.ts';
import { Weinschel8310Attenuator, weinschel8310Model } from '../controllers/attenuator/weinschel-8310.ts';
import { startWeinschel8310Server, type Weinschel8310Server, type Weinschel8310ServerOptions } from '../../rig/attenuator/weinschel-8310-server.ts';

const servers: Weinschel8310Server[] = [];
const attenuators: Attenuator[] = [];

afterEach(async () => {
  await Promise.all(attenuators.splice(0).map((a) => a.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function unit(opts: Weinschel8310ServerOptions = {}) {
  const changes: [number, number][] = [];
  const server = await startWeinschel8310Server({ onChange: (ch, db) => changes.push([ch, db]), ...opts });
  servers.push(server);
  return { server, changes };
}

function driver(server: Weinschel8310Server, timeoutMs = 1000, name = 'att2', model = server.model): Attenuator {
  const a = createAttenuator({ name, model, protocol: 'telnet', host: '127.0.0.1', port: server.port, timeoutMs });
  attenuators.push(a);
  return a;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** Commands the unit saw that set a value. */
const sets = (server: Weinschel8310Server): string[] => server.requests.map((r) => r.command).filter((c) => /^ATTN\s/i.test(c));

/** A raw telnet session: everything the unit sends, as latin1 text. */
async function rawSession(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  let received = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  socket.on('error', () => undefined);
  return {
    socket,
    received: () => received,
    /** Wait (bounded) until everything received so far satisfies `pred`; returns it. */
    async until(pred: (text: string) => boolean, ms = 2000): Promise<string> {
      const t0 = Date.now();
      while (!pred(received.toString('latin1'))) {
        if (Date.now() - t0 > ms) throw new Error(`raw session: not there within ${ms} ms: ${JSON.stringify(received.toString('latin1'))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received.toString('latin1');
    },
    async close(): Promise<void> {
      socket.end();
      await Promise.race([new Promise((r) => socket.once('close', r)), new Promise((r) => setTimeout(r, 1000))]);
      socket.destroy();
    },
  };
}

describe('virtual 8310 unit (raw protocol)', () => {
  it('prompt on connect and after every command; sets print nothing; queries one line; errors IEEE 488.2 style', async () => {
    const { server, changes } = await unit({ serial: '4711', initialDb: 60 });
    const s = await rawSession(server.port);
    await s.until((t) => t === '>');
    let seen = 1;
    const ask = async (cmd: string): Promise<string> => {
      s.socket.write(`${cmd}\r\n`);
      const text = await s.until((t) => t.length > seen && t.endsWith('>'));
      const reply = text.slice(seen, -1);
      seen = text.length;
      return reply;
    };
    expect(await ask('*IDN?')).toBe('Aeroflex Weinschel,8310,4711,2.14\r\n');
    expect(await ask('*CLS')).toBe('');
    expect(await ask('RFCONFIG? CHAN')).toBe('4\r\n');
    expect(await ask('RFCONFIG? ATTN 1')).toMatch(/^[^,]+, 95\.00, 0\.25, /);
    expect(await ask('ATTN? 3')).toBe('60.00\r\n');
    expect(await ask('ATTN 3 30.25')).toBe('');
    expect(await ask('attn? 3')).toBe('30.25\r\n'); // commands are case-insensitive
    expect(await ask('ATTN ALL 10')).toBe('');
    expect(await ask('ATTN? 1')).toBe('10.00\r\n');
    expect(await ask('BOGUS')).toBe('-113,"Undefined header"\r\n');
    expect(await ask('ATTN 5 10')).toBe('-222,"Data out of range"\r\n');
    expect(await ask('ATTN 1 95.25')).toBe('-222,"Data out of range"\r\n');
    expect(await ask('ATTN 1 ten')).toBe('-104,"Data type error"\r\n');
    expect(await ask('ATTN 1')).toBe('-109,"Missing parameter"\r\n');
    expect(await ask('ATTN? 1 2')).toBe('-108,"Parameter not allowed"\r\n');
    expect(await ask('ATTN? 1')).toBe('10.00\r\n'); // the refused sets changed nothing
    expect(server.get(3)).toBe(10);
    expect(changes).toEqual([
      [3, 30.25],
      [1, 10],
      [2, 10],
      [3, 10],
      [4, 10],
    ]);
    await s.close();
  });

  it('serves several telnet clients at once when told to', async () => {
    const { server } = await unit({ oneClientAtATime: false });
    const a = await rawSession(server.port);
    const b = await rawSession(server.port);
    await a.until((t) => t === '>');
    await b.until((t) => t === '>');
    b.socket.write('RFCONFIG? CHAN\r\n');
    expect(await b.until((t) => t.endsWith('>') && t.length > 1)).toBe('>4\r\n>');
    await a.close();
    await b.close();
  });

  it('takes one telnet client at a time by default (as the real units): a second is turned away until the first goes', async () => {
    const { server } = await unit();
    const a = await rawSession(server.port);
    await a.until((t) => t === '>');
    const b = await rawSession(server.port);
    await new Promise<void>((resolve) => (b.socket.destroyed ? resolve() : b.socket.once('close', () => resolve())));
    expect(b.received().length).toBe(0); // not even a prompt
    expect(server.connectionCounts()).toEqual({ http: 0, telnet: 1, telnetRefused: 1 });
    a.socket.write('RFCONFIG? CHAN\r\n');
    expect(await a.until((t) => t.length > 1 && t.endsWith('>'))).toBe('>4\r\n>'); // the first is still served
    await a.close();
    const c = await rawSession(server.port);
    expect(await c.until((t) => t === '>')).toBe('>');
    expect(server.connectionCounts()).toEqual({ http: 0, telnet: 2, telnetRefused: 1 });
    await c.close();
  });
});

describe('8310 driver against the virtual unit', () => {
  it('registers for 8310 / AF8310 / WEINSCHEL-8310 over telnet only', async () => {
    const models = supportedAttenuatorModels();
    for (const prefix of ['8310', 'AF8310', 'WEINSCHEL-8310']) expect(models).toContainEqual({ modelPrefix: prefix, protocols: ['telnet'] });
    const { server } = await unit();
    expect(driver(server, 1000, 'a', 'AF8310')).toBeInstanceOf(Weinschel8310Attenuator);
    expect(driver(server, 1000, 'b', 'weinschel-8310-4-95')).toBeInstanceOf(Weinschel8310Attenuator);
    const err = (() => {
      try {
        createAttenuator({ name: 'att2', model: '8310', protocol: 'http', host: '127.0.0.1', port: server.port });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/model "8310" is not supported over protocol "http"/);
    expect(weinschel8310Model('AF8310-4-95')).toBe('8310-4-95');
    expect(weinschel8310Model('8320')).toBeNull();
  });

  it('identifies the unit (IDN and RFCONFIG)', async () => {
    const { server } = await unit({ serial: '83100042' });
    const att = driver(server);
    expect(att.name).toBe('att2');
    expect(await att.identify()).toEqual({ model: '8310', serial: '83100042', maxDb: 95, channels: 4 });
    expect(server.requests.map((r) => r.command)).toEqual(['*CLS', 'RFCONFIG? CHAN', 'RFCONFIG? ATTN 1', 'RFCONFIG? ATTN 2', 'RFCONFIG? ATTN 3', 'RFCONFIG? ATTN 4', '*IDN?']);
    // the description is asked once for the unit's life
    await att.identify();
    expect(server.requests.filter((r) => r.command.startsWith('RFCONFIG?'))).toHaveLength(5);
  });

  it('a unit of another model is refused by identify', async () => {
    const { server } = await unit({ model: '8310-2-63' });
    const first = driver(server, 1000, 'att2', '8310-4-95');
    const err = await rejection(first.identify());
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('E_ATTENUATOR_MODEL');
    expect((err as Error).message).toMatch(/reports model 8310-2-63, the inventory says 8310-4-95/);
    await first.close(); // the unit takes one telnet client at a time
    // naming only the family accepts any 8310-series unit
    expect((await driver(server, 1000, 'att3', 'AF8310').identify()).model).toBe('8310-2-63');
  });

  it('sets and reads back every channel; the unit really holds the values', async () => {
    const { server, changes } = await unit({ initialDb: 60 });
    const att = driver(server);
    expect(await att.set(1, 30.25)).toBe(30.25);
    expect(await att.set(4, 95)).toBe(95);
    expect(await att.set(2, 0)).toBe(0);
    expect(await att.get(3)).toBe(60);
    expect(await att.setMany([{ channel: 3, db: 12.5 }, { channel: 1, db: 40 }])).toEqual([12.5, 40]);
    expect([1, 2, 3, 4].map((ch) => server.get(ch))).toEqual([40, 0, 12.5, 95]);
    expect(changes).toEqual([
      [1, 30.25],
      [4, 95],
      [2, 0],
      [3, 12.5],
      [1, 40],
    ]);
    expect(sets(server)).toEqual(['ATTN 1 30.25', 'ATTN 4 95', 'ATTN 2 0', 'ATTN 3 12.5', 'ATTN 1 40']);
  });

  it("values outside the unit's range or off its step, and missing channels, are refused before anything is sent", async () => {
    const { server } = await unit({ maxDb: 63, stepDb: 1, channels: 2 });
    const att = driver(server);
    for (const db of [63.5, -1, 10.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = await rejection(att.set(1, db));
      expect(err, String(db)).toBeInstanceOf(BenchError);
      expect((err as BenchError).code).toBe('E_ATTENUATOR_RANGE');
      expect((err as Error).message).toContain('att2');
      expect((err as Error).message).toContain('not sent');
    }
    const many = await rejection(att.setMany([{ channel: 1, db: 10 }, { channel: 2, db: 0.5 }]));
    expect((many as BenchError).code).toBe('E_ATTENUATOR_RANGE');
    const chan = await rejection(att.set(3, 10));
    expect(chan).toBeInstanceOf(ConfigError);
    expect((chan as Error).message).toMatch(/channel 3 does not exist \(the unit has channels 1\.\.2\)/);
    expect(sets(server)).toEqual([]);
    expect(await att.set(2, 63)).toBe(63); // the edges are fine
    expect(sets(server)).toEqual(['ATTN 2 63']);
  });

  it('a value the unit does not read back is an error', async () => {
    const { server } = await unit({ initialDb: 60 });
    const att = driver(server);
    server.setStuckChannel(2);
    const err = await rejection(att.set(2, 30));
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('E_ATTENUATOR_READBACK');
    expect((err as Error).message).toMatch(/att2.*channel 2 reads back 60 dB after setting 30 dB/);
    expect(await att.set(1, 30)).toBe(30); // other channels unaffected
  });

  it('a unit that stops answering: one reopen + retry, then E_ATTENUATOR naming attenuator, address and command', async () => {
    const { server } = await unit({ initialDb: 20 });
    const att = driver(server, 200);
    expect(await att.get(1)).toBe(20); // connection open, unit described
    server.setFault('timeout');
    const t0 = Date.now();
    const err = await rejection(att.set(1, 10));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('E_ATTENUATOR');
    expect((err as BenchError).exitCode).toBe(3);
    const msg = (err as Error).message;
    expect(msg).toContain('att2');
    expect(msg).toContain(`127.0.0.1:${server.port}`);
    expect(msg).toContain('"ATTN 1 10"');
    expect(msg).toMatch(/no reply within 200 ms; reopened the connection and retried once: no prompt within 200 ms of connecting/);
    // a hung unit: the command came in once, did nothing, and the reconnect got no prompt
    expect(sets(server)).toEqual(['ATTN 1 10']);
    expect(server.get(1)).toBe(20);
    server.setFault(null);
    expect(await att.set(1, 15)).toBe(15); // and the driver goes on once it answers again
  });

  it('one lost reply is absorbed by the retry', async () => {
    const { server } = await unit();
    const att = driver(server, 300);
    expect(await att.get(1)).toBe(0);
    server.setFault('timeout');
    const p = att.get(2);
    await new Promise((r) => setTimeout(r, 100));
    server.setFault(null);
    expect(await p).toBe(0);
    expect(server.requests.filter((r) => r.command === 'ATTN? 2')).toHaveLength(2);
  });

  it('garbage is an error (no retry)', async () => {
    const { server } = await unit();
    const att = driver(server, 500);
    expect(await att.get(1)).toBe(0);
    const before = server.requests.length;
    server.setFault('garbage');
    for (const op of [() => att.get(1), () => att.set(1, 10), () => att.identify()]) {
      const err = await rejection(op());
      expect(err).toBeInstanceOf(BenchError);
      expect((err as BenchError).code).toBe('E_ATTENUATOR_REPLY');
      expect((err as Error).message).toMatch(/attenuator "att2".*unexpected reply/);
    }
    expect(server.requests).toHaveLength(before + 3);
    expect(server.get(1)).toBe(0);
  });

  it('garbage before the unit was described is an error too', async () => {
    const { server } = await unit();
    server.setFault('garbage');
    const err = await rejection(driver(server, 500).set(1, 10));
    expect((err as BenchError).code).toBe('E_ATTENUATOR_REPLY');
    expect((err as Error).message).toContain('"*CLS"');
    expect(sets(server)).toEqual([]);
  });

  it('the connection dropped by the unit is reopened on the next request', async () => {
    const { server } = await unit();
    const att = driver(server, 500);
    expect(await att.set(1, 10)).toBe(10);
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    expect(await att.set(1, 20)).toBe(20);
    expect(await att.get(1)).toBe(20);
  });

  it('a unit power-cycled on the same port: the driver reconnects to the new one', async () => {
    const first = await unit();
    const att = driver(first.server, 500);
    expect(await att.set(3, 40)).toBe(40);
    const port = first.server.port;
    await first.server.close();
    const second = await unit({ port, initialDb: 95 });
    expect(await att.get(3)).toBe(95);
    expect(await att.set(3, 41)).toBe(41);
    expect(second.server.get(3)).toBe(41);
  });

  it('a unit that is not there: E_ATTENUATOR after one retry', async () => {
    const { server } = await unit();
    const port = server.port;
    await server.close();
    const att = createAttenuator({ name: 'gone', model: '8310', protocol: 'telnet', host: '127.0.0.1', port, timeoutMs: 500 });
    attenuators.push(att);
    const err = await rejection(att.get(1));
    expect((err as BenchError).code).toBe('E_ATTENUATOR');
    expect((err as Error).message).toMatch(/gone.*"\*CLS".*connection refused.*retried once/);
  });

  it('concurrent calls are serialized on the one socket', async () => {
    const { server } = await unit();
    const att = driver(server);
    const results = await Promise.all([att.set(1, 10), att.set(2, 20), att.get(1), att.set(3, 30.5), att.get(2)]);
    expect(results).toEqual([10, 20, 10, 30.5, 20]);
  });
});
