/**
 * The virtual rig's attenuator registry (rig/attenuator/registry.ts) and the bench's
 * units (bench-attenuators.ts): the unit is chosen by model, an unknown model or a
 * protocol the model does not speak is a configuration error listing the virtual
 * models, and a bench's units start all or nothing.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startVirtualAttenuators } from '../../rig/attenuator/bench-attenuators.ts';
import {
  VIRTUAL_ATTENUATOR_MODELS,
  findVirtualAttenuatorModel,
  startVirtualAttenuator,
  type VirtualAttenuatorModel,
} from '../../rig/attenuator/registry.ts';
import type { VirtualAttenuator, VirtualAttenuatorSpec } from '../../rig/attenuator/types.ts';
import { VirtualRigError } from '../../rig/errors.ts';

const units: VirtualAttenuator[] = [];
afterEach(async () => {
  await Promise.all(units.splice(0).map((u) => u.close()));
});

function spec(model: string, protocol: 'http' | 'telnet', extra: Partial<VirtualAttenuatorSpec> = {}): VirtualAttenuatorSpec {
  return { model, protocol, host: '127.0.0.1', port: 0, unit: 1, initialDb: 60, onChange: () => undefined, ...extra };
}

async function start(name: string, s: VirtualAttenuatorSpec): Promise<VirtualAttenuator> {
  const u = await startVirtualAttenuator(name, s);
  units.push(u);
  return u;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function httpGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.setTimeout(2000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Connect, read up to the prompt, send one line, return what came back up to the next prompt. */
function telnetAsk(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => (s.destroy(), reject(new Error(`no answer to ${line}: ${JSON.stringify(buf)}`))), 2000);
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (!sent && buf === '>') {
        sent = true;
        buf = '';
        s.write(`${line}\r\n`);
      } else if (sent && buf.endsWith('>')) {
        clearTimeout(timer);
        s.destroy();
        resolve(buf.slice(0, -1));
      }
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('virtual attenuator registry', () => {
  it('a Mini-Circuits model gets the Mini-Circuits unit (HTTP and telnet, the serial from the bench position)', async () => {
    const u = await start('att1', spec('RCDAT-6000-60', 'http', { unit: 3 }));
    expect(u.model).toBe('RCDAT-6000-60');
    expect(u.serial).toBe('11901010003');
    expect(u.channels).toBe(1);
    expect(u.maxDb).toBe(60);
    expect(u.ports.http).toBeGreaterThan(0);
    expect(u.ports.telnet).toBeGreaterThan(0);
    expect(await httpGet(u.ports.http!, '/:MN?')).toBe('MN=RCDAT-6000-60');
    expect(u.get(1)).toBe(60);
  });

  it.each(['8310', 'AF8310', 'weinschel-8310-4-95'])('model %s gets the Weinschel 8310 unit (telnet only)', async (model) => {
    const u = await start('att2', spec(model, 'telnet', { unit: 2 }));
    expect(u.ports.http).toBeNull();
    expect(u.ports.telnet).toBeGreaterThan(0);
    expect(u.channels).toBe(4);
    expect(u.maxDb).toBe(95);
    expect(await telnetAsk(u.ports.telnet!, '*IDN?')).toMatch(/^Aeroflex Weinschel,8310[^,]*,83100002,[^,]+\r\n$/);
    expect(await telnetAsk(u.ports.telnet!, 'ATTN? 1')).toBe('60.00\r\n');
  });

  it('the longest matching prefix wins, whatever the order of the table', () => {
    const fake = (tag: string): VirtualAttenuatorModel => ({ modelPrefixes: [tag], protocols: ['telnet'], start: () => Promise.reject(new Error(tag)) });
    const table = [fake('RC'), fake('RC4DAT'), fake('R')];
    expect(findVirtualAttenuatorModel('rc4dat-6g-95', table)?.modelPrefixes).toEqual(['RC4DAT']);
    expect(findVirtualAttenuatorModel('RCDAT-6000-60', table)?.modelPrefixes).toEqual(['RC']);
    expect(findVirtualAttenuatorModel('HP-8494', table)).toBeNull();
    expect(findVirtualAttenuatorModel('8310', VIRTUAL_ATTENUATOR_MODELS)?.protocols).toEqual(['telnet']);
  });

  it('an unknown model is a configuration error listing the virtual models', async () => {
    const err = await rejection(startVirtualAttenuator('att9', spec('HP-8494', 'http')));
    expect(err).toBeInstanceOf(VirtualRigError);
    const e = err as VirtualRigError;
    expect(e.kind).toBe('config');
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('E_VIRTUAL_ATTENUATOR_MODEL');
    expect(e.message).toMatch(/attenuator "att9".*no unit of model "HP-8494"/);
    for (const m of ['RCDAT*', 'RUDAT*', 'RC4DAT*', 'RC8DAT*', '8310*', 'AF8310*', 'WEINSCHEL-8310*']) expect(e.message).toContain(m);
  });

  it('a protocol the model does not speak is a configuration error', async () => {
    const err = await rejection(startVirtualAttenuator('att2', spec('8310', 'http')));
    expect(err).toBeInstanceOf(VirtualRigError);
    expect((err as VirtualRigError).kind).toBe('config');
    expect((err as VirtualRigError).code).toBe('E_VIRTUAL_ATTENUATOR_PROTOCOL');
    expect((err as Error).message).toMatch(/8310 does not speak http \(it speaks telnet\)/);
  });

  it("a starting value beyond the unit's range is a configuration error", async () => {
    const err = await rejection(startVirtualAttenuator('att2', spec('8310', 'telnet', { initialDb: 120 })));
    expect(err).toBeInstanceOf(VirtualRigError);
    expect((err as VirtualRigError).kind).toBe('config');
    expect((err as Error).message).toMatch(/120 dB is outside the unit's range 0\.\.95 dB/);
  });
});

describe("a bench's virtual attenuators", () => {
  it('one unit per attenuator, by model, at the inventory port, changes reported by name', async () => {
    const fixed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const changes: [string, number, number][] = [];
    const started = await startVirtualAttenuators(
      {
        att1: { model: 'RCDAT-6000-60', protocol: 'http', address: '127.0.0.1:0' },
        att2: { model: 'AF8310', protocol: 'telnet', address: `127.0.0.1:${fixed}` },
      },
      { host: '127.0.0.1', initialDb: 60, onChange: (name, ch, db) => changes.push([name, ch, db]) },
    );
    units.push(...Object.values(started));
    expect(Object.keys(started)).toEqual(['att1', 'att2']);
    expect(started.att1.serial).toBe('11901010001');
    expect(started.att2.serial).toBe('83100002');
    expect(started.att2.ports).toEqual({ http: null, telnet: fixed });
    expect(await httpGet(started.att1.ports.http!, '/:SETATT=30')).toBe('1');
    expect(await telnetAsk(fixed, 'ATTN 3 12.5')).toBe('');
    expect(changes).toEqual([
      ['att1', 1, 30],
      ['att2', 3, 12.5],
    ]);
  });

  it('all or nothing: when one unit cannot start, the ones already started are closed', async () => {
    let startedPort = 0;
    const recording: VirtualAttenuatorModel[] = VIRTUAL_ATTENUATOR_MODELS.map((m) => ({
      ...m,
      start: async (s) => {
        const u = await m.start(s);
        startedPort = u.ports.telnet ?? u.ports.http ?? 0;
        return u;
      },
    }));
    const err = await rejection(
      startVirtualAttenuators(
        {
          att1: { model: '8310', protocol: 'telnet', address: '127.0.0.1:0' },
          att2: { model: 'HP-8494', protocol: 'http', address: '127.0.0.1:0' },
        },
        { host: '127.0.0.1', initialDb: 60, onChange: () => undefined, models: recording },
      ),
    );
    expect(err).toBeInstanceOf(VirtualRigError);
    expect((err as Error).message).toContain('att2');
    expect(startedPort).toBeGreaterThan(0);
    expect(await accepts(startedPort)).toBe(false);
  });
});
