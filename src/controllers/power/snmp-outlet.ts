/**
 * Power switches driven over SNMP (net-snmp): one class, one MIB profile per vendor.
 *
 *   APC PowerNet-MIB (AP79xx and the older MasterSwitch): sPDUOutletCtl
 *     1.3.6.1.4.1.318.1.1.4.4.2.1.3.<outlet>   set 1 on, 2 off (3 reboot); read the same OID
 *   Raritan PDU2-MIB (PX2 / PX3):
 *     switchingOperation  1.3.6.1.4.1.13742.6.4.1.2.1.2.<pduId>.<outlet>   set 1 on, 0 off (2 cycle)
 *     measurementsOutletSensorState, sensor onOff(14)
 *                         1.3.6.1.4.1.13742.6.5.4.3.1.3.<pduId>.<outlet>.14   reads 7 on, 8 off
 *
 * SNMP v2c with the write community, or v3 (user, SHA/MD5 authentication, AES/DES
 * privacy), every secret from the environment variables the inventory names. An
 * SNMP v2c agent stays silent to a wrong community, so a timeout says so; a v3
 * authentication failure and a refused set (read-only community) are credential errors.
 * Every switch is read back.
 */
import snmp from 'net-snmp';
import { BenchError, ConfigError, describeError } from '../../errors.ts';
import type { PowerState } from '../roles.ts';
import { ReadBackPowerSwitch, secretFrom } from './read-back.ts';
import { hostPort, type PowerSwitchSpec } from './spec.ts';

export interface SnmpOutletProfile {
  /** Driver name (the inventory's power.driver). */
  driver: string;
  /** What to call the unit in messages. */
  vendor: string;
  controlOid(outlet: number, pduId: number): string;
  stateOid(outlet: number, pduId: number): string;
  /** Value to set for on / off. */
  set: Record<PowerState, number>;
  /** Read value meaning on / off. */
  reads: Record<PowerState, number>;
}

export const APC_POWERNET: SnmpOutletProfile = {
  driver: 'apc-snmp',
  vendor: 'APC PowerNet',
  controlOid: (o) => `1.3.6.1.4.1.318.1.1.4.4.2.1.3.${o}`,
  stateOid: (o) => `1.3.6.1.4.1.318.1.1.4.4.2.1.3.${o}`,
  set: { on: 1, off: 2 },
  reads: { on: 1, off: 2 },
};

export const RARITAN_PDU2: SnmpOutletProfile = {
  driver: 'raritan-snmp',
  vendor: 'Raritan PDU2',
  controlOid: (o, pdu) => `1.3.6.1.4.1.13742.6.4.1.2.1.2.${pdu}.${o}`,
  stateOid: (o, pdu) => `1.3.6.1.4.1.13742.6.5.4.3.1.3.${pdu}.${o}.14`,
  set: { on: 1, off: 0 },
  reads: { on: 7, off: 8 },
};

const AUTH_STATUS = new Set([snmp.ErrorStatus.NoAccess, snmp.ErrorStatus.AuthorizationError, snmp.ErrorStatus.NotWritable, snmp.ErrorStatus.ReadOnly]);

export class SnmpPowerSwitch extends ReadBackPowerSwitch {
  readonly driver: string;
  readonly name: string;
  private session: snmp.Session | null = null;
  private readonly pduId: number;

  constructor(
    private readonly profile: SnmpOutletProfile,
    private readonly spec: PowerSwitchSpec,
  ) {
    super(spec.settleMs ?? 2000);
    if (!Number.isInteger(spec.outlet) || spec.outlet < 1 || spec.outlet > 48) {
      throw new ConfigError(`${spec.name}: power outlet ${spec.outlet}: expected an outlet number 1..48`, { code: 'E_POWER_OUTLET', subject: spec.name });
    }
    this.driver = profile.driver;
    this.name = spec.name;
    this.pduId = spec.settings?.snmp?.pduId ?? 1;
  }

  describe(): string {
    return `power switch for ${this.name} (${this.profile.vendor} SNMP at ${hostPort(this.spec)}, outlet ${this.spec.outlet})`;
  }

  private open(): snmp.Session {
    if (this.session) return this.session;
    const s = this.spec.settings?.snmp;
    const env = this.spec.env ?? process.env;
    const common = { port: this.spec.port, timeout: this.spec.timeoutMs ?? 3000, retries: 1, transport: (this.spec.host.includes(':') ? 'udp6' : 'udp4') as 'udp4' | 'udp6' };
    if (s?.version === '3') {
      const name = secretFrom(env, this.spec.settings?.usernameEnv, 'SNMP v3 user', this.name) ?? '';
      const authKey = secretFrom(env, s.authKeyEnv, 'SNMP v3 authentication key', this.name);
      const privKey = secretFrom(env, s.privKeyEnv, 'SNMP v3 privacy key', this.name);
      const level = privKey !== undefined ? snmp.SecurityLevel.authPriv : authKey !== undefined ? snmp.SecurityLevel.authNoPriv : snmp.SecurityLevel.noAuthNoPriv;
      this.session = snmp.createV3Session(
        this.spec.host,
        {
          name,
          level,
          ...(authKey !== undefined ? { authProtocol: s.authProtocol === 'md5' ? snmp.AuthProtocols.md5 : snmp.AuthProtocols.sha, authKey } : {}),
          ...(privKey !== undefined ? { privProtocol: s.privProtocol === 'des' ? snmp.PrivProtocols.des : snmp.PrivProtocols.aes, privKey } : {}),
        },
        { ...common, version: snmp.Version3 },
      );
    } else {
      const community = secretFrom(env, s?.communityEnv, 'SNMP community', this.name) ?? 'private';
      this.session = snmp.createSession(this.spec.host, community, { ...common, version: snmp.Version2c });
    }
    this.session.on('error', () => {
      // Socket errors surface through the request callbacks.
    });
    return this.session;
  }

  /** A failed request as a BenchError that names the unit and outlet, never the community or keys. */
  private failure(op: string, err: unknown): BenchError {
    const e = err as Error & { status?: number; code?: number };
    if (e?.name === 'RequestTimedOutError') {
      const v3 = this.spec.settings?.snmp?.version === '3';
      const why = v3
        ? "or it dropped the request for the SNMP v3 credentials (an agent may stay silent to a wrong key: check the power entry's usernameEnv and snmp key variables)"
        : "or it ignored the community (an SNMP v2c agent stays silent to a wrong community: check the power entry's snmp.communityEnv variable)";
      return new BenchError(`${this.describe()}: no answer to the SNMP ${op} within ${(this.spec.timeoutMs ?? 3000) / 1000} s: the unit is not there, ${why}`, {
        code: 'E_POWER_AUTH_OR_ABSENT',
        subject: this.name,
      });
    }
    if (e?.name === 'ResponseInvalidError' && e.code === snmp.ResponseInvalidCode.EAuthFailure) {
      return new BenchError(`${this.describe()}: the unit refused the SNMP v3 credentials (${e.message}): check the power entry's usernameEnv and snmp key variables`, { code: 'E_POWER_AUTH', subject: this.name });
    }
    if (e?.name === 'RequestFailedError' && e.status !== undefined && AUTH_STATUS.has(e.status)) {
      return new BenchError(`${this.describe()}: the unit refused the SNMP ${op} (${snmp.ErrorStatus[e.status]}): the community or user may not write there; check the power entry's credentials variables`, {
        code: 'E_POWER_AUTH',
        subject: this.name,
      });
    }
    return new BenchError(`${this.describe()}: SNMP ${op} failed: ${describeError(err)}`, { code: 'E_POWER', subject: this.name });
  }

  private varbind(op: string, vbs: snmp.Varbind[] | undefined): snmp.Varbind {
    const vb = vbs?.[0];
    if (!vb) throw new BenchError(`${this.describe()}: empty SNMP ${op} answer`, { code: 'E_POWER', subject: this.name });
    if (snmp.isVarbindError(vb)) {
      throw new BenchError(`${this.describe()}: the unit has no ${vb.oid} (${snmp.varbindError(vb)}): no outlet ${this.spec.outlet} there, or not a ${this.profile.vendor} unit`, {
        code: 'E_POWER',
        subject: this.name,
      });
    }
    return vb;
  }

  async state(): Promise<PowerState> {
    const oid = this.profile.stateOid(this.spec.outlet, this.pduId);
    const session = this.open();
    const vbs = await new Promise<snmp.Varbind[]>((resolve, reject) => session.get([oid], (err, v) => (err ? reject(this.failure('get', err)) : resolve(v ?? []))));
    const value = Number(this.varbind('get', vbs).value);
    if (value === this.profile.reads.on) return 'on';
    if (value === this.profile.reads.off) return 'off';
    throw new BenchError(`${this.describe()}: ${oid} reads ${value}, which is neither on (${this.profile.reads.on}) nor off (${this.profile.reads.off})`, { code: 'E_POWER', subject: this.name });
  }

  protected async askToSwitch(want: PowerState): Promise<void> {
    const oid = this.profile.controlOid(this.spec.outlet, this.pduId);
    const session = this.open();
    const vbs = await new Promise<snmp.Varbind[]>((resolve, reject) =>
      session.set([{ oid, type: snmp.ObjectType.Integer, value: this.profile.set[want] }], (err, v) => (err ? reject(this.failure('set', err)) : resolve(v ?? []))),
    );
    this.varbind('set', vbs);
  }


  override async close(): Promise<void> {
    this.session?.close();
    this.session = null;
  }
}
