import { readFileSync } from 'node:fs';
import { BenchError, ConfigError } from '../errors.ts';
import { reachabilityHint } from '../controllers/reachability.ts';
import type { Bench, DeviceName } from '../inventory/schema.ts';
import { parseAddress } from '../inventory/schema.ts';
import { createAttenuator } from '../controllers/attenuator/registry.ts';
import type { Attenuator } from '../controllers/attenuator/types.ts';
import { BenchClock } from '../controllers/bench-clock.ts';
import { MadwifiAccessPoint } from '../controllers/madwifi/access-point.ts';
import { MadwifiStation, type ApEvent } from '../controllers/madwifi/station.ts';
import { SshDevice, type SshConnectOptions } from '../controllers/ssh/ssh-device.ts';
import { sshAlgorithmsFor } from '../controllers/ssh/algorithms.ts';
import type { RemoteProcess } from '../controllers/ssh/types.ts';
import { ConditionWaiter } from './waiter.ts';

/** Where to reach a device / attenuator when the inventory's address is not the final one (virtual rig ports). */
export interface EndpointOverrides {
  devices?: Record<string, { host: string; port: number; hostKeyFingerprint?: string }>;
  attenuators?: Record<string, { host: string; httpPort: number; telnetPort: number | null }>;
}

export interface PathAttenuator {
  name: string;
  channel: number;
  driver: Attenuator;
  fixedLossDb: number;
  safeDb: number;
}

export type ApName = 'ap1' | 'ap2';

/** SSH auth material for a device: from a key file, an environment variable or the agent; never from the inventory itself. */
function authFor(name: string, auth: Bench['devices']['ap1']['auth']): SshConnectOptions['auth'] {
  if (auth.method === 'keyFile') {
    try {
      return { privateKey: readFileSync(auth.keyFile) };
    } catch {
      throw new ConfigError(`${name}: cannot read the SSH key file ${auth.keyFile}`, { code: 'E_KEYFILE', subject: name });
    }
  }
  if (auth.method === 'password') {
    const pw = process.env[auth.passwordEnv];
    if (!pw) throw new ConfigError(`${name}: environment variable ${auth.passwordEnv} (its SSH password) is not set`, { code: 'E_SECRET_ENV', subject: name });
    return { password: pw };
  }
  const sock = process.env.SSH_AUTH_SOCK;
  if (!sock) throw new ConfigError(`${name}: auth is the SSH agent, but SSH_AUTH_SOCK is not set`, { code: 'E_AGENT', subject: name });
  return { agent: sock };
}

/**
 * The live bench: one SSH connection per device, the attenuator drivers, the
 * madwifi controllers, the client's event stream. Strategy code (the roam cycle)
 * works on this; it never opens connections itself.
 */
export class BenchSession {
  readonly waiter = new ConditionWaiter();
  readonly events: ApEvent[] = [];
  private eventsProc: RemoteProcess | null = null;

  readonly aps: Record<ApName, MadwifiAccessPoint>;
  station: MadwifiStation;

  private constructor(
    readonly bench: Bench,
    readonly clock: BenchClock,
    readonly devices: Record<DeviceName, SshDevice>,
    readonly paths: Record<ApName, PathAttenuator[]>,
    private readonly connectOptions: Record<DeviceName, SshConnectOptions>,
  ) {
    this.aps = { ap1: new MadwifiAccessPoint(devices.ap1, this.vapConfig('ap1')), ap2: new MadwifiAccessPoint(devices.ap2, this.vapConfig('ap2')) };
    this.station = new MadwifiStation(devices.client, this.vapConfig('client'));
  }

  private vapConfig(n: DeviceName) {
    const d = this.bench.devices[n];
    return { iface: d.wireless.interface, radio: d.wireless.radio, commandTimeoutMs: d.commandTimeoutS * 1000 };
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
      this.station = new MadwifiStation(dev, this.vapConfig('client'));
      this.eventsProc = null;
    } else this.aps[name] = new MadwifiAccessPoint(dev, this.vapConfig(name));
  }

  static async open(bench: Bench, opts: { overrides?: EndpointOverrides; timeScale: number; log?: (m: string) => void }): Promise<BenchSession> {
    const clock = new BenchClock(opts.timeScale);
    const names: DeviceName[] = ['ap1', 'ap2', 'client'];
    const connectOpts = names.map((name): SshConnectOptions => {
      const d = bench.devices[name];
      const o = opts.overrides?.devices?.[name];
      return {
        name,
        host: o?.host ?? d.host,
        port: o?.port ?? d.port,
        username: d.user,
        auth: authFor(name, d.auth),
        // Host keys: the virtual rig pins its own boards' keys; a real board's key comes from the
        // inventory (hostKeyFingerprint and/or knownHosts), and without either SshDevice refuses it.
        ...(o?.hostKeyFingerprint !== undefined
          ? { hostKeyFingerprint: o.hostKeyFingerprint }
          : { hostKeyFingerprint: d.hostKeyFingerprint, knownHosts: d.knownHosts }),
        algorithms: sshAlgorithmsFor(name, d.algorithms),
        connectDeadlineMs: d.connectTimeoutS * 1000,
        keepaliveIntervalMs: 5000,
        log: opts.log,
      };
    });
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
    const devices = Object.fromEntries(names.map((n, i) => [n, (settled[i] as PromiseFulfilledResult<SshDevice>).value])) as Record<DeviceName, SshDevice>;
    const paths: Record<ApName, PathAttenuator[]> = { ap1: [], ap2: [] };
    for (const [name, spec] of Object.entries(bench.attenuators)) {
      const o = opts.overrides?.attenuators?.[name];
      const addr = parseAddress(spec.address);
      const port = o ? (spec.protocol === 'http' ? o.httpPort : o.telnetPort ?? 0) : addr.port;
      const driver = createAttenuator({ name, model: spec.model, protocol: spec.protocol, host: o?.host ?? addr.host, port });
      paths[spec.path].push({ name, channel: spec.channel, driver, fixedLossDb: spec.fixedLossDb, safeDb: spec.safeDb });
    }
    const byName = Object.fromEntries(names.map((n, i) => [n, connectOpts[i]])) as Record<DeviceName, SshConnectOptions>;
    return new BenchSession(bench, clock, devices, paths, byName);
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
  async anchorClock(): Promise<void> {
    const r = await this.devices.client.exec('date +%s', { timeoutMs: 10_000 });
    const s = Number(r.stdout.trim());
    if (r.exitCode === 0 && Number.isFinite(s)) this.clock.anchor(s * 1000 + 500);
  }

  /** When the device last booted (bench epoch ms), from /proc/uptime; null when it cannot tell. */
  async bootTime(name: DeviceName): Promise<number | null> {
    const r = await this.devices[name].exec('cat /proc/uptime', { timeoutMs: this.bench.devices[name].commandTimeoutS * 1000 }).catch(() => null);
    const up = Number(r?.stdout.trim().split(/\s+/)[0]);
    return r?.exitCode === 0 && Number.isFinite(up) ? this.clock.now() - up * 1000 : null;
  }

  /** Devices whose SSH connection is gone. */
  disconnected(): DeviceName[] {
    return (Object.keys(this.devices) as DeviceName[]).filter((n) => !this.devices[n].connected);
  }

  startEvents(rawLog?: (line: string) => void): void {
    this.eventsProc = this.station.watchApEvents(this.clock, (e) => {
      this.events.push(e);
      rawLog?.(`${new Date(e.atMs).toISOString()} ${e.bssid ?? 'Not-Associated'}`);
      this.waiter.notify();
    });
    const proc = this.eventsProc;
    void proc.done.then(() => {
      if (this.eventsProc === proc) this.eventsProc = null;
      this.waiter.notify();
    });
  }

  get eventsRunning(): boolean {
    return this.eventsProc !== null;
  }

  /** Leave the bench safe: attenuators at their safe values, event stream stopped, connections closed. */
  async close(): Promise<string[]> {
    const problems: string[] = [];
    this.eventsProc?.signal('INT');
    this.eventsProc?.close();
    for (const p of [...this.paths.ap1, ...this.paths.ap2]) {
      try {
        await p.driver.set(p.channel, p.safeDb);
      } catch (err) {
        problems.push(`${p.name}: could not set the safe value ${p.safeDb} dB: ${(err as Error).message}`);
      }
      await p.driver.close().catch(() => {});
    }
    await Promise.allSettled(Object.values(this.devices).map((d) => d.close()));
    return problems;
  }

  fixedLoss(): Record<string, number> {
    return { ap1: this.paths.ap1[0]?.fixedLossDb ?? 0, ap2: this.paths.ap2[0]?.fixedLossDb ?? 0 };
  }
}
