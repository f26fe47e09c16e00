/**
 * What a board runs and has in flash, read over SSH with the commands every
 * madwifi board has: `uname -r`, `lsmod`, `dmesg`, and `sha256sum` (or `md5sum` where
 * busybox has no sha256sum) over the module folder.
 */
import { randomBytes } from 'node:crypto';
import { BenchError } from '../errors.ts';
import { parseLsmod } from '../controllers/madwifi/parse.ts';
import { shellCommand } from '../controllers/ssh/quote.ts';
import type { DeviceShell, ExecResult } from '../controllers/ssh/types.ts';
import { moduleDirFor, variantByBanners, variantByChecksums, type Manifest } from '../firmware/manifest.ts';

export type ChecksumTool = 'sha256' | 'md5';

/** The firmware state of one board. */
export interface FirmwareState {
  device: string;
  /** `uname -r`. */
  kernel: string;
  moduleDir: string;
  checksum: ChecksumTool;
  /** madwifi modules loaded, in load order (lsmod lists the newest first). */
  loaded: string[];
  /** The last banner line each module printed (dmesg), for the modules the manifest knows. */
  banners: Record<string, string>;
  /** Checksum of each module file in the module folder (null: missing). */
  persisted: Record<string, string | null>;
  /** The variant whose files are in flash, if the files are exactly one variant's. */
  persistedVariant: string | null;
  /** The variant running: every module loaded and the banners of exactly one variant. */
  loadedVariant: string | null;
  /** Module parameters the board loads its modules with at boot (/etc/modules), e.g. ath_pci: ['autocreate=ap']. */
  moduleParams: Record<string, string[]>;
}

/** `name [param=value ...]` lines (/etc/modules), for the modules the manifest knows. */
export function parseModuleList(text: string, modules: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, ...params] = line.split(/\s+/);
    if (modules.includes(name) && params.every((p) => /^[A-Za-z0-9_]+=[A-Za-z0-9_.,:-]*$/.test(p))) out[name] = params;
  }
  return out;
}

/** Run a command; a non-zero exit (unless allowed) or a timeout is a BenchError naming the device and the step. */
export async function runStep(
  dev: DeviceShell,
  step: string,
  command: string,
  opts: { timeoutMs: number; stdin?: string | Buffer; allowFail?: boolean },
): Promise<ExecResult> {
  const r = await dev.exec(command, { timeoutMs: opts.timeoutMs, stdin: opts.stdin });
  const shown = command.length > 100 ? `${command.slice(0, 90)} ...` : command;
  if (r.timedOut) throw new BenchError(`${dev.name}: step ${step}: \`${shown}\` timed out after ${opts.timeoutMs} ms`, { code: 'E_COMMAND_TIMEOUT', subject: dev.name });
  if (r.exitCode !== 0 && !opts.allowFail) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ');
    throw new BenchError(`${dev.name}: step ${step}: \`${shown}\` failed (exit ${r.exitCode ?? r.signal}): ${why}`, { code: 'E_COMMAND', subject: dev.name });
  }
  return r;
}

/** `<hex>  <path>` lines of sha256sum/md5sum (GNU and busybox alike); path -> hex. */
export function parseChecksums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\\?([0-9a-fA-F]{32,64})\s[ *]?(.+?)\r?$/.exec(line);
    if (m) out.set(m[2], m[1].toLowerCase());
  }
  return out;
}

/** Strip the kernel log's `<6>` level and `[   12.345678]` time prefixes. */
function dmesgText(line: string): string {
  return line.replace(/^<\d>/, '').replace(/^\[\s*\d+\.\d+\]\s?/, '');
}

/** The last banner (`<module>: <version> (...)`) of each module still loaded per the log (a later "driver unloaded" clears it). */
export function parseBanners(dmesg: string, modules: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of dmesg.split('\n')) {
    const line = dmesgText(raw.replace(/\r$/, ''));
    const colon = line.indexOf(': ');
    if (colon < 0) continue;
    const mod = line.slice(0, colon);
    if (!modules.includes(mod)) continue;
    const rest = line.slice(colon + 2);
    if (rest === 'driver unloaded') delete out[mod];
    else if (/^\d[\w.]* \(/.test(rest)) out[mod] = line;
  }
  return out;
}

/** Which checksum tool the board has: sha256sum, else md5sum (busybox), else a BenchError. */
export async function checksumTool(dev: DeviceShell, timeoutMs: number): Promise<ChecksumTool> {
  const sha = await dev.exec('sha256sum < /dev/null', { timeoutMs });
  if (sha.exitCode === 0 && /^[0-9a-f]{64}\b/.test(sha.stdout)) return 'sha256';
  const md5 = await dev.exec('md5sum < /dev/null', { timeoutMs });
  if (md5.exitCode === 0 && /^[0-9a-f]{32}\b/.test(md5.stdout)) return 'md5';
  throw new BenchError(`${dev.name}: step probe: the board has neither sha256sum nor md5sum; cannot verify an upload`, { code: 'E_NO_CHECKSUM', subject: dev.name });
}

/** Checksums of files on the board (path -> hex, null when missing). */
export async function remoteChecksums(dev: DeviceShell, tool: ChecksumTool, paths: string[], step: string, timeoutMs: number): Promise<Record<string, string | null>> {
  const r = await runStep(dev, step, shellCommand([`${tool}sum`, ...paths]), { timeoutMs, allowFail: true });
  if (r.exitCode !== 0 && r.exitCode !== 1) {
    throw new BenchError(`${dev.name}: step ${step}: ${tool}sum failed (exit ${r.exitCode ?? r.signal}): ${r.stderr.trim().split('\n')[0] ?? ''}`, { code: 'E_COMMAND', subject: dev.name });
  }
  const sums = parseChecksums(r.stdout);
  return Object.fromEntries(paths.map((p) => [p, sums.get(p) ?? null]));
}

/** One part of a command line run by runParts: its stdout and exit status. */
export interface PartResult {
  stdout: string;
  exitCode: number;
}

/**
 * Several commands in one command line (one round trip on a slow board): each part runs
 * whatever the status of the one before, and is followed by a line with a random marker
 * and its exit status, so each part's output and status stay apart and checkable.
 * stderr is shared (for messages); a timeout is a BenchError naming the device and step.
 */
export async function runParts(dev: DeviceShell, step: string, parts: string[], timeoutMs: number): Promise<{ parts: PartResult[]; stderr: string }> {
  const marker = `rig-part-${randomBytes(6).toString('hex')}`;
  // The marker on a line of its own even after output without a final newline (the echo's newline is taken off again).
  const line = parts.map((p) => `${p}; s=$?; echo; echo "${marker} $s"`).join('; ');
  const r = await runStep(dev, step, line, { timeoutMs, allowFail: true });
  const out: PartResult[] = [];
  let rest = r.stdout;
  for (let i = 0; i < parts.length; i++) {
    const m = new RegExp(`\\n${marker} (\\d+)\\n`).exec(rest);
    if (!m) {
      throw new BenchError(`${dev.name}: step ${step}: \`${parts[i].slice(0, 60)}\` gave no status (exit ${r.exitCode ?? r.signal}): ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`, { code: 'E_COMMAND', subject: dev.name });
    }
    out.push({ stdout: rest.slice(0, m.index), exitCode: Number(m[1]) });
    rest = rest.slice(m.index + m[0].length);
  }
  return { parts: out, stderr: r.stderr };
}

function partOk(dev: DeviceShell, step: string, what: string, p: PartResult, stderr: string): string {
  if (p.exitCode !== 0) {
    throw new BenchError(`${dev.name}: step ${step}: \`${what}\` failed (exit ${p.exitCode}): ${stderr.trim().split('\n').slice(-2).join(' / ')}`, { code: 'E_COMMAND', subject: dev.name });
  }
  return p.stdout;
}

export function lsmodModules(dev: DeviceShell, m: Manifest, step: string, text: string): string[] {
  let entries;
  try {
    entries = parseLsmod(text);
  } catch (err) {
    throw new BenchError(`${dev.name}: step ${step}: ${(err as Error).message}`, { code: 'E_PARSE', subject: dev.name });
  }
  return entries
    .map((e) => e.name)
    .filter((n) => Object.hasOwn(m.modules, n) || /^(ath_|wlan)/.test(n))
    .reverse();
}

/** Loaded modules and the banners after them, in one round trip (`lsmod`, `dmesg`). */
export async function loadedAndBanners(dev: DeviceShell, m: Manifest, step: string, timeoutMs: number): Promise<{ loaded: string[]; banners: Record<string, string> }> {
  const r = await runParts(dev, step, ['lsmod', 'dmesg'], timeoutMs);
  return {
    loaded: lsmodModules(dev, m, step, partOk(dev, step, 'lsmod', r.parts[0], r.stderr)),
    banners: parseBanners(partOk(dev, step, 'dmesg', r.parts[1], r.stderr), Object.keys(m.modules)),
  };
}

/** What a board runs, without what is in flash: FirmwareState less its checksums of flash. */
export type BoardProbe = Omit<FirmwareState, 'persisted' | 'persistedVariant'>;

/**
 * `uname -r`, the checksum tool, `lsmod`, `dmesg` and /etc/modules in one command line
 * (one round trip; each part's status checked as if run alone).
 */
export async function probeBoard(dev: DeviceShell, m: Manifest, timeoutMs: number): Promise<BoardProbe> {
  const step = 'probe';
  const r = await runParts(dev, step, ['uname -r', 'sha256sum < /dev/null', 'md5sum < /dev/null', 'lsmod', 'dmesg', 'cat /etc/modules'], timeoutMs);
  const [uname, sha, md5, lsmod, dmesg, modules] = r.parts;
  const kernel = partOk(dev, step, 'uname -r', uname, r.stderr).trim();
  if (!/^[A-Za-z0-9._+-]{1,64}$/.test(kernel)) throw new BenchError(`${dev.name}: step probe: unexpected \`uname -r\`: ${JSON.stringify(kernel)}`, { code: 'E_PARSE', subject: dev.name });
  let checksum: ChecksumTool;
  if (sha.exitCode === 0 && /^[0-9a-f]{64}\b/.test(sha.stdout)) checksum = 'sha256';
  else if (md5.exitCode === 0 && /^[0-9a-f]{32}\b/.test(md5.stdout)) checksum = 'md5';
  else throw new BenchError(`${dev.name}: step probe: the board has neither sha256sum nor md5sum; cannot verify an upload`, { code: 'E_NO_CHECKSUM', subject: dev.name });
  const loaded = lsmodModules(dev, m, step, partOk(dev, step, 'lsmod', lsmod, r.stderr));
  const seen = parseBanners(partOk(dev, step, 'dmesg', dmesg, r.stderr), Object.keys(m.modules));
  const allLoaded = m.loadOrder.every((mod) => loaded.includes(mod));
  return {
    device: dev.name,
    kernel,
    moduleDir: moduleDirFor(m, kernel),
    checksum,
    loaded,
    banners: seen,
    loadedVariant: allLoaded ? variantByBanners(m, seen) : null,
    moduleParams: modules.exitCode === 0 ? parseModuleList(modules.stdout, m.loadOrder) : {},
  };
}

/** The flash side of a probe from checksums of the module folder's files (module -> hex or null). */
export function withFlash(m: Manifest, target: string, probe: BoardProbe, persisted: Record<string, string | null>): FirmwareState {
  const persistedVariant = variantByChecksums(m, target, Object.fromEntries(Object.entries(persisted).filter((e): e is [string, string] => e[1] !== null)), probe.checksum);
  return { ...probe, persisted, persistedVariant };
}

/** The module folder's files of the load order, as paths. */
export function flashPaths(m: Manifest, probe: BoardProbe): string[] {
  return m.loadOrder.map((mod) => `${probe.moduleDir}/${mod}.ko`);
}

/** Loaded madwifi modules, in load order. */
export async function loadedModules(dev: DeviceShell, m: Manifest, step: string, timeoutMs: number): Promise<string[]> {
  const r = await runStep(dev, step, 'lsmod', { timeoutMs });
  let entries;
  try {
    entries = parseLsmod(r.stdout);
  } catch (err) {
    throw new BenchError(`${dev.name}: step ${step}: ${(err as Error).message}`, { code: 'E_PARSE', subject: dev.name });
  }
  return entries
    .map((e) => e.name)
    .filter((n) => Object.hasOwn(m.modules, n) || /^(ath_|wlan)/.test(n))
    .reverse();
}

export async function banners(dev: DeviceShell, m: Manifest, step: string, timeoutMs: number): Promise<Record<string, string>> {
  const r = await runStep(dev, step, 'dmesg', { timeoutMs });
  return parseBanners(r.stdout, Object.keys(m.modules));
}

/** Read a board's firmware state: probeBoard, then the checksums of the module folder (two round trips). */
export async function readFirmwareState(dev: DeviceShell, m: Manifest, target: string, timeoutMs: number): Promise<FirmwareState> {
  const probe = await probeBoard(dev, m, timeoutMs);
  const paths = flashPaths(m, probe);
  const sums = await remoteChecksums(dev, probe.checksum, paths, 'probe', timeoutMs);
  return withFlash(m, target, probe, Object.fromEntries(m.loadOrder.map((mod, i) => [mod, sums[paths[i]]])));
}
