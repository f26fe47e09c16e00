/**
 * What a board runs and has in flash, read over SSH with the commands every
 * madwifi board has: `uname -r`, `lsmod`, `dmesg`, and `sha256sum` (or `md5sum` where
 * busybox has no sha256sum) over the module folder.
 */
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

/** Read a board's firmware state (four commands on the open connection). */
export async function readFirmwareState(dev: DeviceShell, m: Manifest, target: string, timeoutMs: number, known?: { kernel: string; checksum: ChecksumTool }): Promise<FirmwareState> {
  const step = 'probe';
  const kernel = known?.kernel ?? (await runStep(dev, step, 'uname -r', { timeoutMs })).stdout.trim();
  if (!/^[A-Za-z0-9._+-]{1,64}$/.test(kernel)) throw new BenchError(`${dev.name}: step probe: unexpected \`uname -r\`: ${JSON.stringify(kernel)}`, { code: 'E_PARSE', subject: dev.name });
  const checksum = known?.checksum ?? (await checksumTool(dev, timeoutMs));
  const moduleDir = moduleDirFor(m, kernel);
  const loaded = await loadedModules(dev, m, step, timeoutMs);
  const seen = await banners(dev, m, step, timeoutMs);
  const paths = m.loadOrder.map((mod) => `${moduleDir}/${mod}.ko`);
  const sums = await remoteChecksums(dev, checksum, paths, step, timeoutMs);
  const persisted = Object.fromEntries(m.loadOrder.map((mod, i) => [mod, sums[paths[i]]]));
  const persistedVariant = variantByChecksums(m, target, Object.fromEntries(Object.entries(persisted).filter((e): e is [string, string] => e[1] !== null)), checksum);
  const allLoaded = m.loadOrder.every((mod) => loaded.includes(mod));
  const loadedVariant = allLoaded ? variantByBanners(m, seen) : null;
  const list = await runStep(dev, step, 'cat /etc/modules', { timeoutMs, allowFail: true });
  const moduleParams = list.exitCode === 0 ? parseModuleList(list.stdout, m.loadOrder) : {};
  return { device: dev.name, kernel, moduleDir, checksum, loaded, banners: seen, persisted, persistedVariant, loadedVariant, moduleParams };
}

