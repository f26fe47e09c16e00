import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { parseFaultArg, startHwsimLab, startLab, type FaultSpec } from '../../rig/index.ts';

/** The kinds of virtual lab (inventory `virtual.kind`). */
export const LAB_KINDS = ['madwifi', 'hwsim'] as const;
export type LabKind = (typeof LAB_KINDS)[number];

export interface LabUpOptions {
  inventory: string;
  bench?: string;
  /** Which lab (default: the bench's `virtual.kind`); `hwsim` without --bench picks the first hwsim bench. */
  kind?: LabKind;
  firmware?: string;
  timeScale?: number;
  writeInventory?: string;
  groundTruth?: string;
  for?: number;
  fault?: string[];
  /** JSON lines instead of text: one `ready` object with every endpoint, one `stopped` object. */
  json?: boolean;
  out: (s: string) => void;
}

/** `rig lab up`: the virtual rig as a standalone process, until SIGINT/SIGTERM (or --for seconds). */
export async function labUp(o: LabUpOptions): Promise<number> {
  const loaded = await loadInventory(resolve(o.inventory));
  if (o.kind !== undefined && !LAB_KINDS.includes(o.kind)) throw new UsageError(`--kind: expected ${LAB_KINDS.join(' or ')}, got ${o.kind}`);
  const firstOfKind = o.bench === undefined && o.kind === 'hwsim' ? Object.entries(loaded.inventory.benches).find(([, b]) => b.virtual?.kind === 'hwsim')?.[0] : undefined;
  const { name, bench } = selectBench(loaded, o.bench ?? firstOfKind);
  if (!bench.virtual) throw new UsageError(`bench "${name}" is not virtual: it has no \`virtual:\` block`);
  const kind = o.kind ?? bench.virtual.kind;
  if (kind !== bench.virtual.kind) throw new UsageError(`--kind ${kind}: bench "${name}" is a ${bench.virtual.kind} lab (its virtual.kind)`);
  if (kind === 'hwsim') {
    const madwifiOnly = (['firmware', 'timeScale', 'groundTruth', 'fault'] as const).filter((k) => o[k] !== undefined);
    if (madwifiOnly.length > 0) throw new UsageError(`${madwifiOnly.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}: only for the madwifi lab (a hwsim lab runs a real kernel in real time)`);
  }
  // Standalone, the rig runs in real time by default: whatever connects to it (OpenSSH, a
  // hand-written inventory) does not know about time scales.
  let faults: FaultSpec[];
  try {
    faults = (o.fault ?? []).map(parseFaultArg);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (faults.some((f) => f.atRoam !== undefined)) throw new UsageError('--fault: a standalone rig has no roam numbers: give the time as @SECONDSs');
  const text = o.json ? (): void => undefined : o.out;
  const lab =
    kind === 'hwsim'
      ? { ...(await startHwsimLab({ bench, log: (m) => text(`${m}\n`) })), timeScale: 1 }
      : await startLab({ bench, faults, firmware: o.firmware, timeScale: o.timeScale ?? 1, groundTruthFile: o.groundTruth && resolve(o.groundTruth) });
  const e = lab.endpoints;
  if ('vm' in lab) text(`hwsim lab for bench ${name} (QEMU pid ${lab.vm.pid}, booted in ${(lab.vm.bootMs / 1000).toFixed(1)} s; station ${lab.addresses.station} in netns sta, target ${lab.addresses.target} on br0)\n`);
  else text(`virtual rig for bench ${name} (time scale ${lab.timeScale}, client firmware ${o.firmware ?? bench.virtual.firmware})\n`);
  for (const [dev, d] of Object.entries(e.devices)) {
    const auth = bench.devices[dev as 'ap1'].auth;
    const key = auth.method === 'keyFile' ? ` -i ${auth.keyFile}` : '';
    text(`  ${dev.padEnd(7)} ssh -p ${d.port}${key} ${bench.devices[dev as 'ap1'].user}@${d.host}   host key ${d.hostKeyFingerprint}\n`);
  }
  for (const [att, a] of Object.entries(e.attenuators)) {
    const http = a.httpPort ? `http://${a.host}:${a.httpPort}/:ATT?` : '';
    const telnet = a.telnetPort ? `telnet ${a.host} ${a.telnetPort}` : '';
    text(`  ${att.padEnd(7)} ${[http, telnet].filter(Boolean).join('   ')}\n`);
  }
  for (const [dev, c] of Object.entries(e.console ?? {})) text(`  ${`${dev}`.padEnd(7)} console: ${bench.devices[dev as 'ap1'].console?.driver === 'ser2net-tcp' ? 'nc' : 'telnet'} ${c.host} ${c.port}${e.power?.[dev] ? `   power: http://${e.power[dev].host}:${e.power[dev].port}/` : ''}\n`);
  if (o.writeInventory) {
    // The same bench, pointing at the running rig, no longer started in-process.
    // Units are written in the older form (model, protocol and address on each attenuator):
    // the channels of one unit share the unit's real port, which groups them again.
    const { virtual: _v, attenuatorUnits: _u, ...rest } = bench as typeof bench & { attenuatorUnits?: unknown };
    void _v;
    void _u;
    const devices = Object.fromEntries(
      Object.entries(bench.devices).map(([n, d]) => {
        const auth = d.auth.method === 'keyFile' ? { keyFile: d.auth.keyFile } : d.auth.method === 'password' ? { passwordEnv: d.auth.passwordEnv } : { agent: true };
        // Its power outlet and console at the running rig's ports.
        const power = d.power && e.power?.[n] ? { power: { ...d.power, address: `${e.power[n].host}:${e.power[n].port}` } } : {};
        const console = d.console && e.console?.[n] ? { console: { ...d.console, address: `${e.console[n].host}:${e.console[n].port}` } } : {};
        return [n, { ...d, ...power, ...console, auth, host: e.devices[n].host, port: e.devices[n].port, hostKeyFingerprint: e.devices[n].hostKeyFingerprint }];
      }),
    );
    const attenuators = Object.fromEntries(
      Object.entries(bench.attenuators).map(([n, { unit: _unit, ...a }]) => {
        void _unit;
        return [n, { ...a, address: `${e.attenuators[n].host}:${e.attenuators[n].port}` }];
      }),
    );
    const inv = { version: 1, defaultBench: name, benches: { [name]: { ...rest, devices, attenuators } } };
    writeFileSync(resolve(o.writeInventory), `# Written by \`rig lab up\`: the running virtual rig (time scale ${lab.timeScale}).\n${stringify(inv)}`);
    text(`inventory for this rig: ${o.writeInventory}\n`);
  }
  if (o.json) {
    const devices = Object.fromEntries(
      Object.entries(e.devices).map(([n, d]) => {
        const auth = bench.devices[n as 'ap1'].auth;
        return [n, { host: d.host, port: d.port, user: bench.devices[n as 'ap1'].user, keyFile: auth.method === 'keyFile' ? auth.keyFile : null, hostKeyFingerprint: d.hostKeyFingerprint }];
      }),
    );
    const attenuators = Object.fromEntries(Object.entries(e.attenuators).map(([n, a]) => [n, { host: a.host, httpPort: a.httpPort ?? null, telnetPort: a.telnetPort ?? null }]));
    const hwsim = 'vm' in lab ? { qemuPid: lab.vm.pid, bootMs: lab.vm.bootMs, image: lab.image.dir } : {};
    o.out(JSON.stringify({ event: 'ready', bench: name, kind, timeScale: lab.timeScale, firmware: kind === 'hwsim' ? null : o.firmware ?? bench.virtual.firmware, pid: process.pid, ...hwsim, devices, attenuators, inventory: o.writeInventory ? resolve(o.writeInventory) : null }) + '\n');
  }
  text('Ctrl-C stops it.\n');
  // Stopped by a signal (here, or forwarded by npx / npm run), by --for, or because the
  // process that started it went away without forwarding anything (its parent changed).
  const why = await new Promise<'for' | 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'parent'>((done) => {
    const parent = process.ppid;
    const timer = o.for ? setTimeout(() => stop('for'), o.for * 1000) : undefined;
    const watch = setInterval(() => {
      if (process.ppid !== parent) stop('parent');
    }, 500);
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    const onHup = (): void => stop('SIGHUP');
    function stop(reason: 'for' | 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'parent'): void {
      clearTimeout(timer);
      clearInterval(watch);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      done(reason);
    }
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    process.once('SIGHUP', onHup);
  });
  // A second signal while stopping (npm and a shell between may each pass one on) waits for the
  // stop too: dying of it would leave the exit status to the signal and the rig half stopped.
  const holdOn = (): void => {};
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, holdOn);
  try {
    await lab.stop();
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, holdOn);
  }
  const said = why === 'for' ? `after ${o.for} s (--for)` : why === 'parent' ? 'its parent process is gone' : why;
  const code = why === 'for' ? 0 : why === 'SIGINT' ? 130 : why === 'SIGTERM' ? 143 : 129;
  if (o.json) o.out(JSON.stringify({ event: 'stopped', reason: why, exitCode: code }) + '\n');
  else o.out(`${kind === 'hwsim' ? 'hwsim lab' : 'virtual rig'} stopped: ${said}\n`);
  return code;
}
