/**
 * `rig check`: a preflight of a bench before any run. It finds, each on its own and
 * each with how to fix it: the inventory valid; every device answering ping from the
 * controller and SSH with its pinned host key; the firmware banners of the madwifi
 * boards; every attenuator identifying itself (model, serial) and reading back; the
 * client reaching the traffic target; the boards' clocks within a second of the
 * controller's. Nothing is changed on the bench.
 */
import { resolve } from 'node:path';
import type { ProvisionedBench, Provisioner } from '../bench/provision.ts';
import { BenchSession } from '../bench/session.ts';
import { accessPointSettings, stationSettings } from '../bench/settings.ts';
import { secretFromEnv } from '../roam/plan.ts';
import { sshOptionsFor } from '../bench/ssh-options.ts';
import { createAttenuator } from '../controllers/attenuator/registry.ts';
import { probeHost } from '../controllers/reachability.ts';
import { shellCommand } from '../controllers/ssh/quote.ts';
import { SshDevice } from '../controllers/ssh/ssh-device.ts';
import { describeError } from '../errors.ts';
import { VIRTUAL_TARGET } from '../firmware/build-virtual.ts';
import { loadManifest } from '../firmware/manifest.ts';
import { identifyFirmware } from '../flash/flash.ts';
import { madwifiDevices } from '../flash/session.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { AP_NAMES, DEVICE_NAMES, parseAddress, type Bench, type DeviceName } from '../inventory/schema.ts';
import { provisionBench } from './provision.ts';

export type CheckStatus = 'ok' | 'failed' | 'skipped';

export interface CheckItem {
  /** What was checked: inventory, ping, ssh, firmware, attenuator, traffic, clock. */
  check: string;
  /** The device, attenuator or file it is about. */
  subject: string;
  status: CheckStatus;
  /** What was found (or why it was skipped). */
  detail: string;
  /** How to fix a failure. */
  fix?: string;
}

export interface CheckResult {
  bench: string;
  inventory: string;
  virtual: boolean;
  items: CheckItem[];
  passed: boolean;
}

export interface CheckOptions {
  inventory: string;
  bench?: string;
  provision?: Provisioner;
  /** How far a board's clock may be from the controller's, ms (default 1000). */
  clockToleranceMs?: number;
  log?: (m: string) => void;
}

const CLOCK_TOLERANCE_MS = 1000;

export async function check(opts: CheckOptions): Promise<CheckResult> {
  const loaded = await loadInventory(resolve(opts.inventory));
  const { name, bench } = selectBench(loaded, opts.bench);
  const items: CheckItem[] = [{ check: 'inventory', subject: loaded.file, status: 'ok', detail: `valid; bench ${name}` }];
  const timeScale = bench.virtual ? bench.virtual.timeScale : 1;
  const provisioned: ProvisionedBench = await (opts.provision ?? provisionBench)(bench, { timeScale, log: opts.log });
  const devices: Partial<Record<DeviceName, SshDevice>> = {};
  try {
    for (const dev of DEVICE_NAMES) items.push(...(await checkDevice(bench, dev, provisioned, devices)));
    items.push(...(await checkFirmware(bench, devices)));
    items.push(...(await checkAttenuators(bench, provisioned)));
    const allSsh = DEVICE_NAMES.every((d) => devices[d] !== undefined);
    items.push(allSsh ? await checkTraffic(bench, provisioned) : { check: 'traffic', subject: bench.traffic.target, status: 'skipped', detail: 'needs SSH to every board' });
    for (const dev of DEVICE_NAMES) items.push(await checkClock(bench, dev, devices[dev], opts.clockToleranceMs ?? CLOCK_TOLERANCE_MS));
  } finally {
    await Promise.allSettled(Object.values(devices).map((d) => d?.close()));
    await provisioned.stop();
  }
  return { bench: name, inventory: loaded.file, virtual: Boolean(bench.virtual), items, passed: items.every((i) => i.status !== 'failed') };
}

/** The board answers ping from the controller, and SSH with its pinned key. */
async function checkDevice(bench: Bench, dev: DeviceName, p: ProvisionedBench, open: Partial<Record<DeviceName, SshDevice>>): Promise<CheckItem[]> {
  const o = sshOptionsFor(bench, dev, p.endpoints);
  const items: CheckItem[] = [];
  const reach = await probeHost(o.host);
  items.push(
    reach === 'answers'
      ? { check: 'ping', subject: dev, status: 'ok', detail: `${o.host} answers ping` }
      : reach === 'silent'
        ? { check: 'ping', subject: dev, status: 'failed', detail: `${o.host} does not answer ping`, fix: 'is the board powered and on the management network? check its host in the inventory' }
        : { check: 'ping', subject: dev, status: 'skipped', detail: 'this machine has no usable ping (install iputils-ping)' },
  );
  try {
    open[dev] = await SshDevice.connect(o);
    items.push({ check: 'ssh', subject: dev, status: 'ok', detail: `${o.username}@${o.host}:${o.port}, host key as pinned` });
  } catch (err) {
    items.push({
      check: 'ssh',
      subject: dev,
      status: 'failed',
      detail: describeError(err),
      fix: 'check host, port, user and auth in the inventory; a new host key: rig trust ' + dev,
    });
  }
  return items;
}

/** Which madwifi variant each madwifi board runs, by its loaded modules' banners. */
async function checkFirmware(bench: Bench, open: Partial<Record<DeviceName, SshDevice>>): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  const manifest = loadManifest();
  const built = [...new Set(Object.values(manifest.variants).flatMap((v) => Object.keys(v.files)))].filter((t) => t !== VIRTUAL_TARGET);
  const target = bench.virtual ? VIRTUAL_TARGET : built.length === 1 ? built[0] : null;
  for (const dev of madwifiDevices(bench)) {
    const d = open[dev];
    if (!d) {
      items.push({ check: 'firmware', subject: dev, status: 'skipped', detail: 'no SSH connection' });
      continue;
    }
    if (target === null) {
      items.push({ check: 'firmware', subject: dev, status: 'skipped', detail: `which build the board runs is unknown (firmware targets built: ${built.join(', ') || 'none'})` });
      continue;
    }
    try {
      const fw = await identifyFirmware(d, { target, manifest, commandTimeoutMs: bench.devices[dev].commandTimeoutS * 1000 });
      const banners = Object.values(fw.banners).join(' | ') || 'no madwifi banner in dmesg';
      items.push(
        fw.loadedVariant
          ? { check: 'firmware', subject: dev, status: 'ok', detail: `${fw.loadedVariant} (${banners})` }
          : { check: 'firmware', subject: dev, status: 'failed', detail: `no known variant loaded (${banners})`, fix: 'flash one: rig flash --variant stock' },
      );
    } catch (err) {
      items.push({ check: 'firmware', subject: dev, status: 'failed', detail: describeError(err), fix: 'flash one: rig flash --variant stock' });
    }
  }
  return items;
}

/** Every attenuator says who it is and reads its channel back. One at a time: some units take one client only. */
async function checkAttenuators(bench: Bench, p: ProvisionedBench): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  for (const [name, spec] of Object.entries(bench.attenuators)) {
    const o = p.endpoints?.attenuators?.[name];
    const addr = parseAddress(spec.address);
    const port = o ? (o.port ?? (spec.protocol === 'http' ? o.httpPort : o.telnetPort) ?? 0) : addr.port;
    const att = createAttenuator({ name, model: spec.model, protocol: spec.protocol, host: o?.host ?? addr.host, port });
    try {
      const id = await att.identify();
      const db = await att.get(spec.channel);
      items.push({ check: 'attenuator', subject: name, status: 'ok', detail: `${id.model} SN ${id.serial}, channel ${spec.channel} at ${db} dB` });
    } catch (err) {
      items.push({ check: 'attenuator', subject: name, status: 'failed', detail: describeError(err), fix: 'check its address, protocol and model in the inventory, and that the unit is on' });
    } finally {
      await att.close().catch(() => {});
    }
  }
  return items;
}

/**
 * The client reaches the traffic target over the air: the network is brought up as a run
 * brings it up (ap1 strong, both APs configured, the client associated to one of them),
 * then three pings from the client. The attenuators are left at their safe values.
 */
async function checkTraffic(bench: Bench, p: ProvisionedBench): Promise<CheckItem> {
  const target = bench.traffic.target;
  const timeScale = bench.virtual ? bench.virtual.timeScale : 1;
  let session: BenchSession | null = null;
  try {
    session = await BenchSession.open(bench, { overrides: p.endpoints, timeScale });
    const s = session;
    const psk = bench.security.mode === 'wpa-psk' ? secretFromEnv(bench.security.pskEnv) : null;
    await Promise.all([s.setPath('ap1', bench.profile.range.minDb), s.setPath('ap2', bench.profile.range.maxDb)]);
    await Promise.all(AP_NAMES.map((ap) => s.aps[ap].configure(accessPointSettings(bench, ap, psk))));
    await s.configureStation(stationSettings(bench, psk));
    const bssid = await s.station.waitAssociated(s.clock, 60_000);
    const r = await s.devices.client.exec(shellCommand(['ping', '-c', '3', '-w', '5', target]), { timeoutMs: 15_000 });
    const got = /(\d+) (?:packets )?received/.exec(r.stdout);
    if (r.exitCode === 0 && got && Number(got[1]) > 0) return { check: 'traffic', subject: target, status: 'ok', detail: `the client, associated to ${bssid}, reaches it (${got[1]} of 3 answered)` };
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? '';
    return { check: 'traffic', subject: target, status: 'failed', detail: `no answer to the client's pings (${why || `exit ${r.exitCode}`})`, fix: 'check traffic.target and the wired side behind the APs' };
  } catch (err) {
    return { check: 'traffic', subject: target, status: 'failed', detail: describeError(err), fix: 'check the APs and the client: the client must associate to the bench\'s network' };
  } finally {
    await session?.close();
  }
}

/** The board's wall clock within the tolerance of the controller's (a virtual bench runs on model time: compared only at time scale 1). */
async function checkClock(bench: Bench, dev: DeviceName, d: SshDevice | undefined, toleranceMs: number): Promise<CheckItem> {
  if (!d) return { check: 'clock', subject: dev, status: 'skipped', detail: 'no SSH connection' };
  if (bench.virtual && bench.virtual.timeScale !== 1) {
    return { check: 'clock', subject: dev, status: 'skipped', detail: `a virtual bench at time scale ${bench.virtual.timeScale} runs on model time` };
  }
  const before = Date.now();
  const r = await d.exec('date +%s', { timeoutMs: 10_000 }).catch(() => null);
  const after = Date.now();
  const s = Number(r?.stdout.trim());
  if (!r || r.exitCode !== 0 || !Number.isFinite(s)) return { check: 'clock', subject: dev, status: 'failed', detail: 'date +%s gave no time', fix: 'check the board' };
  // `date +%s` has whole seconds: the board's time lies in [s, s + 1) s, the controller's in [before, after].
  const offMs = Math.max(0, s * 1000 - after, before - (s * 1000 + 1000));
  return offMs <= toleranceMs
    ? { check: 'clock', subject: dev, status: 'ok', detail: `within ${Math.ceil(offMs)} ms of the controller` }
    : { check: 'clock', subject: dev, status: 'failed', detail: `${(offMs / 1000).toFixed(1)} s off the controller's clock`, fix: 'set the board clock (ntpdate, or date -s) before a run' };
}
