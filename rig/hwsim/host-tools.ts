/**
 * The host programs the hwsim lab needs: QEMU (qemu-system-x86), and for building its
 * image apt-get/dpkg (fetch and unpack Debian packages), kmod's depmod/modprobe (module
 * dependencies), cpio and gzip. Missing ones are installed with apt-get when the rig runs
 * as root on a Debian-like host; otherwise the error names the packages to install.
 */
import { spawnSync } from 'node:child_process';
import { VirtualRigError } from '../errors.ts';

/** Program, the Debian package that has it. */
const NEEDED: readonly (readonly [string, string])[] = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['cpio', 'cpio'],
  ['gzip', 'gzip'],
  ['depmod', 'kmod'],
  ['modprobe', 'kmod'],
];

function onPath(program: string): boolean {
  // sbin is not on every user's PATH; look there too.
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { env: { ...process.env, PATH: path }, stdio: 'ignore' }).status === 0;
}

export function missingHostPrograms(): string[] {
  return NEEDED.filter(([p]) => !onPath(p)).map(([p]) => p);
}

/** Install what is missing (apt-get install, as root), or throw naming it. */
export function ensureHostTools(log: (m: string) => void): void {
  const missing = missingHostPrograms();
  if (missing.length === 0) return;
  const packages = [...new Set(NEEDED.filter(([p]) => missing.includes(p)).map(([, pkg]) => pkg))];
  const can = onPath('apt-get') && process.getuid?.() === 0;
  if (!can) {
    throw new VirtualRigError(`the hwsim lab needs ${missing.join(', ')}: install ${packages.join(' ')} (apt-get install ${packages.join(' ')})`, 'E_HWSIM_HOST_TOOLS', 'bench');
  }
  log(`hwsim lab: installing ${packages.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    // Package lists may never have been fetched (a fresh container): once more after an update.
    spawnSync('apt-get', ['update', '-q'], { env, encoding: 'utf8', timeout: 300_000 });
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { env, encoding: 'utf8', timeout: 600_000 });
  }
  if (r.status !== 0) {
    const why = `${r.stderr ?? ''}`.trim().split('\n').slice(-2).join(' / ');
    throw new VirtualRigError(`apt-get install ${packages.join(' ')} failed (exit ${r.status ?? r.signal}): ${why}`, 'E_HWSIM_HOST_TOOLS', 'bench');
  }
  const still = missingHostPrograms();
  if (still.length > 0) throw new VirtualRigError(`after apt-get install ${packages.join(' ')}, still missing: ${still.join(', ')}`, 'E_HWSIM_HOST_TOOLS', 'bench');
}
