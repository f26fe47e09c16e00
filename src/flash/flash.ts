/**
 * Flashing a madwifi variant onto a board, over its SSH connection, in steps that can
 * each fail and be named:
 *
 *   check-local    the variant's module files (and patches) match the manifest
 *   probe          uname -r, checksum tool, lsmod, dmesg banners, /etc/modules in one
 *                  command line; the checksums in flash too when the variant already
 *                  runs (loaded and in flash: done, nothing touched)
 *   upload         the files to the staging folder (SFTP, or `cat >` over exec): those
 *                  that differ from flash when it was read, else all of them, then
 *   verify-upload  copied at once beside the modules (`<moduleDir>/.rig-new`, where no
 *                  boot looks), and ONE checksum run over the staged files, the copies
 *                  and (when not read yet) the flash (one re-upload / re-copy of a bad file)
 *   stop           wpa_supplicant / hostapd stopped, VAP down and destroyed
 *   unload         madwifi modules removed by one rmmod, newest first; lsmod shows none
 *   load           the variant's modules inserted in load order (staged or from flash)
 *   verify-load    all loaded, and dmesg shows exactly the variant's banners
 *   persist        the verified copies the flash lacks renamed into the module folder
 *                  by one mv (so a reboot keeps the variant), then sync
 *   restore        the caller's hook: recreate the VAP, restore the configuration
 *
 * One checksum run per flash, not three (a 2007 board's sha256sum costs about 0.6 s):
 * what the flash will hold was checked in flash before the load, and persisting only
 * renames it. No module file the board boots is replaced before the new modules
 * loaded and showed the right banners: a board that loses power during a flash boots
 * its last good variant (a rename replaces a file whole).
 * Any failure: roll back to the last known good variant (the one running before,
 * else the one in flash), the same way, and throw a FlashError (a BenchError, exit
 * 3) naming the device, the step and the outcome of the rollback.
 */
import { performance } from 'node:perf_hooks';
import { BenchError } from '../errors.ts';
import type { SshDevice } from '../controllers/ssh/ssh-device.ts';
import { shellCommand, shellQuote } from '../controllers/ssh/quote.ts';
import { loadManifest, moduleFiles, verifyLocalFiles, type Manifest, type ModuleFile } from '../firmware/manifest.ts';
import { flashPaths, loadedAndBanners, lsmodModules, probeBoard, readFirmwareState, remoteChecksums, runParts, runStep, withFlash, type BoardProbe, type ChecksumTool, type FirmwareState } from './board.ts';
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
  /**
   * unchanged: already loaded and in flash; reloaded: the flash held the variant's files
   * already (nothing persisted; files may have been uploaded to learn it, see install());
   * flashed: files persisted.
   */
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
  /** The variant the flash held before anything was persisted (undefined: not read yet). */
  flashVariant: string | null | undefined;
  /** The folder of verified copies beside the modules, while it exists (removed at the end). */
  newDir: string | null;
}

/** Where the verified copies wait in flash for the rename (beside the modules, the same file system). */
const newDir = (probe: BoardProbe): string => `${probe.moduleDir}/.rig-new`;

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
 * Install `variant` on a board: upload, reload, verify, persist, restore. Used for the
 * flash and for the rollback alike. `state` is the board as probed, with its flash's
 * checksums when they were read already; without them (a board running another
 * variant) every file is uploaded and ONE checksum run over the staged files and the
 * flash tells both whether the upload is good and what the flash holds (one checksum
 * instead of two).
 */
async function install(c: Ctx, probe: BoardProbe, known: FirmwareState | null, files: ModuleFile[], local: Map<string, Buffer>): Promise<{ banners: Record<string, string>; modules: string[] }> {
  const { dev, m, timeoutMs } = c;
  const algo = probe.checksum;
  const staging = m.stagingDir;
  let state = known;
  /** Files to upload: those the flash lacks when it is known, else all. */
  const toUpload = state ? files.filter((f) => (state as FirmwareState).persisted[f.module] !== f[algo]) : files;

  if (toUpload.length > 0) {
    await step(c, 'upload', async () => {
      await runStep(dev, 'upload', shellCommand(['mkdir', '-p', staging]), { timeoutMs });
      c.uploader ??= await openUploader(dev, c.o.transfer ?? 'auto', timeoutMs, c.o.log ?? (() => {}));
      let i = 0;
      for (const f of toUpload) {
        i++;
        progress(c, 'upload', `${f.remoteName} (${i}/${toUpload.length}, ${f.size} bytes, ${c.uploader.mode})`);
        c.staged.add(`${staging}/${f.remoteName}`);
        await c.uploader.upload(`${staging}/${f.remoteName}`, local.get(f.module) as Buffer);
        c.uploaded.push(f.remoteName);
      }
    });
    state = await step(c, 'verify-upload', async () => {
      // The staged files are copied at once into a folder beside the modules (in flash,
      // but not where a boot looks: the modules in use stay untouched until the load is
      // verified), and ONE sha256sum checks the staged files, their copies in flash and,
      // when not known yet, what the flash holds: persisting is then only renames.
      const stagedPath = (f: ModuleFile): string => `${staging}/${f.remoteName}`;
      const copyPath = (f: ModuleFile): string => `${newDir(probe)}/${f.remoteName}`;
      const copy = async (list: ModuleFile[]): Promise<void> => {
        for (const f of list) c.staged.add(copyPath(f));
        c.newDir = newDir(probe);
        await runStep(dev, 'verify-upload', `${shellCommand(['mkdir', '-p', newDir(probe)])} && ${shellCommand(['cp', ...list.map(stagedPath), `${newDir(probe)}/`])}`, { timeoutMs });
      };
      const mismatched = (sums: Record<string, string | null>, list: ModuleFile[]): { upload: ModuleFile[]; copy: ModuleFile[] } => ({
        upload: list.filter((f) => sums[stagedPath(f)] !== f[algo]),
        copy: list.filter((f) => sums[copyPath(f)] !== f[algo]),
      });
      await copy(toUpload);
      const flash = state ? [] : flashPaths(m, probe);
      const first = await remoteChecksums(dev, algo, [...toUpload.map(stagedPath), ...toUpload.map(copyPath), ...flash], 'verify-upload', timeoutMs);
      const verified = state ?? withFlash(m, c.o.target, probe, Object.fromEntries(m.loadOrder.map((mod, i) => [mod, first[flash[i]]])));
      c.flashVariant = verified.persistedVariant;
      let bad = mismatched(first, toUpload);
      if (bad.upload.length > 0 || bad.copy.length > 0) {
        const again = [...new Set([...bad.upload, ...bad.copy])];
        progress(c, 'verify-upload', `${again.map((f) => f.remoteName).join(', ')}: ${algo} mismatch on the board; ${bad.upload.length > 0 ? 'uploading and ' : ''}copying again`);
        for (const f of bad.upload) {
          await (c.uploader as Uploader).upload(stagedPath(f), local.get(f.module) as Buffer);
          c.uploaded.push(f.remoteName);
        }
        await copy(again);
        bad = mismatched(await remoteChecksums(dev, algo, [...again.map(stagedPath), ...again.map(copyPath)], 'verify-upload', timeoutMs), again);
      }
      if (bad.upload.length > 0) {
        throw new BenchError(`${dev.name}: step verify-upload: ${bad.upload.map((f) => f.remoteName).join(', ')}: ${algo} on the board does not match the manifest after two uploads (corrupted transfer or storage)`, {
          code: 'E_CHECKSUM',
          subject: dev.name,
        });
      }
      if (bad.copy.length > 0) {
        throw new BenchError(`${dev.name}: step verify-upload: ${bad.copy.map((f) => f.remoteName).join(', ')}: the copy in ${newDir(probe)} does not match the manifest after two copies (flash write error?)`, {
          code: 'E_CHECKSUM',
          subject: dev.name,
        });
      }
      progress(c, 'verify-upload', `${toUpload.length} file(s) verified (${algo}), staged and copied beside the modules${known ? '' : `; flash holds ${verified.persistedVariant ?? 'no known variant'}`}`);
      return verified;
    });
  }
  const flashState = state as FirmwareState;
  /** What the flash lacks: persisted after the load was verified. */
  const differs = files.filter((f) => flashState.persisted[f.module] !== f[algo]);

  await step(c, 'stop', async () => {
    c.touched = true;
    const daemons = c.o.daemons ?? ['wpa_supplicant', 'hostapd'];
    progress(c, 'stop', `stopping ${daemons.join(', ')}; ${c.o.iface} down and destroyed`);
    // One command line (each part may fail: nothing running, no VAP); unload checks what is left.
    const parts = [...daemons.map((d) => shellCommand(['killall', d])), shellCommand(['ifconfig', c.o.iface, 'down']), shellCommand(['wlanconfig', c.o.iface, 'destroy'])];
    await runStep(dev, 'stop', parts.map((x) => `${x} > /dev/null 2>&1`).join('; '), { timeoutMs, allowFail: true });
  });

  await step(c, 'unload', async () => {
    // The modules the probe saw loaded (stop loads none), newest first, in ONE rmmod (one
    // process: busybox rmmod takes several names and goes on past a failure), then lsmod
    // in the same round trip: whatever is left is the failure, named with rmmod's messages.
    const mods = [...probe.loaded].reverse();
    const parts = mods.length > 0 ? [shellCommand(['rmmod', ...mods]), 'lsmod'] : ['lsmod'];
    if (mods.length > 0) progress(c, 'unload', `rmmod ${mods.join(' ')}`);
    const r = await runParts(dev, 'unload', parts, timeoutMs);
    const lsmod = r.parts[r.parts.length - 1];
    if (lsmod.exitCode !== 0) throw new BenchError(`${dev.name}: step unload: lsmod failed (exit ${lsmod.exitCode}): ${r.stderr.trim()}`, { code: 'E_COMMAND', subject: dev.name });
    const left = lsmodModules(dev, m, 'unload', lsmod.stdout);
    if (left.length > 0) {
      const why = r.stderr.trim().split('\n').slice(-2).join(' / ');
      throw new BenchError(`${dev.name}: step unload: still loaded after rmmod: ${left.join(', ')}${why ? ` (${why})` : ''}`, { code: 'E_UNLOAD', subject: dev.name });
    }
  });

  const uploaded = new Set(toUpload.map((f) => f.module));
  await step(c, 'load', async () => {
    // In load order, stopping at the first failure (its insmod error names the file); one command line.
    const commands = files.map((f) => {
      const path = uploaded.has(f.module) ? `${staging}/${f.remoteName}` : `${flashState.moduleDir}/${f.remoteName}`;
      const params = c.o.moduleParams?.[f.module] ?? flashState.moduleParams[f.module] ?? [];
      return shellCommand(['insmod', path, ...params]);
    });
    for (const command of commands) progress(c, 'load', command);
    await runStep(dev, 'load', commands.join(' && '), { timeoutMs });
  });

  const verified = await step(c, 'verify-load', async () => {
    const { loaded: modules, banners: seen } = await loadedAndBanners(dev, m, 'verify-load', timeoutMs);
    const missing = m.loadOrder.filter((mod) => !modules.includes(mod));
    if (missing.length > 0) throw new BenchError(`${dev.name}: step verify-load: not loaded: ${missing.join(', ')}`, { code: 'E_VERIFY', subject: dev.name });
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
      progress(c, 'persist', `${differs.length} file(s) into ${flashState.moduleDir}`);
      // The verified copies renamed into place by one mv (a rename replaces each file whole:
      // a power cut leaves every module file old or new), copies the flash did not need
      // removed, then sync. mv's status is the check: a rename does not change what was verified.
      const dir = flashState.moduleDir;
      const tmp = newDir(probe);
      const extra = toUpload.filter((f) => !differs.includes(f)).map((f) => `${tmp}/${f.remoteName}`);
      const line = [
        shellCommand(['mv', ...differs.map((f) => `${tmp}/${f.remoteName}`), `${dir}/`]),
        ...(extra.length > 0 ? [shellCommand(['rm', '-f', ...extra])] : []),
        'sync',
      ].join(' && ');
      await runStep(dev, 'persist', `${line} && { rmdir ${shellQuote(tmp)} 2>/dev/null; true; }`, { timeoutMs });
      for (const f of toUpload) c.staged.delete(`${tmp}/${f.remoteName}`);
      c.newDir = null;
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
  const dir = c.newDir;
  c.newDir = null;
  const rmdir = dir ? `; rmdir ${shellQuote(dir)} 2>/dev/null` : '';
  await step(c, 'cleanup', () => runStep(c.dev, 'cleanup', `${shellCommand(['rm', '-f', ...paths])}${rmdir}`, { timeoutMs: c.timeoutMs, allowFail: true })).catch(() => {});
}

/** Flash `opts.variant` onto one board. Throws ConfigError (local files) or FlashError (the board). */
export async function flashDevice(device: SshDevice, opts: FlashOptions): Promise<FlashResult> {
  const t0 = performance.now();
  const m = opts.manifest ?? loadManifest();
  const timeoutMs = opts.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const c: Ctx = { dev: device, m, o: opts, timeoutMs, uploader: null, steps: [], uploaded: [], rollback: false, variant: opts.variant, touched: false, staged: new Set(), flashVariant: undefined, newDir: null };

  // Local files first: a ConfigError here touches no board.
  let local: Map<string, Buffer>;
  {
    const t = performance.now();
    local = verifyLocalFiles(m, opts.variant, opts.target);
    c.steps.push({ step: 'check-local', ms: Math.round((performance.now() - t) * 10) / 10 });
  }
  const files = moduleFiles(m, opts.variant, opts.target);

  // The probe: one round trip for what runs; the flash's checksums only when they can
  // spare the work (the variant already runs: unchanged, or a reload from flash).
  let probe: BoardProbe;
  let state: FirmwareState | null = null;
  try {
    probe = await step(c, 'probe', async () => {
      const p = await probeBoard(device, m, timeoutMs);
      if (p.loadedVariant === opts.variant) {
        const paths = flashPaths(m, p);
        const sums = await remoteChecksums(device, p.checksum, paths, 'probe', timeoutMs);
        state = withFlash(m, opts.target, p, Object.fromEntries(m.loadOrder.map((mod, i) => [mod, sums[paths[i]]])));
        c.flashVariant = state.persistedVariant;
      }
      return p;
    });
  } catch (err) {
    const f = err as StepFailure;
    throw new FlashError(`${device.name}: flashing ${opts.variant} failed at step probe (${inner(device.name, f.inner)}); nothing was changed`, device.name, 'probe', opts.variant, null, null, device, f.inner);
  }
  const known = state as FirmwareState | null;
  progress(c, 'probe', `running ${probe.loadedVariant ?? 'no known variant'}${known ? `, flash holds ${known.persistedVariant ?? 'no known variant'}` : ''} (${probe.checksum}sum)`);
  const previous = probe.loadedVariant;

  const result = (action: FlashResult['action'], b: Record<string, string>, modules: string[]): FlashResult => ({
    device: device.name,
    variant: opts.variant,
    previous,
    action,
    uploaded: c.uploaded,
    transfer: c.uploader?.mode ?? null,
    checksum: probe.checksum,
    banners: b,
    modules,
    durationMs: Math.round(performance.now() - t0),
    steps: c.steps,
    connection: c.dev,
  });

  if (!opts.force && known && known.loadedVariant === opts.variant && known.persistedVariant === opts.variant) {
    progress(c, 'probe', `${opts.variant} is already loaded and in flash: nothing to do`);
    const expected = m.variants[opts.variant].banners;
    return result('unchanged', Object.fromEntries(Object.keys(expected).map((k) => [k, known.banners[k]])), known.loaded);
  }

  try {
    const v = await install(c, probe, known, files, local);
    c.uploader?.close();
    // flashed: the flash lacked files of the variant (they were persisted); reloaded: it had them all.
    return result(c.flashVariant === opts.variant ? 'reloaded' : 'flashed', v.banners, v.modules);
  } catch (err) {
    c.uploader?.close();
    c.uploader = null;
    const failure = err instanceof StepFailure ? err : new StepFailure('probe', err);
    // The last known good variant: the one running before, else the one in flash (read by now, or by the rollback).
    throw await rollback(c, failure, previous ?? c.flashVariant);
  }
}

/** Put the board back on `lastGood` after `failure`; returns the FlashError to throw. */
async function rollback(c: Ctx, failure: StepFailure, lastGoodKnown: string | null | undefined): Promise<FlashError> {
  const { o } = c;
  const name = c.dev.name;
  const what = `${name}: flashing ${o.variant} failed at step ${failure.step} (${inner(name, failure.inner)})`;
  const fail = (rolledBackTo: string | null, rollbackError: string | null, text: string): FlashError =>
    new FlashError(`${what}; ${text}`, name, failure.step, o.variant, rolledBackTo, rollbackError, c.dev, failure.inner);
  const noneKnown = (): FlashError => fail(null, 'no known good variant', 'not rolled back: the board ran no known variant before');
  if (lastGoodKnown === null) return noneKnown();
  const target = lastGoodKnown ?? 'the variant in flash';

  c.rollback = true;
  c.uploaded = [];
  if (lastGoodKnown !== undefined) c.variant = lastGoodKnown;
  progress(c, failure.step, `failed: ${inner(name, failure.inner)}; rolling back to ${target}`);
  try {
    if (!c.dev.connected) {
      if (!o.reconnect) {
        return fail(null, 'connection lost', `connection lost and no way to reconnect given: not rolled back (the board keeps ${lastGoodKnown ?? 'its variant'} in flash unless the persist step had started)`);
      }
      await step(c, 'reconnect', async () => {
        progress(c, 'reconnect', 'connection lost (rebooted?); reconnecting');
        c.dev = await (o.reconnect as () => Promise<SshDevice>)();
      });
    }
    const state = await step(c, 'probe', () => readFirmwareState(c.dev, c.m, o.target, c.timeoutMs));
    // Not known yet (the flash had not been read when the flash failed; nothing was persisted then): what the flash holds.
    const lastGood = lastGoodKnown ?? state.persistedVariant;
    if (lastGood === null) return noneKnown();
    c.variant = lastGood;
    let local: Map<string, Buffer>;
    try {
      local = verifyLocalFiles(c.m, lastGood, o.target);
    } catch (err) {
      return fail(null, describe(err), `cannot roll back to ${lastGood}: its local files are not usable`);
    }
    const files = moduleFiles(c.m, lastGood, o.target);
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
      verified = (await install(c, state, state, files, local)).banners;
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
    return fail(null, `${f.step}: ${inner(name, f.inner)}`, `rollback to ${c.rollback && c.variant !== o.variant ? c.variant : target} failed too at step ${f.step} (${inner(name, f.inner)}): the board needs a look`);
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
