/**
 * `rig lab up` as a child process: start it, read the ports it prints, stop it.
 * Every wait is bounded; stop() always leaves no process behind (SIGINT, then SIGKILL).
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN, ROOT } from './cli.ts';

export interface LabDevice {
  port: number;
  key: string | null;
  user: string;
  host: string;
  fingerprint: string;
}

export interface LabAttenuator {
  host: string;
  httpPort: number;
  telnetPort: number | null;
}

export interface RunningLab {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  devices: Record<string, LabDevice>;
  attenuators: Record<string, LabAttenuator>;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  /** SIGINT (then SIGKILL after graceMs); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

const DEVICE_LINE = /^\s+(\S+)\s+ssh -p (\d+)(?: -i (\S+))? (\S+)@(\S+)\s+host key (SHA256:\S+)\s*$/;
const ATT_LINE = /^\s+(\S+)\s+http:\/\/([^:/\s]+):(\d+)\/:ATT\?(?:\s+telnet \S+ (\d+))?\s*$/;

/** Start `rig lab up ARGS` and wait (at most readyMs) until it printed "Ctrl-C stops it.". */
export async function startLabProcess(args: string[], readyMs = 30_000): Promise<RunningLab> {
  const child = spawn(process.execPath, [BIN, 'lab', 'up', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(t);
    return code;
  };
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), readyMs);
    const check = (): void => {
      if (out.includes('Ctrl-C stops it.')) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(out.includes('Ctrl-C stops it.'));
    });
    check();
  });
  if (!ready) {
    await stop(2000);
    throw new Error(`rig lab up ${args.join(' ')} was not ready within ${readyMs} ms\nstdout:\n${out}\nstderr:\n${err}`);
  }
  const devices: Record<string, LabDevice> = {};
  const attenuators: Record<string, LabAttenuator> = {};
  for (const line of out.split('\n')) {
    const d = DEVICE_LINE.exec(line);
    if (d) devices[d[1]] = { port: Number(d[2]), key: d[3] ?? null, user: d[4], host: d[5], fingerprint: d[6] };
    const a = ATT_LINE.exec(line);
    if (a) attenuators[a[1]] = { host: a[2], httpPort: Number(a[3]), telnetPort: a[4] ? Number(a[4]) : null };
  }
  return { child, stdout: () => out, stderr: () => err, devices, attenuators, exited, stop };
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program (no shell), bounded by timeoutMs; never rejects. */
export function execBounded(file: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: opts.timeoutMs ?? 20_000, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** The real OpenSSH client against a virtual board: key auth, no host key file, batch mode. */
export function openSsh(dev: LabDevice, command: string[], timeoutMs = 20_000): Promise<ExecResult> {
  return execBounded(
    '/usr/bin/ssh',
    [
      '-p', String(dev.port),
      ...(dev.key ? ['-i', dev.key] : []),
      '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'BatchMode=yes',
      '-o', 'LogLevel=ERROR',
      '-o', 'ConnectTimeout=10',
      `${dev.user}@${dev.host}`,
      ...command,
    ],
    { timeoutMs },
  );
}
