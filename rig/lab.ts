import type { Bench } from '../src/inventory/schema.ts';
import { ApBoard } from './device/ap-board.ts';
import { ClientBoard } from './device/client-board.ts';
import { Nl80211ApBoard } from './device/nl80211-ap-board.ts';
import { Nl80211ClientBoard } from './device/nl80211-client-board.ts';
import { plainBoardPower, type BoardPower } from './device/board-power.ts';
import type { Board } from './device/board.ts';
import { startVirtualAttenuators } from './attenuator/bench-attenuators.ts';
import type { VirtualAttenuator } from './attenuator/types.ts';
import { ensureClientKey, generateKeyPair } from './keys.ts';
import { startSshServer, type VirtualSshServer } from './ssh/server.ts';
import { processCosts } from './ssh/board-costs.ts';
import { World } from './world/world.ts';
import { FaultInjector, type FaultSpec } from './faults.ts';
import { checkLabFirmware, DEFAULT_BOOT_MS, installLabKernels, type VirtualKernel } from './device/kernel.ts';
import type { PingFlavour } from './world/ping.ts';
import { startVirtualPdus, type BenchPdus } from './power/bench-pdus.ts';
import { startVirtualConsoles, type BenchConsoles } from './console/bench-consoles.ts';
import type { BoardConsole } from './console/board-console.ts';
import { bootLog } from './console/boot-log.ts';
import { linuxBanner } from './device/board.ts';
import { KERNEL_RELEASE } from './device/kernel/board-image.ts';

export interface LabOptions {
  bench: Bench;
  /** Driver variant the virtual client runs (default: the bench's virtual.firmware). */
  firmware?: string;
  timeScale?: number;
  seed?: number;
  /** Where the ground truth goes (JSON lines); none when omitted. */
  groundTruthFile?: string;
  /** Faults to inject (by roam cycle or model time); more can be injected through `lab.faults`. */
  faults?: FaultSpec[];
  host?: string;
  log?: (msg: string) => void;
  /**
   * Per device: `firmware`, the variant in its flash at start (default: `firmware`);
   * `sftp: false`, no SFTP subsystem (dropbear boards often have none); `sha256sum:
   * false`, busybox without sha256sum (md5sum only).
   */
  boards?: Partial<Record<string, { firmware?: string; sftp?: boolean; sha256sum?: boolean }>>;
  /** Model ms a board takes to boot after a reboot (default 15 s). */
  bootMs?: number;
}

export interface LabEndpoints {
  devices: Record<string, { host: string; port: number; hostKeyFingerprint: string }>;
  /** Per attenuator: its unit's ports (channels of one unit share them); `httpPort` 0 when the unit has no HTTP interface (the Weinschel 8310: telnet only). */
  /** `port`: the one the inventory's protocol uses; `httpPort` is 0 for a unit without HTTP. */
  attenuators: Record<string, { host: string; port: number; httpPort: number; telnetPort: number | null }>;
  /** Per device with a `power:` outlet: its virtual power switch. */
  power: Record<string, { host: string; port: number }>;
  /** Per device with a `console:`: its virtual console server port. */
  console: Record<string, { host: string; port: number }>;
}

export interface Lab {
  readonly world: World;
  readonly endpoints: LabEndpoints;
  readonly timeScale: number;
  readonly boards: Record<string, Board>;
  readonly ssh: Record<string, VirtualSshServer>;
  readonly attenuators: Record<string, VirtualAttenuator>;
  readonly faults: FaultInjector;
  /** Each board's kernel: loaded modules, dmesg, firmware faults (corrupted upload, failing insmod, reboot mid-flash). */
  readonly kernel: Record<string, VirtualKernel>;
  /** The virtual power switches (PDUs) of the bench's `power:` outlets. */
  readonly pdus: BenchPdus | null;
  /** The serial consoles of the boards with a `console:` (their UARTs behind virtual console servers). */
  readonly consoles: Record<string, BoardConsole>;
  /** Power-cycle a board; resolves when it answers SSH again, running what its flash holds. */
  reboot(device: string): Promise<void>;
  /** Ground-truth entries follow the rig's cycle numbering (in-process runs). */
  beginCycle(index: number): void;
  endCycle(index: number): void;
  stop(): Promise<void>;
}

const AP_BSSID: Record<string, string> = { ap1: '00:03:7F:0A:00:01', ap2: '00:03:7F:0A:00:02' };
const CLIENT_MAC = '00:03:7F:0C:00:01';

/**
 * Start the virtual rig for a bench: one SSH server per device, one virtual unit
 * per physical attenuator unit (of its model: Mini-Circuits HTTP and telnet, Weinschel
 * 8310 telnet; the channels of one unit share it), a PDU per `power:` address and a
 * console server port per `console:` (the board's UART: boot log, login shell), all
 * on loopback, and the world model behind them. A client with `driver: nl80211` is a current Linux board (iw,
 * wpa_supplicant: nl80211-client-board.ts) with no madwifi kernel; an AP with `driver:
 * nl80211` is a hostapd 2.10 board (nl80211-ap-board.ts), the others madwifi boards.
 */
export async function startLab(opts: LabOptions): Promise<Lab> {
  const { bench } = opts;
  const virtual = bench.virtual;
  if (!virtual) throw new Error('this bench is not virtual (no `virtual:` block in the inventory)');
  const host = opts.host ?? '127.0.0.1';
  const timeScale = opts.timeScale ?? virtual.timeScale;
  const firmware = opts.firmware ?? virtual.firmware;
  checkLabFirmware([firmware, ...Object.values(opts.boards ?? {}).flatMap((b) => (b?.firmware ? [b.firmware] : []))]);

  const maxDb = bench.profile.range.maxDb;
  const clientDevice = bench.devices.client;
  const nl80211Client = clientDevice.driver === 'nl80211';
  const world = new World({
    seed: opts.seed ?? virtual.seed,
    timeScale,
    accessPoints: (['ap1', 'ap2'] as const).map((name) => ({
      name,
      bssid: AP_BSSID[name],
      txPowerDbm: bench.devices[name].wireless.txPowerDbm,
    })),
    paths: Object.values(bench.attenuators).map((a) => ({ ap: a.path, fixedLossDb: a.fixedLossDb, attenuationDb: maxDb })),
    client: { name: 'client', mac: CLIENT_MAC, variant: firmware, stack: nl80211Client ? 'nl80211' : 'madwifi' },
    groundTruthFile: opts.groundTruthFile,
  });

  const boards: Record<string, Board> = {
    ap1: apBoard(bench, world, 'ap1'),
    ap2: apBoard(bench, world, 'ap2'),
    client: nl80211Client
      ? new Nl80211ClientBoard('client', world, { iface: clientDevice.wireless.interface, phy: clientDevice.wireless.radio }, virtual.ping as PingFlavour)
      : new ClientBoard('client', world, { radio: clientDevice.wireless.radio }, virtual.ping as PingFlavour),
  };

  const ssh: Record<string, VirtualSshServer> = {};
  const attenuators: Record<string, VirtualAttenuator> = {};
  let kernel: Record<string, VirtualKernel> = {};
  let benchConsoles: BenchConsoles | null = null;
  // A board's serial console follows its power: dark when it goes, the boot log when it has booted.
  const consolePower = (device: string, up: boolean): void => {
    const c = benchConsoles?.consoles[device];
    if (!c) return;
    if (!up) return c.powerLost();
    c.booted(bootLog({ hostname: boards[device].hostname, banner: linuxBanner(KERNEL_RELEASE), kernelLines: kernel[device]?.dmesg() ?? null }));
  };
  try {
    // Every madwifi board boots the madwifi modules in its flash (firmware/virtual/<variant>/).
    kernel = installLabKernels({
      world,
      boards,
      ssh,
      firmware: Object.fromEntries(Object.keys(boards).map((n) => [n, opts.boards?.[n]?.firmware ?? firmware])),
      noSha256sum: Object.keys(boards).filter((n) => opts.boards?.[n]?.sha256sum === false),
      radios: Object.fromEntries(Object.entries(bench.devices).map(([n, d]) => [n, d.wireless.radio])),
      bootMs: opts.bootMs,
      power: consolePower,
    });
  } catch (err) {
    world.stop();
    throw err;
  }
  // Reboot and power outlets: a board's kernel, or, for a board without one, plain power.
  const power: Record<string, BoardPower> = { ...kernel };
  for (const [name, board] of Object.entries(boards)) {
    if (power[name]) continue;
    const plain = plainBoardPower({ board, ssh: () => ssh[name], wait: (ms) => new Promise((resolve) => world.sched.after(ms, resolve)), bootMs: opts.bootMs ?? DEFAULT_BOOT_MS });
    let on = true;
    power[name] = {
      reboot: async () => {
        consolePower(name, false);
        await plain.reboot();
        consolePower(name, true);
      },
      powerOff: () => {
        plain.powerOff();
        if (on) consolePower(name, false);
        on = false;
      },
      powerOn: async () => {
        const was = on;
        on = true;
        await plain.powerOn();
        if (!was) consolePower(name, true);
      },
    };
  }
  let pdus: BenchPdus | null = null;
  const stopAll = async (): Promise<void> => {
    world.stop();
    await Promise.allSettled([...Object.values(ssh).map((s) => s.close()), ...Object.values(attenuators).map((a) => a.close()), pdus?.close(), benchConsoles?.close()]);
  };

  try {
    for (const [name, dev] of Object.entries(bench.devices)) {
      const authorizedKeys: string[] = [];
      let password: string | undefined;
      if (dev.auth.method === 'keyFile') authorizedKeys.push(ensureClientKey(dev.auth.keyFile).public);
      if (dev.auth.method === 'password') password = process.env[dev.auth.passwordEnv];
      ssh[name] = await startSshServer({
        device: boards[name],
        hostKey: generateKeyPair(`rig virtual ${name}`).private,
        authorizedKeys,
        password,
        users: [dev.user],
        host,
        port: dev.port,
        sftp: opts.boards?.[name]?.sftp ?? true,
        costs: virtual.boardCosts ? processCosts(virtual.boardCosts, timeScale) : undefined,
        log: opts.log,
      });
    }
    // One virtual unit per physical unit, chosen by its model (rig/attenuator/registry.ts);
    // attenuators that are channels of one unit share it, each channel moving its own path.
    Object.assign(
      attenuators,
      await startVirtualAttenuators(bench.attenuators, {
        host,
        initialDb: maxDb,
        onChange: (name, ch, db) => {
          const spec = bench.attenuators[name];
          if (ch === spec.channel) world.setAttenuation(spec.path, db);
        },
      }),
    );
    // A console server port per board that has a `console:`: its UART, the boot log, a login shell.
    const consoleSpecs = Object.fromEntries(Object.entries(bench.devices).flatMap(([n, d]) => (d.console ? [[n, d.console]] : [])));
    if (Object.keys(consoleSpecs).length > 0) benchConsoles = await startVirtualConsoles(consoleSpecs, boards, { host });
    // A virtual power switch outlet per board that has one: switching it cuts or restores the board's power.
    const outlets = Object.fromEntries(Object.entries(bench.devices).flatMap(([n, d]) => (d.power ? [[n, d.power]] : [])));
    if (Object.keys(outlets).length > 0) {
      pdus = await startVirtualPdus(outlets, {
        host,
        onSwitch: (device, on) => {
          world.sched.now();
          if (on) void power[device].powerOn();
          else power[device].powerOff();
        },
      });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  const endpoints: LabEndpoints = { devices: {}, attenuators: {}, power: { ...pdus?.endpoints }, console: { ...benchConsoles?.endpoints } };
  for (const [name, s] of Object.entries(ssh)) endpoints.devices[name] = { host, port: s.port, hostKeyFingerprint: s.hostKeyFingerprint };
  for (const [name, a] of Object.entries(attenuators)) {
    const port = (bench.attenuators[name].protocol === 'http' ? a.ports.http : a.ports.telnet) ?? 0;
    endpoints.attenuators[name] = { host, port, httpPort: a.ports.http ?? 0, telnetPort: a.ports.telnet };
  }

  const consoles = benchConsoles?.consoles ?? {};
  const faults = new FaultInjector(world, boards, ssh, attenuators, consoles);
  faults.pdus = { ...pdus?.unitOf };
  try {
    faults.schedule([...(virtual.faults ?? []), ...(opts.faults ?? [])]);
  } catch (err) {
    await stopAll();
    throw err;
  }
  let stopped = false;
  return {
    faults,
    kernel,
    reboot: (device) => power[device].reboot(),
    world,
    endpoints,
    timeScale,
    boards,
    ssh,
    attenuators,
    pdus,
    consoles,
    beginCycle: (index) => {
      world.sched.now();
      world.groundTruth.beginCycle(index);
      faults.cycleStarted(index);
    },
    endCycle: (index) => {
      world.sched.now();
      world.groundTruth.endCycle(index);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
}

/** An AP's board by its driver: hostapd on nl80211, or madwifi. */
function apBoard(bench: Bench, world: World, name: 'ap1' | 'ap2'): Board {
  const d = bench.devices[name];
  if (d.driver === 'nl80211') return new Nl80211ApBoard(name, world, { iface: d.wireless.interface, phy: d.wireless.radio }, world.ap(name));
  return new ApBoard(name, world, { radio: d.wireless.radio }, world.ap(name));
}
