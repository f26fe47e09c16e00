/**
 * The provisioner the CLI and the programmatic API pass to the strategies: a bench
 * with a `virtual:` block is started by the virtual rig (its one entry point,
 * rig/index.ts): the madwifi model in-process, or with `kind: hwsim` a QEMU VM on the real
 * Linux wireless stack; any other bench is real and already there.
 */
import { provisionHwsimBench, provisionVirtualBench } from '../../rig/index.ts';
import { realBench, type Provisioner } from '../bench/provision.ts';

export const provisionBench: Provisioner = (bench, req) =>
  bench.virtual?.kind === 'hwsim' ? provisionHwsimBench(bench, req) : bench.virtual ? provisionVirtualBench(bench, req) : realBench(bench, req);
