/**
 * Commands in long-lived shell sessions (src/controllers/ssh/shell-pool.ts) against
 * exec channels, on three servers: Debian's OpenSSH sshd (login shell /bin/sh, as on a
 * board), Debian's dropbear (helpers/real-ssh-servers.ts) and a virtual board
 * (rig/ssh/server.ts).
 *
 * - Generated commands (fast-check; quoting edge cases, exit statuses, stderr, empty
 *   output, large output, no trailing newline, commands that are not found, `&&` and
 *   `||`): the shell session gives the same exit status, stdout and stderr as an exec
 *   channel on the same server. The expectation is the exec channel's answer, never the
 *   code under test's.
 * - A hung command past its timeout is timed out, its processes are gone from the
 *   server (a shell and its child), and the next command works.
 * - A server that closes the session: that command fails with E_CHANNEL naming the
 *   device and the command; the next one runs in a new session.
 * - A server that refuses `shell` requests: every command runs on exec channels.
 *
 * The real servers are skipped with the reason when missing, unless RIG_REAL_SSH=1.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientBoard } from '../../rig/device/client-board.ts';
import { generateKeyPair } from '../../rig/keys.ts';
import { startSshServer, type VirtualSshServer } from '../../rig/ssh/server.ts';
import { World } from '../../rig/world/world.ts';
import { shellQuote } from '../controllers/ssh/quote.ts';
import { SshDevice, type SshConnectOptions } from '../controllers/ssh/ssh-device.ts';
import { BenchError } from '../errors.ts';
import { dropbearUnavailable, sshdUnavailable, canUseMountNamespace, startDropbear, startSshd, type RealSshServer } from './helpers/real-ssh-servers.ts';

const REQUIRED = process.env.RIG_REAL_SSH === '1';
const sshdWhy = sshdUnavailable() ?? (canUseMountNamespace() ? undefined : 'sshd with a /bin/sh login shell needs root and mount namespaces');
const dropbearWhy = dropbearUnavailable();
const client = generateKeyPair('rig shell-session test');
const hostKey = generateKeyPair('virtual board host').private;

interface Target {
  name: string;
  connect(extra?: Partial<SshConnectOptions>): Promise<SshDevice>;
  /** Whether its processes show in this machine's /proc (real servers). */
  real: boolean;
  /** A command printing about `n` bytes of output. */
  large(n: number): string;
  /** Make the server close its shell sessions; undefined: the test's command does (kill its parent shell). */
  closeSessions?: () => void;
  stop(): Promise<void>;
}

function realTarget(name: string, s: RealSshServer): Target {
  const base: SshConnectOptions = {
    name,
    host: s.host,
    port: s.port,
    username: s.user,
    auth: { privateKey: client.private },
    hostKeyFingerprint: s.hostKeys[0].fingerprint,
    connectDeadlineMs: 10_000,
  };
  return {
    name,
    real: true,
    connect: (extra = {}) => SshDevice.connect({ ...base, ...extra }),
    large: (n) => `head -c ${n} /dev/zero | tr '\\0' x`,
    stop: () => s.stop(),
  };
}

async function virtualTarget(extra: { shell?: boolean } = {}): Promise<Target & { srv: VirtualSshServer }> {
  const world = new World({ seed: 7, timeScale: 1, accessPoints: [], paths: [], client: { name: 'client', mac: '00:03:7F:0C:00:01', variant: 'stock' } });
  const board = new ClientBoard('client', world, { radio: 'wifi0' }, 'busybox');
  const srv = await startSshServer({ device: board, hostKey, authorizedKeys: [client.public], ...extra });
  return {
    name: 'virtual',
    real: false,
    srv,
    connect: (more = {}) =>
      SshDevice.connect({
        name: 'client',
        host: '127.0.0.1',
        port: srv.port,
        username: 'root',
        auth: { privateKey: client.private },
        hostKeyFingerprint: srv.hostKeyFingerprint,
        connectDeadlineMs: 10_000,
        ...more,
      }),
    // The virtual shell has no printf and no /dev/zero: a file doubled up, then written 4 times
    // (the command line stays short: ssh2's server takes requests up to 32 KiB).
    large: (n) => {
      const steps = Math.max(0, Math.ceil(Math.log2(n / 64)));
      const grow = Array.from({ length: steps }, () => 'cat /tmp/big /tmp/big > /tmp/big2; cat /tmp/big2 > /tmp/big').join('; ');
      return `echo ${'y'.repeat(63)} > /tmp/big; ${grow}; cat /tmp/big /tmp/big /tmp/big /tmp/big; rm /tmp/big /tmp/big2`;
    },
    closeSessions: () => srv.closeShellSessions(),
    stop: async () => {
      await srv.close();
      world.stop();
    },
  };
}

/** Characters that quoting gets wrong: quotes, `$`, backslash, backquote, globs, newlines, `%`, multi-byte text. */
const TRICKY = [...`abc XYZ019'"$\`\\\n\t%*?[]{}~#!;&|<>()=-`, 'é', '€', '日'];
const text = fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 24 });

/** One piece of a command line. */
function piece(t: Target): fc.Arbitrary<string> {
  return fc.oneof(
    text.map((s) => `echo ${shellQuote(s)}`),
    text.map((s) => `echo -n ${shellQuote(s)}`),
    text.map((s) => `echo ${shellQuote(s)} >&2`),
    text.map((s) => `echo -n ${shellQuote(s)} >&2`),
    fc.constantFrom('true', 'false', ':', 'echo', 'echo -n'),
    fc.integer({ min: 0, max: 255 }).map((n) => `exit ${n}`),
    fc.constantFrom('rig_no_such_command', 'rig_no_such_command >&2'),
    fc.integer({ min: 1000, max: 70_000 }).map((n) => t.large(n)),
    // Real servers: the fast path's edges (an external's own message, a missing command in a
    // pipeline, builtins that complain, which take the exact path).
    ...(t.real ? [fc.constantFrom('cat /rig-no-such-file', 'echo x | rig_no_such_command', 'echo xy | tr x z', 'cd /rig-no-such-dir', 'kill -0 999999999', 'ls -d / /rig-none')] : []),
  );
}

function commandOf(t: Target): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(piece(t), fc.constantFrom('; ', ' && ', ' || ')), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.map(([p, sep], i) => (i === parts.length - 1 ? p : p + sep)).join(''));
}

/** True when no process on this machine has `pattern` in its command line. */
function noProcess(pattern: string): boolean {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    if (Number(pid) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').includes(pattern)) return false;
    } catch {
      /* gone meanwhile */
    }
  }
  return true;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

const comparable = (r: { exitCode: number | null; stdout: string; stderr: string; timedOut: boolean; signal?: string }) => ({
  exitCode: r.exitCode,
  stdout: r.stdout,
  stderr: r.stderr,
  timedOut: r.timedOut,
  signal: r.signal,
});

function cases(label: string, skip: string | undefined, make: () => Promise<Target>, runs: number): void {
  describe.skipIf(skip !== undefined && !REQUIRED)(`shell sessions on ${label}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let t: Target;
    beforeAll(async () => {
      t = await make();
    }, 30_000);
    afterAll(async () => {
      await t?.stop();
    });

    it(`${label}: ${runs} generated commands give the same exit status, stdout and stderr as exec channels`, async () => {
      const shell = await t.connect();
      const exec = await t.connect({ commandChannel: 'exec' });
      try {
        let seen = 0;
        await fc.assert(
          fc.asyncProperty(commandOf(t), async (command) => {
            const want = await exec.exec(command, { timeoutMs: 20_000 });
            const got = await shell.exec(command, { timeoutMs: 20_000 });
            seen++;
            expect(comparable(got)).toEqual(comparable(want));
          }),
          { numRuns: runs, seed: 13, endOnFailure: true },
        );
        expect(seen).toBe(runs);
        expect(shell.usesExecChannels).toBe(false);
        expect(exec.usesExecChannels).toBe(true);
        // Real shells (dash, bash, busybox ash) pass the hello's check: the generated commands the
        // fast path allows ran without a new shell; the virtual board's shell has no eval: all exact.
        expect(shell.usesShellFastPath).toBe(t.real);
      } finally {
        await Promise.all([shell.close(), exec.close()]);
      }
    }, 180_000);

    it(`${label}: a hung command is timed out and killed with its children; the next command works`, async () => {
      const d = await t.connect();
      try {
        const tag = `${process.pid}${label.length}`;
        const r = await d.exec(`sh -c 'sleep 9${tag}; echo never'`, { timeoutMs: 400 });
        expect(r).toMatchObject({ timedOut: true, exitCode: null, stdout: '' });
        expect(await d.exec('echo next; echo warn >&2; exit 4')).toMatchObject({ exitCode: 4, stdout: 'next\n', stderr: 'warn\n', timedOut: false });
        if (t.real) expect(await waitFor(() => noProcess(`sleep 9${tag}`), 5000)).toBe(true);
        expect(d.usesExecChannels).toBe(false);
      } finally {
        await d.close();
      }
    }, 30_000);

    it(`${label}: survives a server that closes the session`, async () => {
      const d = await t.connect({ shellSessions: 1 });
      try {
        expect((await d.exec('echo before')).stdout).toBe('before\n');
        let failed: unknown;
        if (t.closeSessions) {
          const p = d.exec('sleep 5; echo late').catch((e: unknown) => e);
          await new Promise((r) => setTimeout(r, 200));
          t.closeSessions();
          failed = await p;
        } else {
          // The session's shell is the parent of the command's shell.
          failed = await d.exec('kill -9 $PPID').catch((e: unknown) => e);
        }
        expect(failed).toBeInstanceOf(BenchError);
        expect((failed as BenchError).code).toBe('E_CHANNEL');
        expect((failed as BenchError).message).toMatch(/^client|^(sshd|dropbear): the shell session closed while running "/);
        expect(await d.exec('echo after; exit 7')).toMatchObject({ exitCode: 7, stdout: 'after\n', stderr: '' });
        expect(d.usesExecChannels).toBe(false);
      } finally {
        await d.close();
      }
    }, 30_000);
  });
}

cases('sshd', sshdWhy, async () => realTarget('sshd', await startSshd({ authorizedKeys: [client.public], loginShell: '/bin/sh' })), 100);
cases('dropbear', dropbearWhy, async () => realTarget('dropbear', await startDropbear({ authorizedKeys: [client.public] })), 100);
cases('virtual', undefined, () => virtualTarget(), 100);

describe('a board whose shell cannot be used', () => {
  it('runs every command on exec channels, with the same results', async () => {
    const t = await virtualTarget({ shell: false });
    const d = await t.connect();
    try {
      expect(await d.exec('echo out; echo err >&2; exit 3')).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
      expect(d.usesExecChannels).toBe(true);
      expect((await d.exec('echo again')).stdout).toBe('again\n');
    } finally {
      await d.close();
      await t.stop();
    }
  });
});
