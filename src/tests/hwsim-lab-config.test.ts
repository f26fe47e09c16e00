/**
 * `rig lab up --kind hwsim` refuses what a hwsim lab cannot be, before building or
 * booting anything: a bench of the other kind, the madwifi model's options, and a bench
 * whose devices do not match the VM (interface names, drivers, the APs' bridge), each
 * with exit 2 and the inventory path of what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { inventoryCopy, runCli, tempDir } from './helpers/cli.ts';

describe('rig lab up --kind hwsim: configuration errors', () => {
  it('refuses a madwifi bench, naming its kind', async () => {
    const r = await runCli(['lab', 'up', '--kind', 'hwsim', '--bench', 'virtual'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bench "virtual" is a madwifi lab/);
  });

  it('refuses the madwifi model\'s options', async () => {
    const r = await runCli(['lab', 'up', '--kind', 'hwsim', '--time-scale', '10', '--fault', 'reboot:client@5s'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--time-scale, --fault: only for the madwifi lab/);
  });

  it('refuses an unknown kind', async () => {
    const r = await runCli(['lab', 'up', '--kind', 'qemu'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--kind: expected madwifi or hwsim, got qemu/);
  });

  it('names a device whose interface is not the VM\'s', async () => {
    const inv = inventoryCopy(tempDir(), (doc) => doc.setIn(['benches', 'hwsim', 'devices', 'client', 'wireless', 'interface'], 'wlan0'));
    const r = await runCli(['lab', 'up', '-i', inv, '--kind', 'hwsim'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/devices\.client\.wireless\.interface: expected wlan2/);
  });

  it('names an AP without the bridge that holds the ping target', async () => {
    const inv = inventoryCopy(tempDir(), (doc) => doc.deleteIn(['benches', 'hwsim', 'devices', 'ap2', 'wireless', 'bridge']));
    const r = await runCli(['lab', 'up', '-i', inv, '--bench', 'hwsim'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/devices\.ap2\.wireless\.bridge: expected br0/);
  });

  it('refuses a hwsim bench at another time scale in the inventory itself', async () => {
    const inv = inventoryCopy(tempDir(), (doc) => doc.setIn(['benches', 'hwsim', 'virtual', 'timeScale'], 10));
    const r = await runCli(['inventory', 'validate', '-i', inv], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/benches\.hwsim\.virtual\.timeScale: expected 1/);
  });
});
