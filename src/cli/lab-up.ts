import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { parseFaultArg, startLab, type FaultSpec } from '../../rig/index.ts';

export interface LabUpOptions {
  inventory: string;
  bench?: string;
  firmware?: string;
  timeScale?: number;
  writeInventory?: string;
  groundTruth?: string;
  for?: number;
  fault?: string[];
  out: (s: string) => void;
}

/** `rig lab up`: the virtual rig as a standalone process, until SIGINT/SIGTERM (or --for seconds). */
export async function labUp(o: LabUpOptions): Promise<number> {
  const loaded = await loadInventory(resolve(o.inventory));
  const { name, bench } = selectBench(loaded, o.bench);
  if (!bench.virtual) throw new UsageError(`bench "${name}" is not virtual: it has no \`virtual:\` block`);
  // Standalone, the rig runs in real time by default: whatever connects to it (OpenSSH, a
  // hand-written inventory) does not know about time scales.
  let faults: FaultSpec[];
  try {
    faults = (o.fault ?? []).map(parseFaultArg);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (faults.some((f) => f.atRoam !== undefined)) throw new UsageError('--fault: a standalone rig has no roam numbers: give the time as @SECONDSs');
  const lab = await startLab({ bench, faults, firmware: o.firmware, timeScale: o.timeScale ?? 1, groundTruthFile: o.groundTruth && resolve(o.groundTruth) });
  const e = lab.endpoints;
  o.out(`virtual rig for bench ${name} (time scale ${lab.timeScale}, client firmware ${o.firmware ?? bench.virtual.firmware})\n`);
  for (const [dev, d] of Object.entries(e.devices)) {
    const auth = bench.devices[dev as 'ap1'].auth;
    const key = auth.method === 'keyFile' ? ` -i ${auth.keyFile}` : '';
    o.out(`  ${dev.padEnd(7)} ssh -p ${d.port}${key} ${bench.devices[dev as 'ap1'].user}@${d.host}   host key ${d.hostKeyFingerprint}\n`);
  }
  for (const [att, a] of Object.entries(e.attenuators)) {
    const http = a.httpPort ? `http://${a.host}:${a.httpPort}/:ATT?` : '';
    const telnet = a.telnetPort ? `telnet ${a.host} ${a.telnetPort}` : '';
    o.out(`  ${att.padEnd(7)} ${[http, telnet].filter(Boolean).join('   ')}\n`);
  }
  if (o.writeInventory) {
    // The same bench, pointing at the running rig, no longer started in-process.
    const { virtual: _v, ...rest } = bench;
    void _v;
    const devices = Object.fromEntries(
      Object.entries(bench.devices).map(([n, d]) => {
        const auth = d.auth.method === 'keyFile' ? { keyFile: d.auth.keyFile } : d.auth.method === 'password' ? { passwordEnv: d.auth.passwordEnv } : { agent: true };
        return [n, { ...d, auth, host: e.devices[n].host, port: e.devices[n].port, hostKeyFingerprint: e.devices[n].hostKeyFingerprint }];
      }),
    );
    const attenuators = Object.fromEntries(
      Object.entries(bench.attenuators).map(([n, a]) => [n, { ...a, address: `${e.attenuators[n].host}:${e.attenuators[n].port}` }]),
    );
    const inv = { version: 1, defaultBench: name, benches: { [name]: { ...rest, devices, attenuators } } };
    writeFileSync(resolve(o.writeInventory), `# Written by \`rig lab up\`: the running virtual rig (time scale ${lab.timeScale}).\n${stringify(inv)}`);
    o.out(`inventory for this rig: ${o.writeInventory}\n`);
  }
  o.out('Ctrl-C stops it.\n');
  await new Promise<void>((done) => {
    const timer = o.for ? setTimeout(() => stop(), o.for * 1000) : undefined;
    const stop = (): void => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await lab.stop();
  return 0;
}
