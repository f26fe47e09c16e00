/**
 * A virtual SNMP power switch on loopback UDP, served by net-snmp's own agent, with the
 * outlet tables of one vendor MIB (this table is the rig's own, written from the MIBs,
 * not shared with the controllers):
 *
 *   apc      PowerNet-MIB sPDUOutletControlTable (1.3.6.1.4.1.318.1.1.4.4.2.1), per outlet:
 *            .1 index, .2 pending (2 noCommandPending), .3 sPDUOutletCtl read-write
 *            (set 1 outletOn, 2 outletOff, 3 outletReboot; reads 1 on, 2 off), .4 name
 *   raritan  PDU2-MIB outletControlSwitchTable (1.3.6.1.4.1.13742.6.4.1.2.1) indexed
 *            pduId.outletId: .2 switchingOperation read-write (0 off, 1 on, 2 cycle),
 *            .3 outletSwitchingState (7 on, 8 off); measurementsOutletSensorTable
 *            (1.3.6.1.4.1.13742.6.5.4.3.1) indexed pduId.outletId.sensorType:
 *            .3 measurementsOutletSensorState, sensor onOff(14): 7 on, 8 off
 *
 * Access as a real unit grants it: SNMP v2c with a read-write community (any other
 * community gets no answer at all, as agents do) and an optional read-only one; SNMP v3
 * with one user (authNoPriv or authPriv) when given. Fault `stuck`: sets are accepted,
 * the relays do not move.
 */
import dgram from 'node:dgram';
import snmp from 'net-snmp';
import { OutletBank, type PduFault, type VirtualPdu } from './outlet-bank.ts';

export type SnmpPduMib = 'apc' | 'raritan';

export interface VirtualSnmpPduOptions {
  host: string;
  port: number;
  mib: SnmpPduMib;
  outlets?: number;
  names?: Record<number, string>;
  /** The read-write community (default "private"). */
  community?: string;
  readOnlyCommunity?: string;
  /** An SNMP v3 user allowed to write. */
  v3User?: { name: string; authProtocol: 'md5' | 'sha'; authKey: string; privProtocol?: 'des' | 'aes'; privKey?: string };
  /** Raritan: the unit's pduId (default 1). */
  pduId?: number;
  initiallyOn?: boolean;
  onSwitch?: (outlet: number, on: boolean) => void;
  /** Reboot / cycle: how long the outlet stays off, real ms (default 300). */
  rebootMs?: number;
}

const APC_ENTRY = '1.3.6.1.4.1.318.1.1.4.4.2.1';
const RARITAN_SWITCH_ENTRY = '1.3.6.1.4.1.13742.6.4.1.2.1';
const RARITAN_SENSOR_ENTRY = '1.3.6.1.4.1.13742.6.5.4.3.1';
const RARITAN_ON_OFF_SENSOR = 14;
const RARITAN_ON = 7;
const RARITAN_OFF = 8;

/** What the rig uses of net-snmp's agent (its typings say `any`). */
interface Agent {
  getMib(): {
    registerProvider(p: unknown): void;
    addTableRow(name: string, row: unknown[]): void;
    setScalarValue(name: string, value: unknown): void;
  };
  getAuthorizer(): {
    addCommunity(c: string): void;
    addUser(u: unknown): void;
    getAccessControlModel(): { setCommunityAccess(c: string, l: number): void; setUserAccess(u: string, l: number): void };
  };
  close(cb?: () => void): void;
}
interface MibRequest {
  oid: string;
  operation: number;
  /** A set runs the handler twice: a test pass (testSet), then the commit pass. */
  testSet?: boolean;
  setValue?: unknown;
  instanceNode: { value: unknown };
  done(err?: { errorStatus: number }): void;
}

export class VirtualSnmpPdu implements VirtualPdu {
  private readonly bank: OutletBank;
  private readonly timers = new Set<NodeJS.Timeout>();
  private agent!: Agent;
  private closed = false;
  private _port = 0;

  private constructor(
    readonly host: string,
    private readonly opts: VirtualSnmpPduOptions,
  ) {
    this.bank = new OutletBank(opts.outlets ?? 8, opts.initiallyOn ?? true, opts.onSwitch);
  }

  get port(): number {
    return this._port;
  }

  static async start(opts: VirtualSnmpPduOptions): Promise<VirtualSnmpPdu> {
    const pdu = new VirtualSnmpPdu(opts.host, opts);
    await pdu.listen();
    return pdu;
  }

  get requests(): { outlet: number; on: boolean }[] {
    return this.bank.requests;
  }

  isOn(outlet: number): boolean {
    return this.bank.isOn(outlet);
  }

  setFault(fault: PduFault): void {
    this.bank.setFault(fault);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return new Promise((resolve) => this.agent.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    // net-snmp's listener binds the port it is given and takes 0 for "161": hand it a
    // socket module whose bind uses the port asked for here (0: any free port).
    let socket: dgram.Socket | undefined;
    const wanted = this.opts.port;
    const dgramModule = {
      createSocket: (type: dgram.SocketType) => {
        const s = dgram.createSocket(type);
        const bind = s.bind.bind(s) as (port: number, address?: string) => dgram.Socket;
        (s as unknown as { bind: (p: number, a?: string) => dgram.Socket }).bind = (_port, address) => bind(wanted, address);
        socket = s;
        return s;
      },
    };
    this.agent = snmp.createAgent(
      {
        port: 161,
        address: this.host,
        transport: this.host.includes(':') ? 'udp6' : 'udp4',
        dgramModule,
        accessControlModelType: snmp.AccessControlModelType.Simple,
      },
      () => {
        // Requests it refuses (unknown community, bad v3 credentials) are dropped or reported, as a unit does.
      },
    ) as Agent;
    await new Promise<void>((resolve, reject) => {
      socket!.once('listening', () => resolve());
      socket!.once('error', reject);
    });
    this._port = socket!.address().port;
    this.authorize();
    if (this.opts.mib === 'apc') this.registerApc();
    else this.registerRaritan();
  }

  private authorize(): void {
    const auth = this.agent.getAuthorizer();
    const acm = auth.getAccessControlModel();
    const rw = this.opts.community ?? 'private';
    auth.addCommunity(rw);
    acm.setCommunityAccess(rw, snmp.AccessLevel.ReadWrite);
    if (this.opts.readOnlyCommunity !== undefined) {
      auth.addCommunity(this.opts.readOnlyCommunity);
      acm.setCommunityAccess(this.opts.readOnlyCommunity, snmp.AccessLevel.ReadOnly);
    }
    const u = this.opts.v3User;
    if (u) {
      auth.addUser({
        name: u.name,
        level: u.privKey !== undefined ? snmp.SecurityLevel.authPriv : snmp.SecurityLevel.authNoPriv,
        authProtocol: u.authProtocol === 'md5' ? snmp.AuthProtocols.md5 : snmp.AuthProtocols.sha,
        authKey: u.authKey,
        ...(u.privKey !== undefined ? { privProtocol: u.privProtocol === 'des' ? snmp.PrivProtocols.des : snmp.PrivProtocols.aes, privKey: u.privKey } : {}),
      });
      acm.setUserAccess(u.name, snmp.AccessLevel.ReadWrite);
    }
  }

  private cycle(outlet: number): void {
    this.bank.switch(outlet, false);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.bank.switch(outlet, true);
    }, this.opts.rebootMs ?? 300);
    this.timers.add(t);
  }

  private name(outlet: number): string {
    return this.opts.names?.[outlet] ?? `Outlet ${outlet}`;
  }

  private registerApc(): void {
    const mib = this.agent.getMib();
    const int = snmp.ObjectType.Integer;
    mib.registerProvider({
      name: 'sPDUOutletControlEntry',
      type: snmp.MibProviderType.Table,
      oid: APC_ENTRY,
      maxAccess: snmp.MaxAccess['not-accessible'],
      tableColumns: [
        { number: 1, name: 'sPDUOutletControlIndex', type: int, maxAccess: snmp.MaxAccess['read-only'] },
        { number: 2, name: 'sPDUOutletPending', type: int, maxAccess: snmp.MaxAccess['read-only'] },
        { number: 3, name: 'sPDUOutletCtl', type: int, maxAccess: snmp.MaxAccess['read-write'], constraints: { enumeration: { '1': 'outletOn', '2': 'outletOff', '3': 'outletReboot', '4': 'outletUnknown' } } },
        { number: 4, name: 'sPDUOutletCtlName', type: snmp.ObjectType.OctetString, maxAccess: snmp.MaxAccess['read-only'] },
      ],
      tableIndex: [{ columnName: 'sPDUOutletControlIndex' }],
      handler: (req: MibRequest) => {
        const parts = req.oid.split('.');
        const column = Number(parts.at(-2));
        const outlet = Number(parts.at(-1));
        if (column === 3 && req.operation === snmp.PduType.SetRequest) {
          const v = Number(req.setValue);
          if (v < 1 || v > 3) return req.done({ errorStatus: snmp.ErrorStatus.WrongValue });
          if (!req.testSet) {
            if (v === 3) this.cycle(outlet);
            else this.bank.switch(outlet, v === 1);
          }
        } else if (column === 3) {
          req.instanceNode.value = this.bank.isOn(outlet) ? 1 : 2;
        }
        req.done();
      },
    });
    for (let o = 1; o <= this.bank.count; o++) mib.addTableRow('sPDUOutletControlEntry', [o, 2, this.bank.isOn(o) ? 1 : 2, this.name(o)]);
  }

  private registerRaritan(): void {
    const mib = this.agent.getMib();
    const int = snmp.ObjectType.Integer;
    const pduId = this.opts.pduId ?? 1;
    const hidden = snmp.MaxAccess['not-accessible'];
    const stateOf = (outlet: number): number => (this.bank.isOn(outlet) ? RARITAN_ON : RARITAN_OFF);
    mib.registerProvider({
      name: 'outletControlSwitchEntry',
      type: snmp.MibProviderType.Table,
      oid: RARITAN_SWITCH_ENTRY,
      maxAccess: hidden,
      tableColumns: [
        { number: 101, name: 'pduId', type: int, maxAccess: hidden },
        { number: 102, name: 'outletId', type: int, maxAccess: hidden },
        { number: 2, name: 'switchingOperation', type: int, maxAccess: snmp.MaxAccess['read-write'], constraints: { enumeration: { '0': 'off', '1': 'on', '2': 'cycle' } } },
        { number: 3, name: 'outletSwitchingState', type: int, maxAccess: snmp.MaxAccess['read-only'] },
      ],
      tableIndex: [{ columnName: 'pduId' }, { columnName: 'outletId' }],
      handler: (req: MibRequest) => {
        const parts = req.oid.split('.');
        const column = Number(parts.at(-3));
        const outlet = Number(parts.at(-1));
        if (column === 2 && req.operation === snmp.PduType.SetRequest) {
          const v = Number(req.setValue);
          if (v < 0 || v > 2) return req.done({ errorStatus: snmp.ErrorStatus.WrongValue });
          if (!req.testSet) {
            if (v === 2) this.cycle(outlet);
            else this.bank.switch(outlet, v === 1);
          }
        } else if (column === 2 || column === 3) {
          req.instanceNode.value = column === 2 ? (this.bank.isOn(outlet) ? 1 : 0) : stateOf(outlet);
        }
        req.done();
      },
    });
    mib.registerProvider({
      name: 'measurementsOutletSensorEntry',
      type: snmp.MibProviderType.Table,
      oid: RARITAN_SENSOR_ENTRY,
      maxAccess: hidden,
      tableColumns: [
        { number: 101, name: 'pduId', type: int, maxAccess: hidden },
        { number: 102, name: 'outletId', type: int, maxAccess: hidden },
        { number: 103, name: 'sensorType', type: int, maxAccess: hidden },
        { number: 3, name: 'measurementsOutletSensorState', type: int, maxAccess: snmp.MaxAccess['read-only'] },
      ],
      tableIndex: [{ columnName: 'pduId' }, { columnName: 'outletId' }, { columnName: 'sensorType' }],
      handler: (req: MibRequest) => {
        const outlet = Number(req.oid.split('.').at(-2));
        if (req.operation !== snmp.PduType.SetRequest) req.instanceNode.value = stateOf(outlet);
        req.done();
      },
    });
    for (let o = 1; o <= this.bank.count; o++) {
      mib.addTableRow('outletControlSwitchEntry', [pduId, o, this.bank.isOn(o) ? 1 : 0, stateOf(o)]);
      mib.addTableRow('measurementsOutletSensorEntry', [pduId, o, RARITAN_ON_OFF_SENSOR, stateOf(o)]);
    }
  }
}
