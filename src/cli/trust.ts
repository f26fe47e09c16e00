/**
 * `rig trust DEVICE`: connect to a board once (like ssh-keyscan: the key exchange only,
 * no login, no secret sent), show the host key it presents and, when told to (`--yes`)
 * or when the user confirms, record it in the device's known_hosts file. Never silently.
 *
 * - The key already recorded (or equal to the inventory's hostKeyFingerprint): says so, exit 0.
 * - A different key recorded, or a different hostKeyFingerprint in the inventory: shows
 *   both fingerprints, records nothing, exit 3. `--replace` replaces a known_hosts entry
 *   (a re-flashed board) after the same confirmation; an inventory fingerprint is only
 *   ever changed by editing the inventory.
 * - No known_hosts file named (inventory `knownHosts`, or `--known-hosts FILE`): shows the
 *   key and the line to pin, exit 2.
 */
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { BenchError, ConfigError, UsageError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { DEVICE_NAMES, type DeviceName } from '../inventory/schema.ts';
import { preferHostKeyTypes, sshAlgorithmsFor } from '../controllers/ssh/algorithms.ts';
import {
  checkKnownHost,
  knownHostsLine,
  knownHostsName,
  lookupKnownHosts,
  recordKnownHost,
} from '../controllers/ssh/known-hosts.ts';
import { SshDevice, type PresentedHostKey } from '../controllers/ssh/ssh-device.ts';

export interface TrustOptions {
  device: string;
  inventory: string;
  bench?: string;
  /** known_hosts file to record in, instead of the device's `knownHosts`. */
  knownHosts?: string;
  /** Record without asking. */
  yes?: boolean;
  /** Replace a different key recorded for this host. */
  replace?: boolean;
  out: (s: string) => void;
  /**
   * Ask a yes/no question. Resolves undefined when nobody can answer (default: asks on
   * the terminal when stdin is one, else undefined).
   */
  confirm?: (question: string) => Promise<boolean | undefined>;
}

export interface TrustResult {
  exitCode: number;
  /** What the board presented. */
  presented: PresentedHostKey;
  /** The line written, when one was. */
  recorded: string | null;
  file: string | undefined;
}

/** `rig trust` as a function. Throws RigErrors (exit 2 / 3); returns 0 (trusted) or 1 (declined). */
export async function trust(o: TrustOptions): Promise<TrustResult> {
  const loaded = await loadInventory(resolve(o.inventory));
  const { name: benchName, bench } = selectBench(loaded, o.bench);
  if (!(DEVICE_NAMES as readonly string[]).includes(o.device)) {
    throw new UsageError(`unknown device "${o.device}": expected ${DEVICE_NAMES.join(', ')}`);
  }
  const device = o.device as DeviceName;
  if (bench.virtual) {
    throw new UsageError(`bench "${benchName}" is virtual: the virtual rig pins its boards' host keys itself, there is nothing to trust`);
  }
  const d = bench.devices[device];
  const { host, port } = d;
  const where = `${host}:${port}`;
  const file = o.knownHosts !== undefined ? resolve(o.knownHosts) : d.knownHosts;
  const baseAlgorithms = sshAlgorithmsFor(device, d.algorithms);
  const lookup = () => {
    if (file === undefined) return undefined;
    try {
      return lookupKnownHosts(file, host, port);
    } catch (err) {
      throw new ConfigError(`${device}: cannot read the known_hosts file ${file}: ${(err as Error).message}`, { code: 'E_KNOWN_HOSTS', subject: device });
    }
  };
  const known = lookup();
  const knownTypes = [...new Set(known?.keys.map((k) => k.type) ?? [])];
  const timeoutMs = d.connectTimeoutS * 1000;

  // Ask for a key of a type already recorded (what `rig roam` will see); if the board no
  // longer has such a key, that is a changed key too: take what it does present.
  let presented: PresentedHostKey;
  try {
    presented = await SshDevice.scanHostKey({ name: device, host, port, timeoutMs, algorithms: preferHostKeyTypes(baseAlgorithms, knownTypes) });
  } catch (err) {
    if (!(err instanceof BenchError && err.code === 'E_ALGORITHMS' && knownTypes.length > 0)) throw err;
    presented = await SshDevice.scanHostKey({ name: device, host, port, timeoutMs, algorithms: baseAlgorithms });
  }
  const { type, fingerprint } = presented;
  o.out(`${device} (${where}) presents a ${type} host key: ${fingerprint}\n`);
  const result = (exitCode: number, recorded: string | null = null): TrustResult => ({ exitCode, presented, recorded, file });

  if (d.hostKeyFingerprint !== undefined) {
    const pinned = normalize(d.hostKeyFingerprint);
    if (pinned !== fingerprint) {
      throw new BenchError(
        `${device}: host key mismatch at ${where}: the inventory's hostKeyFingerprint is ${pinned}, the server presents ${fingerprint} (${type}). ` +
          `Someone may be impersonating the board, or its key changed: check on the board; only an edit of the inventory changes a pinned fingerprint`,
        { code: 'E_HOSTKEY', subject: device },
      );
    }
    if (file === undefined) {
      o.out(`it matches the inventory's hostKeyFingerprint: nothing to record\n`);
      return result(0);
    }
  }

  if (file === undefined || known === undefined) {
    o.out(`known_hosts line: ${knownHostsLine(host, port, presented.blob)}\n`);
    throw new ConfigError(
      `${device}: no known_hosts file to record the key in: add \`knownHosts: FILE\` to ${device} in the inventory ` +
        `(or pass --known-hosts FILE), or pin it there with \`hostKeyFingerprint: "${fingerprint}"\` once you have checked it on the board`,
      { code: 'E_KNOWN_HOSTS_UNSET', subject: device },
    );
  }

  const verdict = checkKnownHost(known, presented.blob);
  const name = knownHostsName(host, port);
  if (verdict === 'known') {
    const line = known.keys.find((k) => k.blob.equals(presented.blob))?.line;
    o.out(`already trusted: ${file} line ${line} has this key for ${name}\n`);
    return result(0);
  }
  if (verdict === 'revoked') {
    throw new BenchError(`${device}: the key ${where} presents (${fingerprint}) is marked @revoked in ${file}: refusing to trust it`, {
      code: 'E_HOSTKEY',
      subject: device,
    });
  }
  if (verdict === 'mismatch') {
    const listed = known.keys.map((k) => `${k.fingerprint} (${k.type}, line ${k.line})`).join(', ');
    if (!o.replace) {
      throw new BenchError(
        `${device}: host key mismatch at ${where}: ${file} has ${listed}, the server presents ${fingerprint} (${type}). ` +
          `Someone may be impersonating the board, or its key changed (re-flashed?): check the new key on the board, ` +
          `then \`rig trust ${device} --replace\``,
        { code: 'E_HOSTKEY', subject: device },
      );
    }
    o.out(`${file} has ${listed} for ${name}; --replace: the new key would replace it\n`);
  }

  if (!o.yes) {
    const question = `Record ${type} ${fingerprint} for ${device} (${name}) in ${file}? [y/N] `;
    const answer = await (o.confirm ?? askOnTerminal)(question);
    if (answer === undefined) {
      throw new UsageError(
        `${device}: not recorded: stdin is not a terminal to ask on; check the fingerprint on the board, then run again with --yes`,
        'E_NOT_CONFIRMED',
      );
    }
    if (!answer) {
      o.out('not recorded\n');
      return result(1);
    }
  }
  let line: string | null;
  try {
    line = recordKnownHost(file, host, port, presented.blob, {
      replace: o.replace,
      comment: `${device} of bench ${benchName}, recorded by rig trust ${new Date().toISOString()}`,
    });
  } catch (err) {
    throw new ConfigError(`${device}: cannot record the key: ${(err as Error).message}`, { code: 'E_KNOWN_HOSTS', subject: device });
  }
  o.out(`recorded in ${file}: ${line}\n`);
  if (d.knownHosts !== file) {
    o.out(`note: the inventory does not name this file for ${device}; add \`knownHosts: ${file}\` to it so that rig uses it\n`);
  }
  return result(0, line);
}

function normalize(fp: string): string {
  return fp.trim().replace(/=$/, '');
}

async function askOnTerminal(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const a = await rl.question(question);
    return /^y(es)?$/i.test(a.trim());
  } finally {
    rl.close();
  }
}
