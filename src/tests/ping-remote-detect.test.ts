/**
 * Ping capability detection (src/controllers/ping/remote.ts) against the virtual
 * client board's three pings, in-process (the board's shell, no SSH), and against
 * canned answers of boards the virtual rig does not offer (busybox before 1.30 has no
 * -i; something that is not a ping at all). Detect, never assume.
 */
import { describe, expect, it } from 'vitest';
import { ClientBoard } from '../../rig/device/client-board.ts';
import { runCommandLine } from '../../rig/ssh/shell.ts';
import type { PingFlavour } from '../../rig/world/ping.ts';
import { World } from '../../rig/world/world.ts';
import { ConfigError, RigError } from '../errors.ts';
import { detectPing, pingArgv } from '../controllers/ping/remote.ts';
import type { DeviceShell, ExecResult, RemoteProcess } from '../controllers/ssh/types.ts';

/** A DeviceShell over a virtual board's own shell: what SshDevice.exec would return, minus SSH. */
function boardShell(flavour: PingFlavour): { shell: DeviceShell; stop: () => void; commands: string[] } {
  const world = new World({
    seed: 5,
    timeScale: 1000, // `ping -c 1 -w 2` waits up to 2 s of model time: 2 ms here
    accessPoints: [],
    paths: [],
    client: { name: 'client', mac: '00:03:7F:0C:00:01', variant: 'stock' },
  });
  const board = new ClientBoard('client', world, { radio: 'wifi0' }, flavour);
  const commands: string[] = [];
  const shell: DeviceShell = {
    name: 'client',
    async exec(command: string): Promise<ExecResult> {
      commands.push(command);
      let stdout = '';
      let stderr = '';
      const abort = new AbortController();
      const t0 = performance.now();
      const timer = setTimeout(() => abort.abort(), 10_000);
      try {
        const exitCode = await runCommandLine(command, board, {
          stdout: { write: (d) => void (stdout += d.toString()) },
          stderr: { write: (d) => void (stderr += d.toString()) },
          readStdin: async () => Buffer.alloc(0),
          onSignal: () => {},
          abort: abort.signal,
        });
        return { command, exitCode, stdout, stderr, durationMs: performance.now() - t0, timedOut: abort.signal.aborted };
      } finally {
        clearTimeout(timer);
      }
    },
    stream(): RemoteProcess {
      throw new Error('not used by detectPing');
    },
    async close() {},
  };
  return { shell, stop: () => world.stop(), commands };
}

/** A shell that answers from a table (command regexp -> result). */
function cannedShell(table: [RegExp, Partial<ExecResult>][]): DeviceShell {
  return {
    name: 'oldboard',
    async exec(command: string): Promise<ExecResult> {
      const hit = table.find(([re]) => re.test(command));
      const r = hit?.[1] ?? { exitCode: 127, stderr: `sh: ${command.split(' ')[0]}: not found\n` };
      return { command, exitCode: 0, stdout: '', stderr: '', durationMs: 1, timedOut: false, ...r };
    },
    stream(): RemoteProcess {
      throw new Error('not used');
    },
    async close() {},
  };
}

describe('detectPing on the virtual client board', () => {
  it('iputils s20121221: -D and -O and -i, so stamps come from the ping', async () => {
    const { shell, stop, commands } = boardShell('iputils');
    try {
      const caps = await detectPing(shell, 5000);
      expect(caps).toEqual({ flavour: 'iputils', version: 'iputils s20121221', timestamps: true, reportOutstanding: true, interval: true });
      expect(pingArgv('192.0.2.10', 0.2, caps)).toEqual(['ping', '-i', '0.2', '-D', '-O', '192.0.2.10']);
      // every probe pings the board's own loopback, never the target
      for (const c of commands.filter((x) => x.includes('-c'))) expect(c).toMatch(/127\.0\.0\.1/);
    } finally {
      stop();
    }
  });

  it('iputils of 2007: no -D, no -O (the rig stamps lines on arrival)', async () => {
    const { shell, stop } = boardShell('iputils-old');
    try {
      const caps = await detectPing(shell, 5000);
      expect(caps).toMatchObject({ flavour: 'iputils', timestamps: false, reportOutstanding: false, interval: true });
      expect(caps.version).toMatch(/20070202/);
      expect(pingArgv('192.0.2.10', 0.2, caps)).toEqual(['ping', '-i', '0.2', '192.0.2.10']);
    } finally {
      stop();
    }
  });

  it('busybox: detected from its banner although it has no -V; no -D/-O', async () => {
    const { shell, stop } = boardShell('busybox');
    try {
      const caps = await detectPing(shell, 5000);
      expect(caps).toMatchObject({ flavour: 'busybox', timestamps: false, reportOutstanding: false, interval: true });
      expect(caps.version).toBe('BusyBox 1.36.1');
      expect(pingArgv('192.0.2.10', 0.2, caps)).toEqual(['ping', '-i', '0.2', '192.0.2.10']);
    } finally {
      stop();
    }
  });
});

describe('detectPing on boards the virtual rig does not offer', () => {
  const busyboxBanner = 'BusyBox v1.1.3 (2007.03.20-10:12+0000) multi-call binary\n\nUsage: ping [OPTION]... host\n';

  it('busybox before 1.30 (no -i): the rig refuses an interval it cannot do, with a config error', async () => {
    const shell = cannedShell([
      [/^ping -V/, { exitCode: 1, stderr: `ping: invalid option -- 'V'\n${busyboxBanner}` }],
      [/-i/, { exitCode: 1, stderr: `ping: invalid option -- 'i'\n${busyboxBanner}` }],
    ]);
    const caps = await detectPing(shell, 5000);
    expect(caps).toMatchObject({ flavour: 'busybox', version: 'BusyBox 1.1.3', interval: false, timestamps: false });
    let err: unknown;
    try {
      pingArgv('192.0.2.10', 0.2, caps);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/-i/);
    expect((err as Error).message).toMatch(/0\.2/);
    // at its fixed 1 s interval it is usable, without -i
    expect(pingArgv('192.0.2.10', 1, caps)).toEqual(['ping', '192.0.2.10']);
  });

  it('no ping it knows: a bench error naming the board, not a guess', async () => {
    const shell = cannedShell([[/^ping -V/, { exitCode: 127, stderr: 'sh: ping: not found\n' }]]);
    let err: unknown;
    try {
      await detectPing(shell, 5000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RigError);
    expect((err as RigError).kind).toBe('bench');
    expect((err as Error).message).toContain('oldboard');
  });
});
