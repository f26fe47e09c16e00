/**
 * Flashing a madwifi variant onto a board, over its SSH connection, in steps that can
 * each fail and be named:
 *
 *   check-local    the variant's module files (and patches) match the manifest
 *   probe          uname -r, checksum tool, lsmod, dmesg banners, checksums in flash
 *                  (same variant loaded and in flash: done, nothing touched)
 *   upload         files that differ from flash go to the staging folder (SFTP, or
 *                  `cat >` over exec), then
 *   verify-upload  their checksums on the board (one re-upload of a bad file)
 *   stop           wpa_supplicant / hostapd stopped, VAP down and destroyed
 *   unload         madwifi modules removed, newest first
 *   load           the variant's modules inserted in load order (staged or from flash)
 *   verify-load    all loaded, and dmesg shows exactly the variant's banners
 *   persist        the staged files copied into the module folder (so a reboot keeps
 *                  the variant), then
 *   verify-persist their checksums there
 *   restore        the caller's hook: recreate the VAP, restore the configuration
 *
 * Nothing is written to flash before the new modules loaded and showed the right
 * banners: a board that loses power during a flash boots its last good variant.
 * Any failure: roll back to the last known good variant (the one running before,
 * else the one in flash), the same way, and throw a FlashError (a BenchError, exit
 * 3) naming the device, the step and the outcome of the rollback.
 */
import { performance } from 'node:perf_hooks';
import { BenchError } from '../errors.ts';
import type { SshDevice } from '../controllers/ssh/ssh-device.ts';
import { shellCommand, shellQuote } from '../controllers/ssh/quote.ts';
import { loadManifest, moduleFiles, verifyLocalFiles, type Manifest, type ModuleFile } from '../firmware/manifest.ts';
import { banners, loadedModules, readFirmwareState, remoteChecksums, runStep, type ChecksumTool, type FirmwareState } from './board.ts';
import { openUploader, type TransferMode, type Uploader } from './transfer.ts';

export type FlashStep =
  | 'check-local'
  | 'probe'
  | 'upload'
  | 'verify-upload'
  | 'stop'
  | 'unload'
  | 'load'
  | 'verify-load'
  | 'persist'
  | 'verify-persist'
  | 'restore'
  | 'cleanup'
  | 'reconnect';

export interface FlashProgress {
  device: string;
  step: FlashStep;
  /** The variant being installed (the last good one during a rollback). */
  variant: string;
  rollback: boolean;
  message: string;
}

export interface FlashOptions {
  variant: string;
  /** Manifest target whose module files go on this board (`virtual` on the virtual rig). */
  target: string;
  manifest?: Manifest;
  /** The VAP to take down before unloading (e.g. ath0). */
  iface: string;
  /** insmod parameters per module (default: what the board's /etc/modules says, e.g. ath_pci autocreate=ap). */
  moduleParams?: Record<string, string[]>;
  /** Daemons that hold the VAP (default wpa_supplicant and hostapd). */
  daemons?: string[];
  /** Per command (default 20 s). */
  commandTimeoutMs?: number;
  /** auto (default): SFTP when the board offers it, else `cat >` over exec. */
  transfer?: 'auto' | TransferMode;
  /** Reload (and re-upload what differs) even when the variant is already loaded and in flash. */
  force?: boolean;
  /** After the modules are loaded (and after a rollback): recreate the VAP, restore the configuration. */
  restore?: (device: SshDevice) => Promise<void>;
  /** A new connection to the same board (used when the board went away during the flash, e.g. rebooted). */
  reconnect?: () => Promise<SshDevice>;
  onProgress?: (e: FlashProgress) => void;
  log?: (message: string) => void;
}

export interface FlashResult {
  device: string;
  /** What the board runs now: the variant asked for. */
  variant: string;
  /** What it ran before (null: not a known variant). */
  previous: string | null;
  /** unchanged: already loaded and in flash; reloaded: files were in flash already; flashed: files uploaded. */
  action: 'unchanged' | 'reloaded' | 'flashed';
  /** Module files uploaded (remote names). */
  uploaded: string[];
  transfer: TransferMode | null;
  checksum: ChecksumTool;
  /** The banners seen after loading (module -> dmesg line). */
  banners: Record<string, string>;
  /** Modules loaded afterwards, in load order. */
  modules: string[];
  durationMs: number;
  steps: { step: FlashStep; ms: number }[];
  /** The live connection (a new one when the board had to be reconnected). */
  connection: SshDevice;
}

/** A flash that failed: which device, which step; whether the board is back on its last good variant. */
export class FlashError extends BenchError {
  constructor(
    message: string,
    readonly device: string,
    readonly step: FlashStep,
    readonly variant: string,
    /** The variant the board was rolled back to and verified on; null: no rollback (see rollbackError). */
    readonly rolledBackTo: string | null,
    readonly rollbackError: string | null,
    readonly connection: SshDevice | null,
    cause?: unknown,
  ) {
    super(message, { code: 'E_FLASH', subject: device, cause });
    this.name = 'FlashError';
  }
}

/** An error inside a step, tagged with the step. */
class StepFailure extends Error {
  constructor(
    readonly step: FlashStep,
    readonly inner: unknown,
  ) {
    super(inner instanceof Error ? inner.message : String(inner));
  }
}

const DEFAULT_TIMEOUT_MS = 20_000;

interface Ctx {
  dev: SshDevice;
  m: Manifest;
  o: FlashOptions;
  timeoutMs: number;
  uploader: Uploader | null;
  steps: { step: FlashStep; ms: number }[];
  uploaded: string[];
  rollback: boolean;
  variant: string;
  /** The VAP and modules were touched (the stop step started): the configuration needs restoring. */
  touched: boolean;
  /** Staging files written (removed at the end). */
  staged: Set<string>;
}

function progress(c: Ctx, step: FlashStep, message: string): void {
  c.o.onProgress?.({ device: c.dev.name, step, variant: c.variant, rollback: c.rollback, message });
}

async function step<T>(c: Ctx, name: FlashStep, body: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await body();
  } catch (err) {
    throw err instanceof StepFailure ? err : new StepFailure(name, err);
  } finally {
    c.steps.push({ step: name, ms: Math.round((performance.now() - t) * 10) / 10 });
  }
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));
/** An inner error's text without the "<device>: step <x>: " its message starts with (the FlashError says both). */
const inner = (device: string, err: unknown): string => describe(err).replace(new RegExp(`^${device.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (step [a-z-]+: )?`), '');

/**
 * Install `variant` on a board whose state is `state`: upload what differs, reload,
 * verify, persist, restore. Used for the flash and for the rollback alike.
 */
async function install(c: Ctx, state: FirmwareState, files: ModuleFile[], local: Map<string, Buffer>): Promise<{ banners: Record<string, string>; modules: string[] }> {
  const { dev, m, timeoutMs } = c;
  const algo = state.checksum;
  const staging = m.stagingDir;
  const differs = files.filter((f) => state.persisted[f.module] !== f[algo]);

  if (differs.length > 0) {
    await step(c, 'upload', async () => {
      await runStep(dev, 'upload', shellCommand(['mkdir', '-p', staging]), { timeoutMs });
      c.uploader ??= await openUploader(dev, c.o.transfer ?? 'auto', timeoutMs, c.o.log ?? (() => {}));
      let i = 0;
      for (const f of differs) {
        i++;
        progress(c, 'upload', `${f.remoteName} (${i}/${differs.length}, ${f.size} bytes, ${c.uploader.mode})`);
        c.staged.add(`${staging}/${f.remoteName}`);
        await c.uploader.upload(`${staging}/${f.remoteName}`, local.get(f.module) as Buffer);
        c.uploaded.push(f.remoteName);
      }
    });
    await step(c, 'verify-upload', async () => {
      const check = async (list: ModuleFile[]): Promise<ModuleFile[]> => {
        const sums = await remoteChecksums(dev, algo, list.map((f) => `${staging}/${f.remoteName}`), 'verify-upload', timeoutMs);
        return list.filter((f) => sums[`${staging}/${f.remoteName}`] !== f[algo]);
      };
      let bad = await check(differs);
      if (bad.length > 0) {
        progress(c, 'verify-upload', `${bad.map((f) => f.remoteName).join(', ')}: ${algo} mismatch on the board; uploading again`);
        for (const f of bad) {
          await (c.uploader as Uploader).upload(`${staging}/${f.remoteName}`, local.get(f.module) as Buffer);
          c.uploaded.push(f.remoteName);
        }
        bad = await check(bad);
      }
      if (bad.length > 0) {
        throw new BenchError(`${dev.name}: step verify-upload: ${bad.map((f) => f.remoteName).join(', ')}: ${algo} on the board does not match the manifest after two uploads (corrupted transfer or storage)`, {
          code: 'E_CHECKSUM',
          subject: dev.name,
        });
      }
      progress(c, 'verify-upload', `${differs.length} file(s) verified (${algo})`);
    });
  }

  await step(c, 'stop', async () => {
    c.touched = true;
    const daemons = c.o.daemons ?? ['wpa_supplicant', 'hostapd'];
    progress(c, 'stop', `stopping ${daemons.join(', ')}; ${c.o.iface} down and destroyed`);
    // One command line (each part may fail: nothing running, no VAP); unload checks what is left.
    const parts = [...daemons.map((d) => shellCommand(['killall', d])), shellCommand(['ifconfig', c.o.iface, 'down']), shellCommand(['wlanconfig', c.o.iface, 'destroy'])];
    await runStep(dev, 'stop', parts.map((x) => `${x} > /dev/null 2>&1`).join('; '), { timeoutMs, allowFail: true });
  });

  await step(c, 'unload', async () => {
    const loaded = await loadedModules(dev, m, 'unload', timeoutMs);
    if (loaded.length > 0) {
      // Newest first, stopping at the first failure; one command line (one round trip on a slow board).
      const mods = [...loaded].reverse();
      progress(c, 'unload', `rmmod ${mods.join(' ')}`);
      await runStep(dev, 'unload', mods.map((mod) => shellCommand(['rmmod', mod])).join(' && '), { timeoutMs });
    }
    const left = await loadedModules(dev, m, 'unload', timeoutMs);
    if (left.length > 0) throw new BenchError(`${dev.name}: step unload: still loaded after rmmod: ${left.join(', ')}`, { code: 'E_UNLOAD', subject: dev.name });
  });

  const staged = new Set(differs.map((f) => f.module));
  await step(c, 'load', async () => {
    // In load order, stopping at the first failure (its insmod error names the file); one command line.
    const commands = files.map((f) => {
      const path = staged.has(f.module) ? `${staging}/${f.remoteName}` : `${state.moduleDir}/${f.remoteName}`;
      const params = c.o.moduleParams?.[f.module] ?? state.moduleParams[f.module] ?? [];
      return shellCommand(['insmod', path, ...params]);
    });
    for (const command of commands) progress(c, 'load', command);
    await runStep(dev, 'load', commands.join(' && '), { timeoutMs });
  });

  const verified = await step(c, 'verify-load', async () => {
    const modules = await loadedModules(dev, m, 'verify-load', timeoutMs);
    const missing = m.loadOrder.filter((mod) => !modules.includes(mod));
    if (missing.length > 0) throw new BenchError(`${dev.name}: step verify-load: not loaded: ${missing.join(', ')}`, { code: 'E_VERIFY', subject: dev.name });
    const seen = await banners(dev, m, 'verify-load', timeoutMs);
    const expected = m.variants[c.variant].banners;
    const wrong = Object.entries(expected).filter(([mod, line]) => seen[mod] !== line);
    if (wrong.length > 0) {
      throw new BenchError(
        `${dev.name}: step verify-load: the loaded modules are not ${c.variant}: ` +
          wrong.map(([mod, line]) => `${mod} printed ${seen[mod] ? `"${seen[mod]}"` : 'no banner'}, expected "${line}"`).join('; '),
        { code: 'E_VERIFY', subject: dev.name },
      );
    }
    progress(c, 'verify-load', `${c.variant} loaded: ${Object.values(expected).filter((l) => !l.startsWith('ath_hal')).join(', ')}`);
    return { banners: Object.fromEntries(Object.keys(expected).map((k) => [k, seen[k]])), modules };
  });

  if (differs.length > 0) {
    await step(c, 'persist', async () => {
      progress(c, 'persist', `${differs.length} file(s) into ${state.moduleDir}`);
      const parts: string[] = [];
      for (const f of differs) {
        const dst = `${state.moduleDir}/${f.remoteName}`;
        parts.push(`cp ${shellQuote(`${staging}/${f.remoteName}`)} ${shellQuote(`${dst}.rig-new`)}`, `mv ${shellQuote(`${dst}.rig-new`)} ${shellQuote(dst)}`);
      }
      await runStep(dev, 'persist', shellCommand(['mkdir', '-p', state.moduleDir]), { timeoutMs });
      await runStep(dev, 'persist', [...parts, 'sync'].join(' && '), { timeoutMs });
    });
    await step(c, 'verify-persist', async () => {
      const sums = await remoteChecksums(dev, algo, files.map((f) => `${state.moduleDir}/${f.remoteName}`), 'verify-persist', timeoutMs);
      const bad = files.filter((f) => sums[`${state.moduleDir}/${f.remoteName}`] !== f[algo]);
      if (bad.length > 0) throw new BenchError(`${dev.name}: step verify-persist: ${bad.map((f) => f.remoteName).join(', ')} in ${state.moduleDir} do not match ${c.variant}`, { code: 'E_CHECKSUM', subject: dev.name });
    });
  }

  if (c.o.restore) {
    await step(c, 'restore', async () => {
      progress(c, 'restore', 'recreating the VAP and restoring the configuration');
      await (c.o.restore as (d: SshDevice) => Promise<void>)(dev);
    });
  }

  await cleanup(c);
  return verified;
}

/** Remove what was staged (tmpfs: a leftover is harmless, so errors are ignored). */
async function cleanup(c: Ctx): Promise<void> {
  if (c.staged.size === 0 || !c.dev.connected) return;
  const paths = [...c.staged];
  c.staged.clear();
  await step(c, 'cleanup', () => runStep(c.dev, 'cleanup', shellCommand(['rm', '-f', ...paths]), { timeoutMs: c.timeoutMs, allowFail: true })).catch(() => {});
}

/** Flash `opts.variant` onto one board. Throws ConfigError (local files) or FlashError (the board). */
export async function flashDevice(device: SshDevice, opts: FlashOptions): Promise<FlashResult> {
  const t0 = performance.now();
  const m = opts.manifest ?? loadManifest();
  const timeoutMs = opts.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const c: Ctx = { dev: device, m, o: opts, timeoutMs, uploader: null, steps: [], uploaded: [], rollback: false, variant: opts.variant, touched: false, staged: new Set() };

  // Local files first: a ConfigError here touches no board.
  let local: Map<string, Buffer>;
  {
    const t = performance.now();
    local = verifyLocalFiles(m, opts.variant, opts.target);
    c.steps.push({ step: 'check-local', ms: Math.round((performance.now() - t) * 10) / 10 });
  }
  const files = moduleFiles(m, opts.variant, opts.target);

  let state: FirmwareState;
  try {
    state = await step(c, 'probe', () => readFirmwareState(device, m, opts.target, timeoutMs));
  } catch (err) {
    const f = err as StepFailure;
    throw new FlashError(`${device.name}: flashing ${opts.variant} failed at step probe (${inner(device.name, f.inner)}); nothing was changed`, device.name, 'probe', opts.variant, null, null, device, f.inner);
  }
  progress(c, 'probe', `running ${state.loadedVariant ?? 'no known variant'}, flash holds ${state.persistedVariant ?? 'no known variant'} (${state.checksum}sum)`);
  const previous = state.loadedVariant;
  const lastGood = state.loadedVariant ?? state.persistedVariant;

  const result = (action: FlashResult['action'], b: Record<string, string>, modules: string[]): FlashResult => ({
    device: device.name,
    variant: opts.variant,
    previous,
    action,
    uploaded: c.uploaded,
    transfer: c.uploader?.mode ?? null,
    checksum: state.checksum,
    banners: b,
    modules,
    durationMs: Math.round(performance.now() - t0),
    steps: c.steps,
    connection: c.dev,
  });

  if (!opts.force && state.loadedVariant === opts.variant && state.persistedVariant === opts.variant) {
    progress(c, 'probe', `${opts.variant} is already loaded and in flash: nothing to do`);
    const expected = m.variants[opts.variant].banners;
    return result('unchanged', Object.fromEntries(Object.keys(expected).map((k) => [k, state.banners[k]])), state.loaded);
  }

  try {
    const v = await install(c, state, files, local);
    c.uploader?.close();
    return result(c.uploaded.length > 0 ? 'flashed' : 'reloaded', v.banners, v.modules);
  } catch (err) {
    c.uploader?.close();
    c.uploader = null;
    const failure = err instanceof StepFailure ? err : new StepFailure('probe', err);
    throw await rollback(c, failure, lastGood);
  }
}

/** Put the board back on `lastGood` after `failure`; returns the FlashError to throw. */
async function rollback(c: Ctx, failure: StepFailure, lastGood: string | null): Promise<FlashError> {
  const { o } = c;
  const name = c.dev.name;
  const what = `${name}: flashing ${o.variant} failed at step ${failure.step} (${inner(name, failure.inner)})`;
  const fail = (rolledBackTo: string | null, rollbackError: string | null, text: string): FlashError =>
    new FlashError(`${what}; ${text}`, name, failure.step, o.variant, rolledBackTo, rollbackError, c.dev, failure.inner);
  if (lastGood === null) return fail(null, 'no known good variant', 'not rolled back: the board ran no known variant before');

  c.rollback = true;
  c.variant = lastGood;
  c.uploaded = [];
  progress(c, failure.step, `failed: ${inner(name, failure.inner)}; rolling back to ${lastGood}`);
  try {
    if (!c.dev.connected) {
      if (!o.reconnect) {
        return fail(null, 'connection lost', `connection lost and no way to reconnect given: not rolled back (the board keeps ${lastGood} in flash unless the persist step had started)`);
      }
      await step(c, 'reconnect', async () => {
        progress(c, 'reconnect', 'connection lost (rebooted?); reconnecting');
        c.dev = await (o.reconnect as () => Promise<SshDevice>)();
      });
    }
    let local: Map<string, Buffer>;
    try {
      local = verifyLocalFiles(c.m, lastGood, o.target);
    } catch (err) {
      return fail(null, describe(err), `cannot roll back to ${lastGood}: its local files are not usable`);
    }
    const files = moduleFiles(c.m, lastGood, o.target);
    const state = await step(c, 'probe', () => readFirmwareState(c.dev, c.m, o.target, c.timeoutMs));
    let verified: Record<string, string>;
    if (state.loadedVariant === lastGood && state.persistedVariant === lastGood) {
      // Nothing to reload: the failure came before anything was unloaded, or the board rebooted into it.
      verified = state.banners;
      if (c.touched && o.restore) {
        progress(c, 'restore', 'recreating the VAP and restoring the configuration');
        await step(c, 'restore', () => (o.restore as (d: SshDevice) => Promise<void>)(c.dev));
      }
      await cleanup(c);
    } else {
      verified = (await install(c, state, files, local)).banners;
    }
    c.uploader?.close();
    const shown = Object.entries(c.m.variants[lastGood].banners)
      .filter(([mod]) => mod !== 'ath_hal')
      .map(([mod]) => verified[mod])
      .join(', ');
    progress(c, 'verify-load', `rolled back to ${lastGood}`);
    return fail(lastGood, null, `rolled back to ${lastGood} (verified: ${shown})`);
  } catch (err) {
    c.uploader?.close();
    const f = err instanceof StepFailure ? err : new StepFailure('probe', err);
    return fail(null, `${f.step}: ${inner(name, f.inner)}`, `rollback to ${lastGood} failed too at step ${f.step} (${inner(name, f.inner)}): the board needs a look`);
  }
}

/** What a board runs now (for run records): variant loaded, variant in flash, banners, modules. */
export async function identifyFirmware(device: SshDevice, opts: { target: string; manifest?: Manifest; commandTimeoutMs?: number }): Promise<FirmwareState> {
  return readFirmwareState(device, opts.manifest ?? loadManifest(), opts.target, opts.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS);
}

export interface FlashManyOptions extends Omit<FlashOptions, 'iface' | 'restore' | 'reconnect'> {
  /** Per device: the VAP interface, the restore hook, the reconnect. */
  perDevice: (name: string) => Pick<FlashOptions, 'iface' | 'restore' | 'reconnect' | 'daemons' | 'commandTimeoutMs' | 'moduleParams'>;
  /**
   * When one device fails, put the ones that were flashed back on what they ran before,
   * so the bench never runs mixed variants (default true).
   */
  atomic?: boolean;
}

/**
 * Flash several boards at once (in parallel, one connection each). All succeed, or a
 * FlashError for the first failure (the others' outcomes in its message); with `atomic`
 * the boards that were flashed go back to their previous variant.
 */
export async function flashDevices(devices: Record<string, SshDevice>, opts: FlashManyOptions): Promise<Record<string, FlashResult>> {
  const manifest = opts.manifest ?? loadManifest();
  const names = Object.keys(devices);
  const settled = await Promise.allSettled(names.map((n) => flashDevice(devices[n], { ...opts, manifest, ...opts.perDevice(n) })));
  const failed = settled.map((s, i) => ({ s, name: names[i] })).filter((x) => x.s.status === 'rejected');
  if (failed.length === 0) {
    return Object.fromEntries(names.map((n, i) => [n, (settled[i] as PromiseFulfilledResult<FlashResult>).value]));
  }
  const notes: string[] = [];
  if (opts.atomic !== false) {
    for (const [i, s] of settled.entries()) {
      if (s.status !== 'fulfilled' || s.value.action === 'unchanged' || s.value.previous === null) continue;
      const n = names[i];
      try {
        await flashDevice(s.value.connection, { ...opts, manifest, ...opts.perDevice(n), variant: s.value.previous });
        notes.push(`${n} put back on ${s.value.previous}`);
      } catch (err) {
        notes.push(`${n} could not be put back on ${s.value.previous}: ${describe(err)}`);
      }
    }
  }
  const first = (failed[0].s as PromiseRejectedResult).reason;
  const others = failed.slice(1).map((f) => describe((f.s as PromiseRejectedResult).reason));
  if (!(first instanceof FlashError)) throw first;
  const extra = [...others, ...notes];
  if (extra.length === 0) throw first;
  throw new FlashError(`${first.message}; ${extra.join('; ')}`, first.device, first.step, first.variant, first.rolledBackTo, first.rollbackError, first.connection, first.cause);
}
