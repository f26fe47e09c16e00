/**
 * Run the hwsim lab's VM: qemu-system-x86_64 under TCG (software emulation; /dev/kvm may
 * exist on a host that is itself a VM, and guests do not boot under it there), the
 * kernel and initramfs given, one virtio NIC on QEMU's user-mode network forwarding a
 * loopback port of the OS's choice (hostfwd port 0) to each guest port, the serial
 * console on QEMU's stdout. Ready when /init prints `rig-hwsim: ready`.
 *
 * QEMU never outlives the rig: it is started through `setpriv --pdeathsig KILL` (the
 * kernel kills it when the process that started it dies, even by SIGKILL), killed on
 * this process's exit, and each start leaves a pid file that the next start reaps when
 * its owner is gone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VirtualRigError } from '../errors.ts';
import { parseHostForwards, Qmp } from './qmp.ts';

export interface VmOptions {
  kernel: string;
  /** The initramfs QEMU loads (the cached image with this start's archive appended). */
  initrd: string;
  /** Guest TCP ports to forward from loopback. */
  guestPorts: number[];
  /** A private folder for this VM (QMP socket). */
  runDir: string;
  /** Where pid files of running VMs are kept (reaped at the next start). */
  pidDir: string;
  memoryMb?: number;
  bootTimeoutMs?: number;
  log: (m: string) => void;
}

export interface RunningVm {
  readonly pid: number;
  /** Loopback port per guest port. */
  readonly hostPorts: ReadonlyMap<number, number>;
  /** From spawning QEMU to /init's `ready` (kernel boot, modules, radios, dropbear). */
  readonly bootMs: number;
  /** The serial console so far (kernel messages, /init's). */
  console(): string;
  /** Resolves when QEMU has exited. */
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}

const CONSOLE_KEEP = 64_000;
const READY = 'rig-hwsim: ready';
const FAILED = /rig-hwsim: FAILED: ([^\r\n]*)/;

function hasSetpriv(): boolean {
  return spawnSync('setpriv', ['--help'], { encoding: 'utf8' }).stdout?.includes('--pdeathsig') ?? false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kill the QEMUs of earlier starts whose owning process is gone (a crash, a SIGKILL without pdeathsig). */
export function reapOrphans(pidDir: string, log: (m: string) => void): void {
  if (!existsSync(pidDir)) return;
  for (const f of readdirSync(pidDir)) {
    const file = join(pidDir, f);
    let rec: { qemuPid: number; ownerPid: number; marker: string };
    try {
      rec = JSON.parse(readFileSync(file, 'utf8')) as typeof rec;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (alive(rec.ownerPid) && rec.ownerPid !== process.pid) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${rec.qemuPid}/cmdline`, 'utf8');
    } catch {
      /* gone */
    }
    // Only that QEMU: its command line names this start's private folder.
    if (cmdline.includes(rec.marker)) {
      log(`hwsim lab: killing QEMU ${rec.qemuPid} left by process ${rec.ownerPid}`);
      try {
        process.kill(rec.qemuPid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    rmSync(file, { force: true });
  }
}

export async function startVm(o: VmOptions): Promise<RunningVm> {
  mkdirSync(o.runDir, { recursive: true });
  mkdirSync(o.pidDir, { recursive: true });
  reapOrphans(o.pidDir, o.log);
  const qmpPath = join(o.runDir, 'qmp.sock');
  const fwds = o.guestPorts.map((p) => `hostfwd=tcp:127.0.0.1:0-:${p}`).join(',');
  const qemuArgs = [
    'qemu-system-x86_64',
    // TCG's translation cache defaults to 1 GiB (QEMU 7.2), which QEMU's RSS grows into; 128 MiB is plenty for this guest.
    '-accel', 'tcg,tb-size=128',
    '-m', String(o.memoryMb ?? 512),
    '-smp', '1',
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-chardev', 'stdio,id=con,signal=off',
    '-serial', 'chardev:con',
    '-kernel', o.kernel,
    '-initrd', o.initrd,
    '-append', 'console=ttyS0 panic=-1 quiet',
    '-netdev', `user,id=n0,${fwds}`,
    '-device', 'virtio-net-pci,netdev=n0',
    '-qmp', `unix:${qmpPath},server=on,wait=off`,
  ];
  const argv = hasSetpriv() ? ['setpriv', '--pdeathsig', 'KILL', '--', ...qemuArgs] : qemuArgs;
  const started = Date.now();
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new VirtualRigError(`could not start ${argv[0]}`, 'E_HWSIM_QEMU', 'bench');
  const pidFile = join(o.pidDir, `${pid}.json`);
  writeFileSync(pidFile, JSON.stringify({ qemuPid: pid, ownerPid: process.pid, marker: o.runDir }));
  const killOnExit = (): void => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.on('exit', killOnExit);

  let output = '';
  let exitedFlag = false;
  const exited = new Promise<void>((resolve) => {
    child.on('close', () => {
      exitedFlag = true;
      process.off('exit', killOnExit);
      rmSync(pidFile, { force: true });
      resolve();
    });
  });
  const append = (d: Buffer): void => {
    output = (output + d.toString()).slice(-CONSOLE_KEEP);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  child.on('error', append.bind(null, Buffer.from('')));

  const stop = async (): Promise<void> => {
    if (!exitedFlag) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
  };

  try {
    const timeoutMs = o.bootTimeoutMs ?? 120_000;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        const failed = FAILED.exec(output);
        if (failed) done(new VirtualRigError(`the hwsim VM's /init failed: ${failed[1]}`, 'E_HWSIM_BOOT', 'bench'));
        else if (output.includes(READY)) done();
      };
      const timer = setTimeout(() => done(new VirtualRigError(`the hwsim VM did not come up within ${timeoutMs / 1000} s; its console ends: ${tail(output)}`, 'E_HWSIM_BOOT', 'bench')), timeoutMs);
      const onExit = (): void => done(new VirtualRigError(`QEMU exited while the hwsim VM booted: ${tail(output)}`, 'E_HWSIM_QEMU', 'bench'));
      child.stdout!.on('data', check);
      child.once('close', onExit);
      function done(err?: Error): void {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.off('close', onExit);
        if (err) reject(err);
        else resolve();
      }
    });
    const bootMs = Date.now() - started;
    const qmp = await Qmp.open(qmpPath, 10_000);
    let hostPorts: Map<number, number>;
    try {
      hostPorts = parseHostForwards(await qmp.hmp('info usernet', 10_000));
    } finally {
      qmp.close();
    }
    const missing = o.guestPorts.filter((p) => !hostPorts.has(p));
    if (missing.length > 0) throw new VirtualRigError(`QEMU forwards no loopback port to guest port ${missing.join(', ')}`, 'E_HWSIM_QEMU', 'bench');
    return { pid, hostPorts, bootMs, console: () => output, exited, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function tail(s: string): string {
  return s.trim().split('\n').slice(-4).join(' / ').slice(-600) || '(nothing)';
}
