/**
 * The serial console role against the virtual rig's console servers: the rig's ser2net
 * driver (raw TCP and telnet with RFC 2217) logs in at the board's getty and runs
 * commands with their exit status; the capture holds the boot log after a power cycle
 * through the virtual PDU, an oops in ath_pci, and nothing while the power is off; a
 * wedged board answers neither SSH commands nor the console.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { provisionBench } from '../api/provision.ts';
import { openBench } from '../bench/open.ts';
import type { BenchSession } from '../bench/session.ts';
import { findKernelEvents } from '../controllers/console/kernel-events.ts';
import { Ser2netConsole } from '../controllers/console/ser2net-console.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import type { Lab } from '../../rig/index.ts';
import { inventoryCopy, tempDir } from './helpers/cli.ts';

const PASSWORD = 'console-test-password';

async function bench(driver: string) {
  const inv = inventoryCopy(tempDir(), (doc) => {
    (['ap1', 'ap2', 'client'] as const).forEach((d, i) => {
      doc.setIn(['benches', 'virtual', 'devices', d, 'power'], { driver: 'gude', address: '127.0.0.1:0', outlet: i + 1 });
      doc.setIn(['benches', 'virtual', 'devices', d, 'console'], { driver, address: '127.0.0.1:0', user: 'root', passwordEnv: 'RIG_TEST_CONSOLE_PASSWORD' });
    });
  });
  return selectBench(await loadInventory(inv), 'virtual').bench;
}

let session: BenchSession | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
  delete process.env.RIG_TEST_CONSOLE_PASSWORD;
});

async function open(driver: string): Promise<{ s: BenchSession; lab: Lab; output: string[] }> {
  process.env.RIG_TEST_CONSOLE_PASSWORD = PASSWORD;
  const output: string[] = [];
  session = await openBench(await bench(driver), { provision: provisionBench, timeScale: 100, consoleOutput: (d, t) => d === 'client' && output.push(t) });
  return { s: session, lab: session.provisioned as unknown as Lab, output };
}

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  for (let t = 0; t < ms && !cond(); t += 20) await new Promise((r) => setTimeout(r, 20));
};

describe('serial console through a virtual console server', () => {
  it('telnet with RFC 2217: login with the password, commands with their exit status, the baud rate asked and not changed', async () => {
    const { s, lab, output } = await open('ser2net-telnet');
    const c = s.consoles.client!;
    expect(c.driver).toBe('ser2net-telnet');
    const r = await c.run('echo hello from the console; ls /proc/version', 10_000);
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('hello from the console\n/proc/version\n');
    const f = await c.run('grep nothing-like-this /proc/version', 10_000);
    expect(f.exitCode).toBe(1);
    expect(f.stdout).toBe('');
    expect((c as Ser2netConsole).baudRate).toBe(115200);
    expect(lab.consoles.client.port.comPortRequests).toEqual(['set-baudrate 0']);
    // The capture shows the login, never the password.
    const text = output.join('');
    expect(text).toMatch(/client login: root/);
    expect(text).toMatch(/Password: /);
    expect(text).not.toContain(PASSWORD);
  });

  it('raw TCP: a wrong password is refused with a clear error naming the device', async () => {
    const { s } = await open('ser2net-tcp');
    process.env.RIG_TEST_CONSOLE_PASSWORD = 'not-the-password';
    const wrong = new Ser2netConsole({ name: 'client', host: '127.0.0.1', port: (s.provisioned as unknown as Lab).endpoints.console.client.port, mode: 'raw', user: 'root', password: 'not-the-password' });
    await wrong.start();
    try {
      const err = await wrong.run('true', 10_000).then(() => null, (e: unknown) => e as Error);
      expect(err?.message).toMatch(/^client: console login refused for root/);
      expect(err?.message).not.toContain('not-the-password');
    } finally {
      await wrong.close();
    }
    const ok = await s.consoles.client!.run('uname -r', 10_000);
    expect(ok.stdout.trim()).toBe('2.6.16');
  });

  it('power: dark while off, the boot log after on; an oops in ath_pci shows in the capture; a wedged board answers nothing', async () => {
    const { s, lab, output } = await open('ser2net-telnet');
    const c = s.consoles.client!;
    const sw = s.power.client!;
    await sw.off();
    const mark = c.capturedChars;
    const dark = await c.run('true', 1500);
    expect(dark.timedOut).toBe(true);
    expect(c.capturedSince(mark).replace(/[\r\n]/g, '')).toBe('');
    await sw.on();
    await until(() => /login: $/.test(c.captured()));
    const boot = c.capturedSince(mark);
    expect(boot).toMatch(/RedBoot\(tm\)/);
    expect(boot).toMatch(/Linux version 2\.6\.16/);
    expect(boot).toMatch(/ath_pci/);
    expect(findKernelEvents(boot)).toEqual([]);
    expect((await c.run('cat /proc/uptime', 10_000)).exitCode).toBe(0);

    await s.reconnect('client');
    const before = c.capturedChars;
    lab.faults.inject({ kind: 'oops', device: 'client' });
    await until(() => /Kernel panic/.test(c.capturedSince(before)));
    const events = findKernelEvents(c.capturedSince(before));
    expect(events.map((e) => e.kind)).toEqual(['oops', 'panic']);
    expect(events[0].module).toBe('ath_pci');
    expect(events[0].title).toBe('Unable to handle kernel paging request at virtual address 0000000c');
    expect(output.join('')).toMatch(/Oops\[#1\]/);
    // Wedged: SSH still connected, its commands and the console never answer.
    expect(s.devices.client.connected).toBe(true);
    expect(await s.answers('client', 800)).toBe(false);
    expect((await c.run('true', 1500)).timedOut).toBe(true);
    // A power cycle clears it.
    await sw.cycle(50);
    await s.reconnect('client');
    expect(await s.answers('client')).toBe(true);
  });
});
