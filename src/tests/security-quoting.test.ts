/**
 * Nothing from the inventory escapes into a remote shell.
 *
 * Property tests (fast-check) over hostile strings: `;`, `$()`, backquotes, quotes,
 * backslashes, newlines, NUL, globs, redirections, unicode, and arbitrary ASCII.
 * Every command line rig builds (shellCommand, and the madwifi and ping controllers
 * fed hostile values with the inventory's validation bypassed) is run through
 * - the virtual board's shell (rig/ssh/shell.ts `runCommandLine`) with a device that
 *   records the argv it receives, and
 * - a real `/bin/sh -c`, where every command is a function dumping its argv with
 *   `printf '%s\0'`,
 * and the argv received must equal the argv intended, one element per value. A NUL
 * cannot be in a shell argument: quoting refuses it. Canary commands (`touch FILE`)
 * hidden in the strings must never run. On top, the inventory schema rejects every
 * hostile value for the fields that reach a command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from '../controllers/ssh/quote.ts';
import type { DeviceShell, ExecOptions, ExecResult, RemoteProcess } from '../controllers/ssh/types.ts';
import { MadwifiAccessPoint } from '../controllers/madwifi/access-point.ts';
import { MadwifiStation } from '../controllers/madwifi/station.ts';
import { pingArgv, PingStream } from '../controllers/ping/remote.ts';
import { BenchClock } from '../controllers/bench-clock.ts';
import { InventorySchema } from '../inventory/schema.ts';
import { runCommandLine } from '../../rig/ssh/shell.ts';
import type { ProcessIO, VirtualDevice } from '../../rig/ssh/types.ts';
import { ROOT } from './helpers/cli.ts';

const SH = '/bin/sh';
const work = mkdtempSync(join(tmpdir(), 'rig-quoting-'));
const CANARY = join(work, 'canary');
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------
// Hostile strings
// ---------------------------------------------------------------------------

const FRAGMENTS = [
  ';', '$(id)', '`id`', "'", '"', '\\', '\n', '\r', '\t', ' ', '  ', '$', '$?', '${IFS}', '$HOME', '$((1+1))',
  '&&', '||', '|', '&', '>', '>>', '<', '2>&1', '*', '?', '[a-z]', '~', '~root', '#', '!', '{a,b}', '(', ')', '=',
  '%s', '%', '-', '--', '-oProxyCommand=x', "'\\''", '\\n', '\x7f', '\x1b[31m', '\x01', 'é', '🙂', 'ath0', 'x',
  `$(touch ${CANARY})`, `;touch ${CANARY};`, `\`touch ${CANARY}\``, `'; touch ${CANARY}; '`, `"; touch ${CANARY}; "`,
  `\ntouch ${CANARY}\n`, `|touch ${CANARY}`, `&touch ${CANARY}&`,
];

/** A hostile string without NUL. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 8 }).map((a) => a.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 24 }).map((s) => s.replaceAll('\0', '')) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', "'", '"', '\\', '\n', '$', '`') },
);
const argvArb = fc.array(hostile, { minLength: 1, maxLength: 5 });

// ---------------------------------------------------------------------------
// The two shells
// ---------------------------------------------------------------------------

/** A virtual device that records every argv it is asked to run, and answers like a madwifi board. */
class RecordingDevice implements VirtualDevice {
  readonly name = 'recorder';
  readonly calls: string[][] = [];
  readonly files = new Map<string, Buffer>();
  async run(argv: string[], io: ProcessIO): Promise<number> {
    this.calls.push(argv);
    const [cmd] = argv;
    if (cmd === 'cat' || cmd === 'rm' || cmd === 'sleep') {
      io.stderr.write(`sh: ${cmd}: not found\n`); // let the shell's builtins do these
      return 127;
    }
    if (cmd === 'iwconfig' && argv.length === 2) {
      io.stdout.write(`${argv[1]}  IEEE 802.11g  ESSID:"x"\n          Mode:Master  Frequency:2.412 GHz  Access Point: 00:03:7F:0A:00:01\n`);
    }
    if (cmd === 'ping' && argv[1] === '-V') io.stdout.write('ping utility, iputils-s20121221\n');
    return 0;
  }
  readFile(p: string): Buffer | undefined {
    return this.files.get(p);
  }
  writeFile(p: string, data: Buffer, append = false): void {
    this.files.set(p, append ? Buffer.concat([this.files.get(p) ?? Buffer.alloc(0), data]) : data);
  }
}

function io(stdin = ''): ProcessIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (d) => void (out += d.toString()) },
    stderr: { write: (d) => void (err += d.toString()) },
    readStdin: async () => Buffer.from(stdin),
    onSignal: () => {},
    abort: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}

/** The argv lists a command line gives to the virtual board's shell. */
async function viaVirtualShell(line: string, stdin = ''): Promise<{ calls: string[][]; status: number; stderr: string }> {
  const dev = new RecordingDevice();
  const i = io(stdin);
  const status = await runCommandLine(line, dev, i);
  return { calls: dev.calls, status, stderr: i.err() };
}

/**
 * The argv lists a command line gives to a real /bin/sh, each of `names` being a shell
 * function that dumps its argv (count first) NUL-separated on fd 3 (so the commands'
 * own stdout is not mixed in).
 */
function viaRealShell(line: string, names: string[]): { calls: string[][]; status: number | null; stderr: string } {
  const fns = names.map((n) => `${n}() { printf '%s\\0' "${n}" "$#" "$@" >&3; }`).join('\n');
  const script = `exec 3>&1 1>/dev/null\n${fns}\n${line}\n`;
  const r = spawnSync(SH, ['-c', script], { encoding: 'buffer', timeout: 10_000, cwd: work });
  const parts = r.stdout.toString('utf8').split('\0');
  const calls: string[][] = [];
  let i = 0;
  while (i + 1 < parts.length && parts[i] !== '') {
    const name = parts[i];
    const n = Number(parts[i + 1]);
    calls.push([name, ...parts.slice(i + 2, i + 2 + n)]);
    i += 2 + n;
  }
  return { calls, status: r.status, stderr: r.stderr.toString('utf8') };
}

const canaryFired = (): boolean => existsSync(CANARY);

// ---------------------------------------------------------------------------
// The quoting itself
// ---------------------------------------------------------------------------

describe('shell quoting: the argv received is the argv intended', () => {
  it('through the virtual board shell', async () => {
    await fc.assert(
      fc.asyncProperty(argvArb, async (args) => {
        const line = shellCommand(['dump', ...args]);
        const r = await viaVirtualShell(line);
        expect(r.stderr).toBe('');
        expect(r.calls).toEqual([['dump', ...args]]);
      }),
      { numRuns: 500 },
    );
    expect(canaryFired()).toBe(false);
  });

  it.runIf(existsSync(SH))('through a real /bin/sh -c', () => {
    fc.assert(
      fc.property(argvArb, (args) => {
        const line = shellCommand(['dump', ...args]);
        const r = viaRealShell(line, ['dump']);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.calls).toEqual([['dump', ...args]]);
      }),
      { numRuns: 300 },
    );
    expect(canaryFired()).toBe(false);
  });

  it('a NUL cannot be quoted: refused, never truncated', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        expect(() => shellQuote(`${a}\0${b}`)).toThrow(/NUL/);
        expect(() => shellCommand(['x', `${a}\0${b}`])).toThrow(/NUL/);
      }),
    );
  });

  it('quoted words stay one word even next to each other and after redirections', async () => {
    const args = ["a'b", '$(id)', '', ' ', '\n', '*'];
    const line = `${shellCommand(['dump', ...args])} 2>/dev/null; ${shellCommand(['dump', 'second'])}`;
    expect((await viaVirtualShell(line)).calls).toEqual([['dump', ...args], ['dump', 'second']]);
    if (existsSync(SH)) expect(viaRealShell(line, ['dump']).calls).toEqual([['dump', ...args], ['dump', 'second']]);
  });
});

// ---------------------------------------------------------------------------
// The controllers, fed hostile values with validation bypassed
// ---------------------------------------------------------------------------

/** Every builtin-free command name the madwifi and ping controllers use. */
const COMMANDS = ['iwconfig', 'iwpriv', 'wlanconfig', 'ifconfig', 'killall', 'hostapd', 'wpa_supplicant', 'ping', 'iwevent', 'date'];

/**
 * A DeviceShell that runs each command line through the virtual board's shell (its
 * answers are the result) and through /bin/sh, and checks both saw the same argv.
 */
class CheckingShell implements DeviceShell {
  readonly name = 'checked';
  readonly lines: string[] = [];
  readonly calls: string[][] = [];
  readonly mismatches: string[] = [];

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.lines.push(command);
    const dev = new RecordingDevice();
    const i = io(options.stdin?.toString() ?? '');
    const status = await runCommandLine(command, dev, i);
    this.calls.push(...dev.calls);
    if (existsSync(SH)) {
      const real = viaRealShell(command, [...COMMANDS, 'sh']);
      // `sh -c 'cat > FILE'` is a builtin in the virtual shell (it runs the inner line): compare only device commands.
      const virt = dev.calls.filter((c) => c[0] !== 'cat');
      const realCalls = real.calls.filter((c) => c[0] !== 'sh');
      if (JSON.stringify(virt) !== JSON.stringify(realCalls)) this.mismatches.push(`${command}: virtual ${JSON.stringify(virt)} real ${JSON.stringify(realCalls)}`);
    }
    return { command, exitCode: status, stdout: i.out(), stderr: i.err(), durationMs: 0, timedOut: false };
  }

  stream(command: string): RemoteProcess {
    void this.exec(command);
    return {
      command,
      onLine: () => {},
      done: new Promise<ExecResult>(() => {}),
      signal: () => {},
      close: () => {},
    };
  }

  async close(): Promise<void> {}
}

const vap = { iface: 'ath0', radio: 'wifi0', commandTimeoutMs: 1000 };

describe('the controllers quote every value they put on a command line', () => {
  it('AP: ESSID (and the interface and radio names) arrive as single arguments', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (essid, iface) => {
        const sh = new CheckingShell();
        const ap = new MadwifiAccessPoint(sh, { ...vap, iface });
        await ap.configure({ essid, channel: 6, psk: 'a wpa passphrase' }).catch(() => {});
        expect(sh.mismatches).toEqual([]);
        expect(sh.calls).toContainEqual(['iwconfig', iface, 'essid', essid, 'channel', '6']);
        for (const c of sh.calls) expect(c.every((a) => !a.includes('\0'))).toBe(true);
      }),
      { numRuns: 60 },
    );
    expect(canaryFired()).toBe(false);
  });

  it('client: ESSID and roaming values arrive as single arguments; the PSK never on a command line', async () => {
    const psk = 'psk-SECRET-on-stdin-only';
    await fc.assert(
      fc.asyncProperty(hostile, async (essid) => {
        const open = new CheckingShell();
        await new MadwifiStation(open, vap).configure({ essid, roaming: { hostroaming: 1, rssi11g: 24 }, psk: null });
        expect(open.mismatches).toEqual([]);
        expect(open.calls).toContainEqual(['iwconfig', 'ath0', 'essid', essid]);
        expect(open.calls).toContainEqual(['iwpriv', 'ath0', 'rssi11g', '24']);
        const wpa = new CheckingShell();
        await new MadwifiStation(wpa, vap).configure({ essid, roaming: {}, psk });
        expect(wpa.mismatches).toEqual([]);
        expect(wpa.lines.join('\n')).not.toContain(psk);
      }),
      { numRuns: 60 },
    );
    expect(canaryFired()).toBe(false);
  });

  it('ping: the target arrives as one argument', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async (target) => {
        const sh = new CheckingShell();
        const argv = pingArgv(target, 0.2, { flavour: 'iputils', version: 'iputils s20121221', timestamps: true, reportOutstanding: true, interval: true });
        new PingStream(sh, argv, 0.2, new BenchClock(1));
        await new Promise((r) => setImmediate(r));
        expect(sh.mismatches).toEqual([]);
        expect(sh.calls).toEqual([['ping', '-i', '0.2', '-D', '-O', target]]);
      }),
      { numRuns: 100 },
    );
    expect(canaryFired()).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// The inventory refuses them in the first place
// ---------------------------------------------------------------------------

/** The shipped inventory's first bench, as plain data. */
function shippedInventory(): Record<string, unknown> {
  return parse(readFileSync(join(ROOT, 'inventory.yaml'), 'utf8')) as Record<string, unknown>;
}

/** Fields that reach a remote command, and where they live in a bench. */
const FIELDS: { name: string; set: (bench: Record<string, any>, v: string) => void }[] = [
  { name: 'essid', set: (b, v) => (b.essid = v) },
  { name: 'traffic.target', set: (b, v) => (b.traffic.target = v) },
  { name: 'devices.ap1.host', set: (b, v) => (b.devices.ap1.host = v) },
  { name: 'devices.client.user', set: (b, v) => (b.devices.client.user = v) },
  { name: 'devices.ap2.wireless.interface', set: (b, v) => (b.devices.ap2.wireless.interface = v) },
  { name: 'devices.client.wireless.radio', set: (b, v) => (b.devices.client.wireless.radio = v) },
  { name: 'attenuators.att1.model', set: (b, v) => (b.attenuators.att1.model = v) },
];

/** Characters special to a shell: no value that reaches a command may hold one (an ESSID may hold inner spaces). */
const SHELL_SPECIAL = /[;&|<>()$`\\"'*?[\]#~!{}\s\0-\x1f\x7f]/;

describe('the inventory schema rejects hostile values for every field that reaches a command', () => {
  for (const field of FIELDS) {
    it(field.name, () => {
      const base = shippedInventory();
      fc.assert(
        fc.property(hostile, (v) => {
          const inv = structuredClone(base) as { benches: { virtual: Record<string, unknown> } };
          field.set(inv.benches.virtual, v);
          const ok = InventorySchema.safeParse(inv).success;
          const special = field.name === 'essid' ? SHELL_SPECIAL.test(v.replaceAll(' ', '')) || v.trim() !== v : SHELL_SPECIAL.test(v);
          if (special || v.startsWith('-')) expect(ok).toBe(false);
        }),
        { numRuns: 300 },
      );
    });
  }
});
