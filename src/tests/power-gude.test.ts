/**
 * The Gude power switch driver against a server speaking the Gude HTTP interface (the
 * virtual rig's PDU): switching with read-back, a unit that does not switch, wrong or
 * missing credentials, an outlet the unit does not have, a unit that is not there.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GudeHttpPowerSwitch } from '../controllers/power/gude-http.ts';
import { VirtualGudePdu } from '../../rig/power/gude-pdu.ts';
import { benchFailure } from './helpers/bench-failure.ts';

const pdus: VirtualGudePdu[] = [];
afterEach(async () => {
  await Promise.all(pdus.splice(0).map((p) => p.close()));
});
async function pdu(opts: Partial<ConstructorParameters<typeof Object>[0]> & { credentials?: { username: string; password: string }; initiallyOn?: boolean } = {}) {
  const switched: { outlet: number; on: boolean }[] = [];
  const p = await VirtualGudePdu.start({ host: '127.0.0.1', port: 0, outlets: 8, onSwitch: (outlet, on) => switched.push({ outlet, on }), ...opts });
  pdus.push(p);
  return { p, switched };
}
const code = benchFailure;

describe('Gude power switch driver against a Gude HTTP unit', () => {
  it('switches one outlet off and on, reads it back, leaves the others alone', async () => {
    const { p, switched } = await pdu();
    const sw = new GudeHttpPowerSwitch({ name: 'client', host: '127.0.0.1', port: p.port, outlet: 3 });
    expect(await sw.state()).toBe('on');
    await sw.off();
    expect(p.isOn(3)).toBe(false);
    expect(await sw.state()).toBe('off');
    expect(p.isOn(2)).toBe(true);
    await sw.cycle(20);
    expect(p.isOn(3)).toBe(true);
    expect(switched).toEqual([
      { outlet: 3, on: false },
      { outlet: 3, on: false }, // cycle: off again (already off: the unit does not move)...
      { outlet: 3, on: true },
    ].filter((s, i) => i !== 1));
  });

  it('a unit that answers but does not switch is caught by the read-back', async () => {
    const { p } = await pdu();
    p.setFault('stuck');
    const sw = new GudeHttpPowerSwitch({ name: 'ap1', host: '127.0.0.1', port: p.port, outlet: 1, settleMs: 200 });
    const msg = await code(sw.off());
    expect(msg).toMatch(/^E_POWER_STUCK: .*ap1.*outlet 1.*switched off, but the outlet reads back on/);
    expect(p.requests).toEqual([{ outlet: 1, on: false }]);
  });

  it('credentials: the right ones switch; wrong or none are refused, naming the environment variables to check', async () => {
    const credentials = { username: 'admin', password: 's3cret-pdu' };
    const { p } = await pdu({ credentials });
    await new GudeHttpPowerSwitch({ name: 'ap2', host: '127.0.0.1', port: p.port, outlet: 2, credentials }).off();
    expect(p.isOn(2)).toBe(false);
    const wrong = new GudeHttpPowerSwitch({ name: 'ap2', host: '127.0.0.1', port: p.port, outlet: 2, credentials: { username: 'admin', password: 'nope' } });
    const msg = await code(wrong.on());
    expect(msg).toMatch(/^E_POWER_AUTH: .*refused the credentials \(HTTP 401\)/);
    expect(msg).not.toContain('nope');
    expect(await code(new GudeHttpPowerSwitch({ name: 'ap2', host: '127.0.0.1', port: p.port, outlet: 2 }).state())).toMatch(/^E_POWER_AUTH/);
    expect(p.isOn(2)).toBe(false);
  });

  it('an outlet the unit does not have, and a unit that is not there', async () => {
    const { p } = await pdu();
    expect(await code(new GudeHttpPowerSwitch({ name: 'client', host: '127.0.0.1', port: p.port, outlet: 12 }).state())).toMatch(
      /^E_POWER: .*reports 8 outlet\(s\) and no state for outlet 12/,
    );
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    expect(await code(new GudeHttpPowerSwitch({ name: 'client', host: '127.0.0.1', port: closed, outlet: 1, timeoutMs: 500 }).on())).toMatch(/^E_POWER: .*no answer/);
    expect(() => new GudeHttpPowerSwitch({ name: 'client', host: '127.0.0.1', port: 1, outlet: 0 })).toThrow(/outlet 0: expected an outlet number 1\.\.48/);
  });
});
