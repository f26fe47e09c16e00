/**
 * The SNMP power switch drivers (APC PowerNet-MIB, Raritan PDU2-MIB) against net-snmp's
 * own agent serving those OIDs (the virtual rig's SNMP unit): switching with read-back
 * through the vendor's OIDs, a unit that does not switch, a wrong community (an agent
 * stays silent), a read-only community (the set is refused), SNMP v3 users right and
 * wrong; no secret in any message.
 */
import snmp from 'net-snmp';
import { afterEach, describe, expect, it } from 'vitest';
import { APC_POWERNET, RARITAN_PDU2, SnmpPowerSwitch, type SnmpOutletProfile } from '../controllers/power/snmp-outlet.ts';
import type { PowerSpec } from '../inventory/schema.ts';
import { VirtualSnmpPdu, type VirtualSnmpPduOptions } from '../../rig/power/snmp-pdu.ts';
import { benchFailure } from './helpers/bench-failure.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});
async function pdu(opts: Partial<VirtualSnmpPduOptions> & { mib: 'apc' | 'raritan' }) {
  const switched: { outlet: number; on: boolean }[] = [];
  const p = await VirtualSnmpPdu.start({ host: '127.0.0.1', port: 0, outlets: 8, community: 'rw-C0mmunity', onSwitch: (outlet, on) => switched.push({ outlet, on }), ...opts });
  open.push(p);
  return { p, switched };
}
function driver(profile: SnmpOutletProfile, port: number, outlet: number, snmpSettings: Partial<NonNullable<PowerSpec['snmp']>>, env: Record<string, string>, usernameEnv?: string) {
  const settings = { driver: profile.driver, outlet, usernameEnv, snmp: { version: '2c' as const, pduId: 1, ...snmpSettings } };
  const sw = new SnmpPowerSwitch(profile, { name: 'client', host: '127.0.0.1', port, outlet, timeoutMs: 400, settleMs: 200, settings, env });
  open.push(sw);
  return sw;
}
const failure = benchFailure;
/** A raw SNMP get, as a lab's snmpget would do it, to check what the unit serves. */
function rawGet(port: number, community: string, oid: string): Promise<number> {
  const s = snmp.createSession('127.0.0.1', community, { port, version: snmp.Version2c, timeout: 500, retries: 0 });
  return new Promise((resolve, reject) =>
    s.get([oid], (err, vbs) => {
      s.close();
      if (err) reject(err);
      else resolve(Number(vbs![0].value));
    }),
  );
}

const V2C = { communityEnv: 'PDU_COMMUNITY' };

describe.each([
  { profile: APC_POWERNET, mib: 'apc' as const, stateOid: '1.3.6.1.4.1.318.1.1.4.4.2.1.3.5', on: 1, off: 2 },
  { profile: RARITAN_PDU2, mib: 'raritan' as const, stateOid: '1.3.6.1.4.1.13742.6.5.4.3.1.3.1.5.14', on: 7, off: 8 },
])('$profile.vendor over SNMP v2c', ({ profile, mib, stateOid, on, off }) => {
  it('switches one outlet off and on through the MIB, reads it back, leaves the others alone', async () => {
    const { p, switched } = await pdu({ mib });
    const sw = driver(profile, p.port, 5, V2C, { PDU_COMMUNITY: 'rw-C0mmunity' });
    expect(await sw.state()).toBe('on');
    await sw.off();
    expect(p.isOn(5)).toBe(false);
    expect(await rawGet(p.port, 'rw-C0mmunity', stateOid)).toBe(off);
    expect(p.isOn(4)).toBe(true);
    await sw.cycle(20);
    expect(await rawGet(p.port, 'rw-C0mmunity', stateOid)).toBe(on);
    expect(switched).toEqual([
      { outlet: 5, on: false },
      { outlet: 5, on: true },
    ]);
  });

  it('a unit that accepts the set but does not switch is caught by the read-back', async () => {
    const { p, switched } = await pdu({ mib });
    p.setFault('stuck');
    const msg = await failure(driver(profile, p.port, 5, V2C, { PDU_COMMUNITY: 'rw-C0mmunity' }).off());
    expect(msg).toMatch(new RegExp(`^E_POWER_STUCK: power switch for client \\(${profile.vendor} SNMP at 127\\.0\\.0\\.1:\\d+, outlet 5\\): switched off, but the outlet reads back on`));
    expect(p.requests).toEqual([{ outlet: 5, on: false }]);
    expect(switched).toEqual([]);
  });

  it('a wrong community gets no answer (said so, without the community); a read-only one is refused the set', async () => {
    const { p } = await pdu({ mib, readOnlyCommunity: 'ro-C0mmunity' });
    const wrong = await failure(driver(profile, p.port, 5, V2C, { PDU_COMMUNITY: 'guessed-C0mmunity' }).off());
    expect(wrong).toMatch(/^E_POWER_AUTH_OR_ABSENT: .*no answer to the SNMP set within 0\.4 s: .*ignored the community.*snmp\.communityEnv/);
    expect(wrong).not.toContain('guessed-C0mmunity');
    const ro = driver(profile, p.port, 5, V2C, { PDU_COMMUNITY: 'ro-C0mmunity' });
    expect(await ro.state()).toBe('on');
    const refused = await failure(ro.off());
    expect(refused).toMatch(/^E_POWER_AUTH: .*refused the SNMP set \(NoAccess\): the community or user may not write/);
    expect(refused).not.toContain('ro-C0mmunity');
    expect(p.isOn(5)).toBe(true);
  });

  it('a missing environment variable is named, an outlet the unit does not have is said so', async () => {
    const { p } = await pdu({ mib });
    expect(await failure(driver(profile, p.port, 5, V2C, {}).state())).toMatch(/^E_SECRET_ENV: client: .*SNMP community is read from the environment variable PDU_COMMUNITY, which is not set/);
    expect(await failure(driver(profile, p.port, 12, V2C, { PDU_COMMUNITY: 'rw-C0mmunity' }).state())).toMatch(/^E_POWER: .*has no 1\.3\.6\.1\.4\.1\.\S+ \(.*\): no outlet 12 there/);
  });
});

describe('SNMP v3 (user with SHA authentication and AES privacy)', () => {
  const v3User = { name: 'labpower', authProtocol: 'sha' as const, authKey: 'auth-Key-123', privProtocol: 'aes' as const, privKey: 'priv-Key-456' };
  const settings = { version: '3' as const, authProtocol: 'sha' as const, authKeyEnv: 'PDU_AUTH', privProtocol: 'aes' as const, privKeyEnv: 'PDU_PRIV' };

  it('the right user and keys switch the APC outlet; a wrong key is refused without the key in the message', async () => {
    const { p } = await pdu({ mib: 'apc', v3User });
    const sw = driver(APC_POWERNET, p.port, 2, settings, { PDU_USER: 'labpower', PDU_AUTH: 'auth-Key-123', PDU_PRIV: 'priv-Key-456' }, 'PDU_USER');
    await sw.off();
    expect(p.isOn(2)).toBe(false);
    const bad = driver(APC_POWERNET, p.port, 2, settings, { PDU_USER: 'labpower', PDU_AUTH: 'wrong-Key-999', PDU_PRIV: 'priv-Key-456' }, 'PDU_USER');
    // net-snmp's agent drops a request whose digest is wrong (no report): the driver says what that can mean.
    const msg = await failure(bad.on());
    expect(msg).toMatch(/^E_POWER_AUTH_OR_ABSENT: .*no answer to the SNMP set.*dropped the request for the SNMP v3 credentials.*usernameEnv and snmp key variables/);
    expect(msg).not.toMatch(/wrong-Key-999|auth-Key-123|priv-Key-456/);
    // An unknown user is reported back (usmStatsUnknownUserNames): refused outright.
    const stranger = driver(APC_POWERNET, p.port, 2, settings, { PDU_USER: 'nobody', PDU_AUTH: 'auth-Key-123', PDU_PRIV: 'priv-Key-456' }, 'PDU_USER');
    const who = await failure(stranger.on());
    expect(who).toMatch(/^E_POWER_AUTH: .*refused the SNMP v3 credentials/);
    expect(who).not.toMatch(/auth-Key-123|priv-Key-456/);
    expect(p.isOn(2)).toBe(false);
  });
});
