/**
 * The hwsim lab's VM image: Debian's kernel and an initramfs built from Debian packages
 * by build-image.sh, once, and cached outside the repository in
 * `${XDG_CACHE_HOME:-~/.cache}/rig/hwsim/<key>/` (vmlinuz, initrd.img, versions.txt).
 * The key hashes the candidate versions apt would fetch (the tools and the kernel package
 * behind linux-image-amd64) and the build script and /init: a Debian point release or an
 * edit of either script makes a new image; an unchanged one is reused. Taking an image
 * removes the ones built before it (image-prune.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualRigError } from '../errors.ts';
import { markImageUsed, pruneOldImages } from './image-prune.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const BUILD_SCRIPT = join(HERE, 'build-image.sh');
export const INIT_SCRIPT = join(HERE, 'init.sh');
/** The Debian packages the image is made of (build-image.sh has the same list). */
export const IMAGE_PACKAGES = ['busybox-static', 'dash', 'hostapd', 'wpasupplicant', 'iw', 'iproute2', 'iputils-ping', 'dropbear-bin', 'tcpdump'] as const;

export interface VmImage {
  dir: string;
  kernel: string;
  initrd: string;
  /** `package version` lines of everything in it. */
  versions: string;
  /** Built by this call (false: taken from the cache). */
  built: boolean;
  buildMs: number;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'rig', 'hwsim');
}

function aptOut(args: string[]): string {
  const r = spawnSync('apt-cache', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, timeout: 60_000 });
  if (r.status !== 0) throw new VirtualRigError(`apt-cache ${args.join(' ')} failed: ${(r.stderr ?? '').trim()}`, 'E_HWSIM_IMAGE', 'bench');
  return r.stdout;
}

/** Candidate version per package (`apt-cache policy`), null when apt knows none. */
function candidates(packages: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  let current: string | null = null;
  for (const line of aptOut(['policy', ...packages]).split('\n')) {
    const pkg = /^(\S+):$/.exec(line);
    if (pkg) current = pkg[1];
    const cand = /^\s+Candidate:\s+(\S+)/.exec(line);
    if (cand && current) out[current] = cand[1] === '(none)' ? null : cand[1];
  }
  return out;
}

/** What the image is made of, as apt sees it now: the inputs of the cache key. */
export function imageInputs(): string {
  const kernelPkg = /Depends: (linux-image-[0-9]\S*-amd64)/.exec(aptOut(['depends', 'linux-image-amd64']))?.[1];
  if (!kernelPkg) throw new VirtualRigError('apt knows no linux-image-*-amd64 behind linux-image-amd64 (run apt-get update)', 'E_HWSIM_IMAGE', 'bench');
  const versions = candidates([...IMAGE_PACKAGES, kernelPkg]);
  const unknown = Object.entries(versions).filter(([, v]) => v === null).map(([p]) => p);
  const absent = [...IMAGE_PACKAGES, kernelPkg].filter((p) => !(p in versions));
  if (unknown.length + absent.length > 0) {
    throw new VirtualRigError(`apt has no candidate for ${[...unknown, ...absent].join(', ')} (run apt-get update)`, 'E_HWSIM_IMAGE', 'bench');
  }
  return Object.entries(versions).map(([p, v]) => `${p} ${v}`).sort().join('\n');
}

export function imageKey(inputs: string): string {
  const h = createHash('sha256').update(inputs).update('\0').update(readFileSync(BUILD_SCRIPT)).update('\0').update(readFileSync(INIT_SCRIPT));
  return h.digest('hex').slice(0, 16);
}

function runBuild(outDir: string, log: (m: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', [BUILD_SCRIPT, outDir, INIT_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
    let err = '';
    p.stdout.on('data', (d: Buffer) => log(d.toString().trimEnd()));
    p.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    // Bounded: fetching ~80 packages and packing them takes about 30 s here.
    const timer = setTimeout(() => p.kill('SIGKILL'), 600_000);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else {
        const why = err.trim().split('\n').slice(-3).join(' / ');
        reject(new VirtualRigError(`building the hwsim VM image failed (build-image.sh exit ${code ?? signal}): ${why}`, 'E_HWSIM_IMAGE', 'bench'));
      }
    });
  });
}

/** The cached image for what apt offers now; built (about 30 s) when there is none. */
export async function ensureImage(o: { cacheDir?: string; log: (m: string) => void }): Promise<VmImage> {
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  const key = imageKey(imageInputs());
  const dir = join(cacheDir, key);
  const files = { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img') };
  const started = Date.now();
  let built = false;
  if (!existsSync(files.kernel) || !existsSync(files.initrd)) {
    o.log(`hwsim lab: building the VM image from Debian packages into ${dir}`);
    mkdirSync(cacheDir, { recursive: true });
    // Built beside it and renamed into place: a crash or a second builder never leaves half an image under the key.
    const tmp = `${dir}.building-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      await runBuild(tmp, o.log);
      if (!existsSync(files.kernel)) renameSync(tmp, dir);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    built = true;
  }
  markImageUsed(dir);
  const pruned = pruneOldImages(cacheDir, key);
  if (pruned.length > 0) o.log(`hwsim lab: removed ${pruned.length} older cached image(s) from ${cacheDir}: ${pruned.join(', ')}`);
  return { dir, ...files, versions: readFileSync(join(dir, 'versions.txt'), 'utf8'), built, buildMs: Date.now() - started };
}
