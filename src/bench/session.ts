/**
 * The live bench (labgrid's "target"): one SSH connection per device, each device's
 * role driver (the client's Station, the APs' AccessPoint, chosen by the inventory's
 * `driver:` through controllers/drivers.ts), the attenuators on each AP's path, the
 * power switches, the serial consoles (capturing for as long as the session is open), the station's association events, and the bench clock. Strategies
 * (the roam cycle, flashing) work on this; they never open connections themselves.
 */
import { BenchError } from '../errors.ts';
import { reachabilityHint } from '../controllers/reachability.ts';
import { createAttenuator } from '../controllers/attenuator/registry.ts';
import { SharedAttenuatorUnit } from '../controllers/attenuator/shared-unit.ts';
import type { Attenuator } from '../controllers/attenuator/types.ts';
import { BenchClock } from '../controllers/bench-clock.ts';
import { accessPointDrivers, consoleDrivers, powerSwitchDrivers, stationDrivers } from '../controllers/drivers.ts';
import type { AccessPoint, AssociationEvent, Console, EventStream, PowerSwitch, Station, StationSettings } from '../controllers/roles.ts';
import { SshDevice, type SshConnectOptions } from '../controllers/ssh/ssh-device.ts';
import { AP_NAMES, DEVICE_NAMES, attenuatorUnitKey, parseAddress, type ApName, type AttenuatorSpec, type Bench, type DeviceName } from '../inventory/schema.ts';
import type { EndpointOverrides, ProvisionedBench } from './provision.ts';
import { sshOptionsFor } from './ssh-options.ts';
import { ConditionWaiter } from './waiter.ts';

export type { ApName, DeviceName } from '../inventory/schema.ts';

export interface PathAttenuator {
  name: string;
  channel: number;
  driver: Attenuator;
  fixedLossDb: number;
  safeDb: number;
}

export interface SessionOptions {
  overrides?: EndpointOverrides;
  timeScale: number;
  log?: (m: string) => void;
  /** Told each device's console output as it arrives (the run folder's console-<device>.log). */
  consoleOutput?: (device: DeviceName, text: string) => void;
}

export class BenchSession {
  readonly waiter = new ConditionWaiter();
  /** The station's association events since the session opened, in arrival order. */
  readonly events: AssociationEvent[] = [];
  private eventStream: EventStream | null = null;
  /** The provisioner's handle (a virtual bench's rig), stopped with the session. */
  provisioned: ProvisionedBench | null = null;

  readonly aps: Record<ApName, AccessPoint>;
  station: Station;
  /**
   * How many times the client was configured in this session (at the start, after a flash,
   * after a recovery). Each may have brought its interface up anew, and with it the driver's
   * timers: what a roam trigger learned about them (the phase of madwifi's roam check) is
   * void after one.
   */
  stationConfigurations = 0;

  private constructor(
    readonly bench: Bench,
    readonly clock: BenchClock,
    readonly devices: Record<DeviceName, SshDevice>,
    readonly paths: Record<ApName, PathAttenuator[]>,
    readonly power: Partial<Record<DeviceName, PowerSwitch>>,
    private readonly connectOptions: Record<DeviceName, SshConnectOptions>,
    /** The serial consoles of the devices that have one (capturing from when the session opened). */
    readonly consoles: Partial<Record<DeviceName, Console>> = {},
  ) {
    this.aps = { ap1: this.accessPointFor('ap1', devices.ap1), ap2: this.accessPointFor('ap2', devices.ap2) };
    this.station = this.stationFor(devices.client);
  }

  private radioSpec(n: DeviceName, shell: SshDevice) {
    const d = this.bench.devices[n];
    const bridge = 'bridge' in d.wireless ? d.wireless.bridge : undefined;
    const events = 'events' in d.wireless ? d.wireless.events : undefined;
    return { shell, iface: d.wireless.interface, radio: d.wireless.radio, ...(bridge ? { bridge } : {}), ...(events ? { events } : {}), commandTimeoutMs: d.commandTimeoutS * 1000 };
  }

  private stationFor(shell: SshDevice): Station {
    return stationDrivers.create(this.bench.devices.client.driver, this.radioSpec('client', shell), 'client');
  }

  private accessPointFor(n: ApName, shell: SshDevice): AccessPoint {
    return accessPointDrivers.create(this.bench.devices[n].driver, this.radioSpec(n, shell), n);
  }

  /** Connect to every device and create the drivers. Fails as a whole: nothing stays open. */
  static async open(bench: Bench, opts: SessionOptions): Promise<BenchSession> {
    const clock = new BenchClock(opts.timeScale);
    const connectOpts = DEVICE_NAMES.map((name) => sshOptionsFor(bench, name, opts.overrides, opts.log));
    const settled = await Promise.allSettled(connectOpts.map((o) => SshDevice.connect(o)));
    const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) {
      await Promise.allSettled(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
      const err = failed.reason;
      if (err instanceof BenchError && err.code === 'E_CONNECT') {
        const i = settled.indexOf(failed);
        err.message += await reachabilityHint(connectOpts[i].host);
      }
      throw err;
    }
    const devices = Object.fromEntries(DEVICE_NAMES.map((n, i) => [n, (settled[i] as PromiseFulfilledResult<SshDevice>).value])) as Record<DeviceName, SshDevice>;
    let consoles: Partial<Record<DeviceName, Console>> = {};
    try {
      const byName = Object.fromEntries(DEVICE_NAMES.map((n, i) => [n, connectOpts[i]])) as Record<DeviceName, SshConnectOptions>;
      consoles = serialConsoles(bench, opts.overrides, opts.consoleOutput);
      await Promise.all(Object.values(consoles).map((c) => c!.start()));
      return new BenchSession(bench, clock, devices, attenuatorPaths(bench, opts.overrides), powerSwitches(bench, opts.overrides), byName, consoles);
    } catch (err) {
      await Promise.allSettled([...Object.values(devices).map((d) => d.close()), ...Object.values(consoles).map((c) => c?.close())]);
      throw err;
    }
  }

  /** Configure the client (see `stationConfigurations`). */
  async configureStation(settings: StationSettings): Promise<void> {
    this.stationConfigurations++;
    await this.station.configure(settings);
  }

  /**
   * Connect again to a device whose connection was lost (a dropped link, a reboot):
   * explicitly, with the device's connect deadline, never by a hidden retry inside a call.
   */
  async reconnect(name: DeviceName): Promise<void> {
    await this.devices[name].close().catch(() => {});
    const dev = await SshDevice.connect(this.connectOptions[name]);
    this.devices[name] = dev;
    if (name === 'client') {
      this.stopEvents();
      this.station = this.stationFor(dev);
    } else this.aps[name] = this.accessPointFor(name, dev);
  }

  /** Identify every attenuator (model check) once before the run. */
  async identifyAttenuators(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const p of [...this.paths.ap1, ...this.paths.ap2]) {
      const id = await p.driver.identify();
      out[p.name] = `${id.model} SN ${id.serial}`;
    }
    return out;
  }

  /** Program one AP path (every attenuator on it); returns the read-back value. */
  async setPath(ap: ApName, db: number): Promise<number> {
    const vals = await Promise.all(this.paths[ap].map((p) => p.driver.set(p.channel, db)));
    return vals[0];
  }

  /** Anchor the bench clock on the client's wall clock. */
  async anchorClock(): Promise<ClockAnchor | null> {
    // `date +%s` has whole seconds (a 2007 busybox has nothing finer): read it until it
    // ticks and put the board's second boundary between the two reads' midpoints. Bounded:
    // at most 1.5 board seconds (and 400 reads); a board that does not tick in that time
    // (or answers too slowly) is anchored at the middle of its second, +-500 ms.
    const read = async (): Promise<{ s: number; sent: number; got: number } | null> => {
      const sent = performance.now();
      const r = await this.devices.client.exec('date +%s', { timeoutMs: 10_000 });
      const s = Number(r.stdout.trim());
      return r.exitCode === 0 && r.stdout.trim() !== '' && Number.isInteger(s) ? { s, sent, got: performance.now() } : null;
    };
    const first = await read();
    if (!first) return null;
    const until = first.got + this.clock.real(1500);
    let prev = first;
    for (let i = 0; i < 400 && performance.now() < until; i++) {
      const cur = await read();
      if (!cur) break;
      if (cur.s === prev.s + 1) {
        const mid = (x: { sent: number; got: number }): number => (x.sent + x.got) / 2;
        this.clock.anchorAt(cur.s * 1000, (mid(prev) + mid(cur)) / 2);
        return { method: 'tick', uncertaintyMs: ((cur.got - prev.sent) / 2) * this.clock.scale };
      }
      if (cur.s !== prev.s) break; // a jump: no tick to trust
      prev = cur;
    }
    this.clock.anchorAt(prev.s * 1000 + 500, (prev.sent + prev.got) / 2);
    return { method: 'mid-second', uncertaintyMs: 500 + ((prev.got - prev.sent) / 2) * this.clock.scale };
  }

  /** When the device last booted (bench epoch ms), from /proc/uptime; null when it cannot tell. */
  async bootTime(name: DeviceName): Promise<number | null> {
    const r = await this.devices[name].exec('cat /proc/uptime', { timeoutMs: this.bench.devices[name].commandTimeoutS * 1000 }).catch(() => null);
    const up = Number(r?.stdout.trim().split(/\s+/)[0]);
    return r?.exitCode === 0 && Number.isFinite(up) ? this.clock.now() - up * 1000 : null;
  }

  /**
   * Does the device still run commands? `cat /proc/uptime` within `timeoutMs` (default:
   * its command timeout). A wedged board accepts SSH and never answers: false.
   */
  async answers(name: DeviceName, timeoutMs = this.bench.devices[name].commandTimeoutS * 1000): Promise<boolean> {
    if (!this.devices[name].connected) return false;
    const r = await this.devices[name].exec('cat /proc/uptime', { timeoutMs }).catch(() => null);
    return r !== null && r.exitCode === 0 && /^\d/.test(r.stdout);
  }

  /** Devices whose SSH connection is gone. */
  disconnected(): DeviceName[] {
    return DEVICE_NAMES.filter((n) => !this.devices[n].connected);
  }

  /** Drop all but the last `keep` association events (between cycles: nothing indexes them then). */
  forgetEvents(keep: number): void {
    if (this.events.length > keep) this.events.splice(0, this.events.length - keep);
  }

  /** Stream the station's association events into `events` (and the raw log). */
  startEvents(rawLog?: (line: string) => void): void {
    const stream = this.station.watchAssociations(this.clock, (e) => {
      this.events.push(e);
      rawLog?.(`${new Date(e.atMs).toISOString()} ${e.bssid ?? 'Not-Associated'}`);
      this.waiter.notify();
    });
    this.eventStream = stream;
    void stream.done.then(() => {
      if (this.eventStream === stream) this.eventStream = null;
      this.waiter.notify();
    });
  }

  private stopEvents(): void {
    this.eventStream?.stop();
    this.eventStream = null;
  }

  get eventsRunning(): boolean {
    return this.eventStream !== null;
  }

  /**
   * Leave the bench safe: event stream stopped, attenuators at their safe values,
   * connections closed, the provisioned bench (a virtual rig) stopped. Returns the
   * problems met on the way.
   */
  async close(): Promise<string[]> {
    const problems: string[] = [];
    this.stopEvents();
    for (const p of [...this.paths.ap1, ...this.paths.ap2]) {
      try {
        await p.driver.set(p.channel, p.safeDb);
      } catch (err) {
        problems.push(`${p.name}: could not set the safe value ${p.safeDb} dB: ${(err as Error).message}`);
      }
      await p.driver.close().catch(() => {});
    }
    await Promise.allSettled(Object.values(this.power).map((s) => s?.close()));
    await Promise.allSettled(Object.values(this.consoles).map((c) => c?.close()));
    await Promise.allSettled(Object.values(this.devices).map((d) => d.close()));
    const prov = this.provisioned;
    this.provisioned = null;
    if (prov) await prov.stop();
    return problems;
  }

  fixedLoss(): Record<string, number> {
    return { ap1: this.paths.ap1[0]?.fixedLossDb ?? 0, ap2: this.paths.ap2[0]?.fixedLossDb ?? 0 };
  }
}

/**
 * The attenuators on each AP's path (no I/O yet): one driver, so one connection, per
 * physical unit (attenuatorUnitKey: a named unit, or one address), shared by the
 * inventory attenuators that are its channels; each of them holds a lease on it.
 */
export function attenuatorPaths(bench: Bench, overrides: EndpointOverrides | undefined): Record<ApName, PathAttenuator[]> {
  const units = new Map<string, [string, AttenuatorSpec][]>();
  for (const [name, spec] of Object.entries(bench.attenuators)) {
    const key = attenuatorUnitKey(name, spec);
    units.set(key, [...(units.get(key) ?? []), [name, spec]]);
  }
  const paths: Record<ApName, PathAttenuator[]> = { ap1: [], ap2: [] };
  for (const members of units.values()) {
    const [firstName, spec] = members[0];
    // Its inventory name; a unit given only by its attenuators' address is named by them all.
    const named = members.find(([, m]) => m.unit !== undefined)?.[1].unit;
    const name = named ?? members.map(([n]) => n).join('+');
    const o = overrides?.attenuators?.[firstName];
    const addr = parseAddress(spec.address);
    const port = o ? (o.port ?? (spec.protocol === 'http' ? o.httpPort : o.telnetPort) ?? 0) : addr.port;
    const driver = createAttenuator({
      name,
      members: members.map(([n, m]) => ({ name: n, channel: m.channel })),
      model: spec.model,
      protocol: spec.protocol,
      host: o?.host ?? addr.host,
      port,
    });
    const unit = new SharedAttenuatorUnit(driver);
    for (const [n, m] of members) {
      paths[m.path].push({ name: n, channel: m.channel, driver: unit.lease(n), fixedLossDb: m.fixedLossDb, safeDb: m.safeDb });
    }
  }
  for (const ap of AP_NAMES) paths[ap].sort((a, b) => a.name.localeCompare(b.name));
  return paths;
}

/** The power switch of every device that has one (credentials from the environment). */
function powerSwitches(bench: Bench, overrides: EndpointOverrides | undefined): Partial<Record<DeviceName, PowerSwitch>> {
  const out: Partial<Record<DeviceName, PowerSwitch>> = {};
  for (const name of DEVICE_NAMES) {
    const p = bench.devices[name].power;
    if (!p) continue;
    const addr = overrides?.power?.[name] ?? (p.address !== undefined ? parseAddress(p.address) : { host: '', port: 0 });
    const username = p.usernameEnv ? process.env[p.usernameEnv] : undefined;
    const password = p.passwordEnv ? process.env[p.passwordEnv] : undefined;
    const credentials = username !== undefined || password !== undefined ? { username: username ?? '', password: password ?? '' } : undefined;
    const settleMs = p.settleS !== undefined ? p.settleS * 1000 : undefined;
    out[name] = powerSwitchDrivers.create(p.driver, { name, host: addr.host, port: addr.port, outlet: p.outlet, credentials, settleMs, settings: p, env: process.env }, name);
  }
  return out;
}

/** How the bench clock was put on the client's clock, and how far off it may be (bench ms). */
export interface ClockAnchor {
  /** `tick`: at the second boundary of `date +%s`; `mid-second`: no tick seen, the middle of the second. */
  method: 'tick' | 'mid-second';
  uncertaintyMs: number;
}

/** The serial console of every device that has one (not connected yet; the password from the environment). */
function serialConsoles(bench: Bench, overrides: EndpointOverrides | undefined, output?: (device: DeviceName, text: string) => void): Partial<Record<DeviceName, Console>> {
  const out: Partial<Record<DeviceName, Console>> = {};
  for (const name of DEVICE_NAMES) {
    const c = serialConsole(bench, name, overrides, output ? (t) => output(name, t) : undefined);
    if (c) out[name] = c;
  }
  return out;
}

/** One device's serial console (not connected yet; the password from the environment), or null when it has none. */
export function serialConsole(bench: Bench, name: DeviceName, overrides: EndpointOverrides | undefined, onOutput?: (text: string) => void): Console | null {
  const c = bench.devices[name].console;
  if (!c) return null;
  const addr = overrides?.console?.[name] ?? parseAddress(c.address);
  const password = c.passwordEnv ? process.env[c.passwordEnv] : undefined;
  return consoleDrivers.create(c.driver, { name, host: addr.host, port: addr.port, user: c.user, password, onOutput }, name);
}
