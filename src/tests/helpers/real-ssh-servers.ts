/**
 * Real SSH servers for tests: Debian's OpenSSH `sshd` and `dropbear`, started on a free
 * loopback port with throwaway keys and configuration in a temp folder, stopped by the
 * test (`stop()` in afterAll; it is safe to call twice and after a failed start).
 *
 * - sshd runs in the foreground (`-D -e -f CONFIG`): `UsePAM no`, `StrictModes no`,
 *   `AuthorizedKeysFile` and `PidFile` in the temp folder; `/run/sshd` (privilege
 *   separation) is created when missing. As root it accepts root; as another user, that user.
 * - Password logins need a password the test knows. Nothing on the machine is changed
 *   for that: sshd runs in a private mount namespace (`unshare --mount`) where a copy of
 *   /etc/shadow, with the password's crypt(3) hash for the login user, is bind-mounted
 *   over the real one. Needs root with CAP_SYS_ADMIN (`canUseMountNamespace()`).
 * - dropbear reads `~/.ssh/authorized_keys` of the user (no option for another path):
 *   it runs in such a namespace too, with a copy of /etc/passwd whose root home is in the
 *   temp folder. Needs root and mount namespaces.
 * - Every server gets `setpriv --pdeathsig TERM` when available, so it dies with the test
 *   process even if afterAll never runs.
 * - Waits are bounded: the port must answer with an SSH banner within `startTimeoutMs`,
 *   or the start fails with the server's own stderr.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface RealSshServer {
  readonly kind: 'sshd' | 'dropbear';
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The user to log in as (root when the tests run as root). */
  readonly user: string;
  /** The temp folder holding keys, config, logs. */
  readonly dir: string;
  /** Host keys as `type base64` public lines, first one first. */
  readonly hostKeys: { type: string; blob: Buffer; fingerprint: string; file: string }[];
  /** Everything the server wrote to stderr so far. */
  log(): string;
  /** Stop the server (TERM, then KILL after 3 s) and remove its temp folder. Idempotent. */
  stop(): Promise<void>;
}

export type HostKeyType = 'ed25519' | 'rsa' | 'ecdsa';

export interface SshdOptions {
  hostKeyTypes?: HostKeyType[];
  /** OpenSSH public key lines accepted for the login user. */
  authorizedKeys: string[];
  /** Enable password authentication with this password (needs `canUseMountNamespace()`). */
  password?: string;
  /** Extra sshd_config lines (e.g. `KexAlgorithms diffie-hellman-group1-sha1`). */
  config?: string[];
  /** Listen on this port (default: a free one). */
  port?: number;
  startTimeoutMs?: number;
  /**
   * The login user's shell (e.g. `/bin/sh`, as on a board), through a copy of
   * /etc/passwd bind-mounted in sshd's namespace (needs `canUseMountNamespace()`).
   * Default: the user's own (root's bash here, whose ~/.bashrc sshd sessions source).
   */
  loginShell?: string;
}

export interface DropbearOptions {
  hostKeyTypes?: HostKeyType[];
  authorizedKeys: string[];
  /** Extra dropbear arguments. */
  args?: string[];
  startTimeoutMs?: number;
}

const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Absolute path of a program, or undefined. */
export function findProgram(name: string): string | undefined {
  const dirs = [...SEARCH, ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export const SSHD = findProgram('sshd');
export const DROPBEAR = findProgram('dropbear');
const DROPBEARKEY = findProgram('dropbearkey');
const SSH_KEYGEN = findProgram('ssh-keygen');
const UNSHARE = findProgram('unshare');
const SETPRIV = findProgram('setpriv');
const PERL = findProgram('perl');

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

let nsCache: boolean | undefined;
/** Whether a private mount namespace with a bind mount works here (root with CAP_SYS_ADMIN). */
export function canUseMountNamespace(): boolean {
  if (nsCache !== undefined) return nsCache;
  if (!isRoot || !UNSHARE) return (nsCache = false);
  const r = spawnSync(UNSHARE, ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind /etc/hostname /etc/hostname'], {
    stdio: 'ignore',
    timeout: 5000,
  });
  return (nsCache = r.status === 0);
}

/** Why sshd tests cannot run here, or undefined when they can. */
export function sshdUnavailable(): string | undefined {
  if (!SSHD) return 'sshd not installed (apt-get install openssh-server)';
  if (!SSH_KEYGEN) return 'ssh-keygen not installed (apt-get install openssh-client)';
  return undefined;
}

/** Why dropbear tests cannot run here, or undefined when they can. */
export function dropbearUnavailable(): string | undefined {
  if (!DROPBEAR || !DROPBEARKEY) return 'dropbear not installed (apt-get install dropbear-bin)';
  if (!canUseMountNamespace()) return 'dropbear tests need root and mount namespaces (unshare --mount)';
  return undefined;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

function parsePublicLine(line: string): { type: string; blob: Buffer } {
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,2})/.exec(line.trim());
  if (!m) throw new Error(`not a public key line: ${line}`);
  return { type: m[1], blob: Buffer.from(m[2], 'base64') };
}

/** An OpenSSH host key pair in `dir` (ssh-keygen). */
export function sshKeygen(dir: string, type: HostKeyType, name: string): { file: string; type: string; blob: Buffer; fingerprint: string } {
  const file = join(dir, name);
  run(SSH_KEYGEN!, ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', `rig-test-${type}`, '-f', file]);
  const pub = parsePublicLine(readFileSync(`${file}.pub`, 'utf8'));
  return { file, ...pub, fingerprint: fingerprintOf(pub.blob) };
}

/** A crypt(3) SHA-512 hash of a password (perl's crypt; the password goes through stdin). */
function cryptHash(password: string): string {
  const salt = createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16);
  const out = run(PERL!, ['-e', `my $p = do { local $/; <STDIN> }; print crypt($p, q($6$${salt}$))`], password);
  if (!out.startsWith('$6$')) throw new Error('perl crypt() does not support SHA-512 hashes here');
  return out.trim();
}

function currentUser(): string {
  return isRoot ? 'root' : userInfo().username;
}

/** The command line that starts `argv` with the given bind mounts in a private mount namespace, and dies with us. */
function wrap(argv: string[], binds: [src: string, dst: string][]): string[] {
  const pdeath = SETPRIV && !process.env.NO_PDEATH ? [SETPRIV, '--pdeathsig', 'TERM', '--'] : [];
  if (binds.length === 0) return [...pdeath, ...argv];
  const mounts = binds.map(([s, d]) => `mount --bind '${s}' '${d}'`).join(' && ');
  return [UNSHARE!, '--mount', '--propagation', 'private', '--', 'sh', '-c', `${mounts} && exec "$@"`, 'sh', ...pdeath, ...argv];
}

/** Wait until the port answers with an SSH banner; fail early when the process exits. */
async function waitForBanner(port: number, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited before accepting connections:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect({ host: '127.0.0.1', port });
      const t = setTimeout(() => {
        sock.destroy();
        resolve(false);
      }, 1000);
      sock.once('data', (d: Buffer) => {
        clearTimeout(t);
        sock.destroy();
        resolve(d.toString('latin1').startsWith('SSH-'));
      });
      sock.once('error', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no SSH banner on 127.0.0.1:${port} within ${timeoutMs} ms:\n${log()}`);
}

function startProcess(argv: string[], dir: string): { child: ChildProcess; log: () => string } {
  let stderr = '';
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr += d;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  child.on('error', (e) => (stderr += `\nspawn error: ${e.message}`));
  return { child, log: () => stderr };
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    })());
}

/** Start Debian's OpenSSH sshd on a loopback port. */
export async function startSshd(opts: SshdOptions): Promise<RealSshServer> {
  const why = sshdUnavailable();
  if (why) throw new Error(why);
  if (opts.password !== undefined && !canUseMountNamespace()) throw new Error('password auth needs root and mount namespaces');
  const dir = mkdtempSync(join(tmpdir(), 'rig-sshd-'));
  const user = currentUser();
  try {
    const hostKeys = (opts.hostKeyTypes ?? ['ed25519']).map((t, i) => sshKeygen(dir, t, `host_${t}_${i}`));
    const ak = join(dir, 'authorized_keys');
    writeFileSync(ak, opts.authorizedKeys.map((k) => k.trim()).join('\n') + '\n', { mode: 0o600 });
    if (isRoot) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const port = opts.port ?? (await freePort());
    const config = [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      ...hostKeys.map((k) => `HostKey ${k.file}`),
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${ak}`,
      `StrictModes no`,
      `UsePAM no`,
      `PermitRootLogin yes`,
      `PubkeyAuthentication yes`,
      `PasswordAuthentication ${opts.password !== undefined ? 'yes' : 'no'}`,
      `KbdInteractiveAuthentication no`,
      `PermitEmptyPasswords no`,
      `MaxSessions 10`,
      `LogLevel VERBOSE`,
      `Subsystem sftp internal-sftp`,
      ...(opts.config ?? []),
    ];
    const cfg = join(dir, 'sshd_config');
    writeFileSync(cfg, config.join('\n') + '\n');
    const binds: [string, string][] = [];
    if (opts.loginShell !== undefined) {
      if (!canUseMountNamespace()) throw new Error('loginShell needs root and mount namespaces');
      const passwd = readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .map((l) => (l.startsWith(`${user}:`) ? l.split(':').map((f, i) => (i === 6 ? opts.loginShell : f)).join(':') : l))
        .join('\n');
      const file = join(dir, 'passwd');
      writeFileSync(file, passwd, { mode: 0o644 });
      binds.push([file, '/etc/passwd']);
    }
    if (opts.password !== undefined) {
      const hash = cryptHash(opts.password);
      const shadow = readFileSync('/etc/shadow', 'utf8')
        .split('\n')
        .map((l) => (l.startsWith(`${user}:`) ? l.split(':').map((f, i) => (i === 1 ? hash : f)).join(':') : l))
        .join('\n');
      const file = join(dir, 'shadow');
      writeFileSync(file, shadow, { mode: 0o600 });
      chmodSync(file, 0o600);
      binds.push([file, '/etc/shadow']);
    }
    // sshd re-executes itself: it must be started by absolute path.
    const { child, log } = startProcess(wrap([SSHD!, '-D', '-e', '-f', cfg], binds), dir);
    const stop = stopper(child, dir);
    try {
      await waitForBanner(port, child, log, opts.startTimeoutMs ?? 10_000);
    } catch (err) {
      await stop();
      throw err;
    }
    return { kind: 'sshd', host: '127.0.0.1', port, user, dir, hostKeys, log, stop };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Start Debian's dropbear on a loopback port (root and mount namespaces needed: see the top). */
export async function startDropbear(opts: DropbearOptions): Promise<RealSshServer> {
  const why = dropbearUnavailable();
  if (why) throw new Error(why);
  const dir = mkdtempSync(join(tmpdir(), 'rig-dropbear-'));
  try {
    const hostKeys = (opts.hostKeyTypes ?? ['ed25519']).map((t, i) => {
      const file = join(dir, `dropbear_${t}_${i}`);
      run(DROPBEARKEY!, ['-t', t, ...(t === 'rsa' ? ['-s', '2048'] : []), '-f', file]);
      const line = run(DROPBEARKEY!, ['-y', '-f', file])
        .split('\n')
        .find((l) => /^(ssh-|ecdsa-)/.test(l));
      if (!line) throw new Error(`dropbearkey -y printed no public key for ${file}`);
      const pub = parsePublicLine(line);
      return { file, ...pub, fingerprint: fingerprintOf(pub.blob) };
    });
    // root's home in a copy of /etc/passwd points into the temp folder: ~/.ssh/authorized_keys is ours.
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    chmodSync(home, 0o700);
    chmodSync(join(home, '.ssh'), 0o700);
    const ak = join(home, '.ssh', 'authorized_keys');
    writeFileSync(ak, opts.authorizedKeys.map((k) => k.trim()).join('\n') + '\n', { mode: 0o600 });
    const passwd = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => (l.startsWith('root:') ? l.split(':').map((f, i) => (i === 5 ? home : i === 6 ? '/bin/sh' : f)).join(':') : l))
      .join('\n');
    const passwdFile = join(dir, 'passwd');
    writeFileSync(passwdFile, passwd, { mode: 0o644 });
    const port = await freePort();
    const argv = [
      DROPBEAR!,
      '-F', // foreground
      '-E', // log to stderr
      '-s', // no password logins
      '-m', // no motd
      '-p', `127.0.0.1:${port}`,
      '-P', join(dir, 'dropbear.pid'),
      ...hostKeys.flatMap((k) => ['-r', k.file]),
      ...(opts.args ?? []),
    ];
    const { child, log } = startProcess(wrap(argv, [[passwdFile, '/etc/passwd']]), dir);
    const stop = stopper(child, dir);
    try {
      await waitForBanner(port, child, log, opts.startTimeoutMs ?? 10_000);
    } catch (err) {
      await stop();
      throw err;
    }
    return { kind: 'dropbear', host: '127.0.0.1', port, user: 'root', dir, hostKeys, log, stop };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Run the OpenSSH client (`ssh`) against a server: `-F /dev/null`, batch mode, never the user's own known_hosts. */
export function sshClientArgs(port: number, keyFile: string, knownHosts: string, ...extra: string[]): string[] {
  return [
    '-F', '/dev/null',
    '-p', String(port),
    '-i', keyFile,
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    ...extra,
  ];
}

/**
 * An inventory with one real (non-virtual) bench `lab` whose three boards are the given
 * servers, logging in with `keyFile` (or `extra.auth`). `device` fields
 * go to every device except those listed in `bare` (which get no host key settings).
 */
export function writeRealInventory(
  keyFile: string,
  dir: string,
  name: string,
  servers: Record<'ap1' | 'ap2' | 'client', RealSshServer>,
  device: Record<string, unknown>,
  bare: string[] = [],
  extra: { security?: Record<string, unknown>; auth?: Record<string, unknown> } = {},
): string {
  const dev = (n: 'ap1' | 'ap2' | 'client', role: string, wireless: Record<string, unknown>) => ({
    role,
    host: '127.0.0.1',
    port: servers[n].port,
    user: servers[n].user,
    auth: extra.auth ?? { keyFile },
    ...(bare.includes(n) ? {} : device),
    connectTimeoutS: 10,
    wireless,
  });
  const inv = {
    version: 1,
    defaultBench: 'lab',
    benches: {
      lab: {
        essid: 'rig-roam',
        security: extra.security ?? { mode: 'open' },
        devices: {
          ap1: dev('ap1', 'ap', { interface: 'ath0', radio: 'wifi0', channel: 1 }),
          ap2: dev('ap2', 'ap', { interface: 'ath0', radio: 'wifi0', channel: 6 }),
          client: dev('client', 'client', { interface: 'ath0', radio: 'wifi0' }),
        },
        attenuators: {
          att1: { model: 'RC4DAT-6G-95', protocol: 'http', address: '127.0.0.1:9', path: 'ap1', fixedLossDb: 40 },
          att2: { model: 'RC4DAT-6G-95', protocol: 'http', address: '127.0.0.1:9', channel: 2, path: 'ap2', fixedLossDb: 40 },
        },
        traffic: { target: '192.0.2.10', intervalS: 0.2 },
        profile: { stepDb: 2, stepDelayS: 1, range: { minDb: 10, maxDb: 60 }, roamTimeoutS: 90 },
        thresholds: { default: { maxMedianLostPerRoam: 6, maxLostPerRoam: 8, maxInvalidFraction: 0.1 } },
      },
    },
  };
  const file = join(dir, name);
  writeFileSync(file, stringify(inv));
  return file;
}
