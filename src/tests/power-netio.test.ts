/**
 * The NETIO power switch driver against a server speaking the NETIO JSON API (the
 * virtual rig's NETIO unit): switching with read-back, a unit that does not switch,
 * wrong or missing credentials (refused, the secret never in the message), an output the
 * unit does not have; and the virtual unit's own protocol: actions it takes, requests it refuses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NetioJsonPowerSwitch } from '../controllers/power/netio-json.ts';
import { VirtualNetioPdu } from '../../rig/power/netio-pdu.ts';
import { benchFailure } from './helpers/bench-failure.ts';

const pdus: VirtualNetioPdu[] = [];
afterEach(async () => {
  await Promise.all(pdus.splice(0).map((p) => p.close()));
});
async function pdu(opts: { credentials?: { username: string; password: string }; shortMs?: number } = {}) {
  const switched: { outlet: number; on: boolean }[] = [];
  const p = await VirtualNetioPdu.start({ host: '127.0.0.1', port: 0, outlets: 4, onSwitch: (outlet, on) => switched.push({ outlet, on }), ...opts });
  pdus.push(p);
  return { p, switched };
}
const failure = benchFailure;

describe('NETIO JSON driver against a NETIO JSON unit', () => {
  it('switches one output off and on, reads it back, leaves the others alone', async () => {
    const { p, switched } = await pdu();
    const sw = new NetioJsonPowerSwitch({ name: 'ap1', host: '127.0.0.1', port: p.port, outlet: 2 });
    expect(await sw.state()).toBe('on');
    await sw.off();
    expect(p.isOn(2)).toBe(false);
    expect(await sw.state()).toBe('off');
    expect([1, 3, 4].map((o) => p.isOn(o))).toEqual([true, true, true]);
    await sw.cycle(20);
    expect(p.isOn(2)).toBe(true);
    expect(switched).toEqual([
      { outlet: 2, on: false },
      { outlet: 2, on: true },
    ]);
  });

  it('a unit that answers but does not switch is caught by the read-back, naming device and outlet', async () => {
    const { p, switched } = await pdu();
    p.setFault('stuck');
    const sw = new NetioJsonPowerSwitch({ name: 'client', host: '127.0.0.1', port: p.port, outlet: 3, settleMs: 200 });
    const msg = await failure(sw.off());
    expect(msg).toMatch(/^E_POWER_STUCK: power switch for client \(NETIO at 127\.0\.0\.1:\d+, outlet 3\): switched off, but the outlet reads back on/);
    expect(p.requests).toEqual([{ outlet: 3, on: false }]);
    expect(switched).toEqual([]);
  });

  it('credentials: the right ones switch; wrong or none are refused without the secret in the message', async () => {
    const credentials = { username: 'write', password: 'netio-Pa55' };
    const { p } = await pdu({ credentials });
    await new NetioJsonPowerSwitch({ name: 'ap2', host: '127.0.0.1', port: p.port, outlet: 1, credentials }).off();
    expect(p.isOn(1)).toBe(false);
    const msg = await failure(new NetioJsonPowerSwitch({ name: 'ap2', host: '127.0.0.1', port: p.port, outlet: 1, credentials: { username: 'write', password: 'wrong-Pa55' } }).on());
    expect(msg).toMatch(/^E_POWER_AUTH: power switch for ap2 .*refused the credentials \(HTTP 401\).*usernameEnv \/ passwordEnv/);
    expect(msg).not.toContain('wrong-Pa55');
    expect(msg).not.toContain('netio-Pa55');
    expect(await failure(new NetioJsonPowerSwitch({ name: 'ap2', host: '127.0.0.1', port: p.port, outlet: 1 }).state())).toMatch(/^E_POWER_AUTH/);
    expect(p.isOn(1)).toBe(false);
  });

  it('an output the unit does not have', async () => {
    const { p } = await pdu();
    expect(await failure(new NetioJsonPowerSwitch({ name: 'client', host: '127.0.0.1', port: p.port, outlet: 7 }).state())).toMatch(
      /^E_POWER: .*reports 4 output\(s\) and no state for output 7/,
    );
    // Switching it: the unit refuses the document (400), the driver names the request.
    expect(await failure(new NetioJsonPowerSwitch({ name: 'client', host: '127.0.0.1', port: p.port, outlet: 7 }).on())).toMatch(/^E_POWER: .*HTTP 400 for POST \/netio\.json/);
  });

  it('the virtual unit: short off pulses and toggles, answers the new document, refuses what it cannot read', async () => {
    const { p, switched } = await pdu({ shortMs: 30 });
    const url = `http://127.0.0.1:${p.port}/netio.json`;
    const post = (body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const res = await post(JSON.stringify({ Outputs: [{ ID: 1, Action: 4 }, { ID: 2, Action: 2 }] }));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { Outputs: { ID: number; State: number }[] };
    expect(doc.Outputs.map((o) => [o.ID, o.State])).toEqual([
      [1, 0],
      [2, 0],
      [3, 1],
      [4, 1],
    ]);
    for (let i = 0; i < 100 && !p.isOn(2); i++) await new Promise((r) => setTimeout(r, 10));
    expect(p.isOn(2)).toBe(true);
    expect(switched).toEqual([
      { outlet: 1, on: false },
      { outlet: 2, on: false },
      { outlet: 2, on: true },
    ]);
    expect((await post('{"Outputs":[{"ID":1,"Action":9}]}')).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(405);
    expect(p.isOn(1)).toBe(false);
  });
});
