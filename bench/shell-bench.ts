/**
 * Benchmark lines of issue 13 for commands, flashing and the CLI (called from
 * `npm run bench`; alone: `npx tsx bench/shell-bench.ts`, JSON with `--json`):
 *
 * - Command round trip of a short command (`true`) through the rig's device connection
 *   (shell sessions, the default) against OpenSSH's `ssh` with ControlMaster
 *   (`-o ControlMaster=auto -o ControlPath=... -o ControlPersist=60`, the master opened
 *   before timing) on the same real servers: Debian's sshd with a /bin/sh login shell
 *   (as a board has; root's own shell here sources a ~/.bashrc that costs 200 ms per
 *   command and would hide both figures) and dropbear (dbclient has no multiplexing: the
 *   OpenSSH client with ControlMaster talks to dropbear). Calls alternate, rig then ssh,
 *   RIG_BENCH_SHELL_CALLS times (default 40); median and p95 each; goal: rig / ssh median
 *   at most 0.05. Also checked on both paths: exit status, stdout and stderr exact for a
 *   command with all three, and a hung command timed out (and the next one working).
 * - Flash of a variant (patched) on the virtual bench at time scale 1 with the board costs
 *   on (`virtual.boardCosts: {}`, docs/virtual-rig.md): the flash alone (its devices run
 *   side by side: the slowest device) and the whole call (the virtual rig's start
 *   included), with shell sessions and with exec channels; goal: under 3 s.
 * - CLI start: `node bin/rig.mjs --version`, compiled (dist/, built first) and from the
 *   sources (RIG_FROM_SOURCE=1), RIG_BENCH_CLI_RUNS times each (default 10); goal 0.25 s.
 *
 * Servers a line needs but this machine lacks are reported as unknown with the reason.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';
import { generateKeyPair } from '../rig/keys.ts';
import { flash } from '../src/api/flash.ts';
import { SshDevice } from '../src/controllers/ssh/ssh-device.ts';
import { ROOT } from '../src/tests/helpers/cli.ts';
import {
  canUseMountNamespace,
  dropbearUnavailable,
  sshdUnavailable,
  sshClientArgs,
  startDropbear,
  startSshd,
  type RealSshServer,
} from '../src/tests/helpers/real-ssh-servers.ts';

const run = promisify(execFile);
const CALLS = intFromEnv('RIG_BENCH_SHELL_CALLS', 40);
const CLI_RUNS = intFromEnv('RIG_BENCH_CLI_RUNS', 10);

/** One line of the benchmark table. */
export interface BenchLine {
  name: string;
  /** The figure, as measured (null: unknown, `note` says why). */
  value: number | null;
  unit: string;
  goal: string;
  met: boolean | null;
  note: string;
}

function intFromEnv(name: string, dflt: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : dflt;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

interface RoundTrip {
  rigMs: number[];
  sshMs: number[];
  /** The rig with every command through `sh -c` (shellFastPath: false), in the same alternation. */
  exactMs: number[];
  fastPath: boolean;
  exact: boolean;
  exactNote: string;
  hungTimedOut: boolean;
}

/** Alternating calls through the rig and through `ssh` with ControlMaster, on one server. */
async function roundTrip(s: RealSshServer, keyFile: string, privateKey: string, work: string): Promise<RoundTrip> {
  const knownHosts = join(work, `known_hosts_${s.kind}`);
  writeFileSync(knownHosts, s.hostKeys.map((k) => `[127.0.0.1]:${s.port} ${k.type} ${k.blob.toString('base64')}`).join('\n') + '\n');
  const control = join(work, `cm-${s.kind}`);
  const sshArgs = [
    ...sshClientArgs(s.port, keyFile, knownHosts, '-o', 'ControlMaster=auto', '-o', `ControlPath=${control}`, '-o', 'ControlPersist=60'),
    `${s.user}@127.0.0.1`,
  ];
  const ssh = async (command: string): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const r = await run('ssh', [...sshArgs, command], { timeout: 20_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
    }
  };
  const options = {
    name: s.kind,
    host: s.host,
    port: s.port,
    username: s.user,
    auth: { privateKey },
    hostKeyFingerprint: s.hostKeys[0].fingerprint,
    connectDeadlineMs: 10_000,
  };
  const dev = await SshDevice.connect(options);
  const exactDev = await SshDevice.connect({ ...options, shellFastPath: false });
  try {
    // Warm up both: the master connection and the first shell session are not what is measured.
    await ssh('true');
    await dev.exec('true');
    await exactDev.exec('true');
    const rigMs: number[] = [];
    const sshMs: number[] = [];
    const exactMs: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      let t = performance.now();
      await exactDev.exec('true', { timeoutMs: 10_000 });
      exactMs.push(performance.now() - t);
      t = performance.now();
      const r = await dev.exec('true', { timeoutMs: 10_000 });
      rigMs.push(performance.now() - t);
      if (r.exitCode !== 0) throw new Error(`${s.kind}: rig's \`true\` exited ${r.exitCode}: ${r.stderr}`);
      t = performance.now();
      const o = await ssh('true');
      sshMs.push(performance.now() - t);
      if (o.code !== 0) throw new Error(`${s.kind}: ssh's \`true\` exited ${o.code}: ${o.stderr}`);
    }
    const probe = "echo out; echo 'err: no such file' >&2; exit 3";
    const a = await dev.exec(probe);
    const b = await ssh(probe);
    const exact = a.exitCode === b.code && a.stdout === b.stdout && a.stderr === b.stderr && a.exitCode === 3 && a.stderr === 'err: no such file\n';
    const hung = await dev.exec('sleep 30', { timeoutMs: 500 });
    const next = await dev.exec('echo next');
    return {
      rigMs,
      sshMs,
      exactMs,
      fastPath: dev.usesShellFastPath,
      exact,
      exactNote: exact ? 'exit 3, stdout and stderr identical' : `rig ${JSON.stringify(a)} vs ssh ${JSON.stringify(b)}`,
      hungTimedOut: hung.timedOut && next.stdout === 'next\n',
    };
  } finally {
    await dev.close();
    await exactDev.close();
    try {
      execFileSync('ssh', [...sshArgs.slice(0, -1), '-O', 'exit', `${s.user}@127.0.0.1`], { stdio: 'ignore', timeout: 5000 });
    } catch {
      /* the master may be gone already */
    }
  }
}

export async function roundTripLines(): Promise<BenchLine[]> {
  const work = mkdtempSync(join(tmpdir(), 'rig-shell-bench-'));
  const key = generateKeyPair('rig shell bench');
  const keyFile = join(work, 'id_ed25519');
  writeFileSync(keyFile, key.private, { mode: 0o600 });
  const lines: BenchLine[] = [];
  const servers: [string, string | undefined, () => Promise<RealSshServer>][] = [
    [
      'OpenSSH sshd',
      sshdUnavailable() ?? (canUseMountNamespace() ? undefined : 'needs root and mount namespaces for a /bin/sh login shell'),
      () => startSshd({ authorizedKeys: [key.public], loginShell: '/bin/sh' }),
    ],
    ['dropbear', dropbearUnavailable(), () => startDropbear({ authorizedKeys: [key.public] })],
  ];
  try {
    for (const [label, why, start] of servers) {
      const name = `command round trip, rig / ssh ControlMaster, ${label}`;
      if (why) {
        lines.push({ name, value: null, unit: 'ratio', goal: '<= 0.05', met: null, note: `unknown: ${why}` });
        continue;
      }
      const s = await start();
      try {
        const r = await roundTrip(s, keyFile, key.private, work);
        const [rm, r95, sm, s95] = [quantile(r.rigMs, 0.5), quantile(r.rigMs, 0.95), quantile(r.sshMs, 0.5), quantile(r.sshMs, 0.95)];
        const ratio = rm / sm;
        lines.push({
          name,
          value: round(ratio, 4),
          unit: 'ratio',
          goal: '<= 0.05',
          met: ratio <= 0.05 && r.exact && r.hungTimedOut,
          note:
            `${CALLS} alternating calls of \`true\`: rig median ${round(rm)} ms, p95 ${round(r95)} ms${r.fastPath ? ' (fast path)' : ' (NO fast path)'}; ` +
            `ssh median ${round(sm)} ms, p95 ${round(s95)} ms; rig through sh -c (shellFastPath: false) median ${round(quantile(r.exactMs, 0.5))} ms, p95 ${round(quantile(r.exactMs, 0.95))} ms; ${r.exactNote}; ` +
            `hung command ${r.hungTimedOut ? 'timed out, next command ran' : 'NOT timed out'}`,
        });
      } finally {
        await s.stop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return lines;
}

/** The shipped inventory with its virtual bench at time scale 1, board costs on. */
function costedInventory(work: string, commandChannel: 'shell' | 'exec', boardCosts: boolean): string {
  const doc = parseDocument(readFileSync(join(ROOT, 'inventory.yaml'), 'utf8'));
  const bench = doc.get('defaultBench') as string;
  doc.setIn(['benches', bench, 'virtual', 'timeScale'], 1);
  if (boardCosts) doc.setIn(['benches', bench, 'virtual', 'boardCosts'], doc.createNode({}));
  for (const d of ['ap1', 'ap2', 'client']) doc.setIn(['benches', bench, 'devices', d, 'commandChannel'], commandChannel);
  const file = join(work, `inventory-${commandChannel}.yaml`);
  // A virtual bench makes its login key where the inventory says, here beside the copy.
  writeFileSync(file, doc.toString());
  return file;
}

async function flashLines(boardCosts: boolean): Promise<BenchLine[]> {
  const work = mkdtempSync(join(tmpdir(), 'rig-flash-bench-'));
  const lines: BenchLine[] = [];
  try {
    for (const channel of ['shell', 'exec'] as const) {
      const inventory = costedInventory(work, channel, boardCosts);
      const t = performance.now();
      const r = await flash({ inventory, variant: 'patched', onProgress: () => {} });
      const wallMs = performance.now() - t;
      const devices = Object.values(r.results);
      const slowest = Math.max(...devices.map((d) => d.durationMs));
      lines.push({
        name: `flash patched, virtual bench at scale 1 ${boardCosts ? 'with' : 'without'} board costs (${channel === 'shell' ? 'shell sessions' : 'exec channels'})`,
        value: round(slowest / 1000, 3),
        unit: 's',
        goal: '< 3',
        met: slowest < 3000,
        note: `slowest of ${devices.length} boards flashed side by side; whole call with the virtual rig's start ${round(wallMs / 1000, 3)} s`,
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return lines;
}

async function cliLines(): Promise<BenchLine[]> {
  execFileSync(process.execPath, [join(ROOT, 'tools/build-cli.mjs'), '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  const lines: BenchLine[] = [];
  for (const [label, env] of [
    ['compiled (dist/)', {}],
    ['from the sources (tsx)', { RIG_FROM_SOURCE: '1' }],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < CLI_RUNS; i++) {
      const t = performance.now();
      await run(process.execPath, [join(ROOT, 'bin/rig.mjs'), '--version'], { cwd: ROOT, env: { ...process.env, ...env } });
      times.push(performance.now() - t);
    }
    const med = quantile(times, 0.5) / 1000;
    lines.push({
      name: `CLI start, rig --version, ${label}`,
      value: round(med, 3),
      unit: 's',
      goal: '<= 0.25',
      met: med <= 0.25,
      note: `median of ${CLI_RUNS} (p95 ${round(quantile(times, 0.95) / 1000, 3)} s)`,
    });
  }
  return lines;
}

export interface ShellBenchOptions {
  /** The virtual boards' costs on for the flash (default true). */
  boardCosts?: boolean;
  log?: (line: string) => void;
}

/** Every line of this module, in order. */
export async function shellBenchLines(opts: ShellBenchOptions = {}): Promise<BenchLine[]> {
  const log = opts.log ?? (() => {});
  log('  round trips: sshd, dropbear');
  const rt = await roundTripLines();
  log('  flash with board costs');
  const fl = await flashLines(opts.boardCosts ?? true);
  log('  CLI start');
  return [...rt, ...fl, ...(await cliLines())];
}

export function formatLines(lines: BenchLine[]): string {
  return lines
    .map((l) => `${l.met === null ? '?' : l.met ? 'ok ' : 'MISS'} ${l.name}: ${l.value ?? 'unknown'} ${l.unit} (goal ${l.goal}) - ${l.note}`)
    .join('\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const lines = await shellBenchLines();
  console.log(process.argv.includes('--json') ? JSON.stringify(lines, null, 2) : formatLines(lines));
  process.exit(0);
}
