/**
 * How a connection checks the host key a board presents, as OpenSSH's
 * StrictHostKeyChecking=yes does: against a pinned `hostKeyFingerprint`, a
 * `knownHosts` file, or both; only with `acceptAnyHostKey` (tests, `rig trust`) is
 * any key accepted, and with none of them there is no connection at all
 * (E_HOSTKEY_UNPINNED). A mismatch or a @revoked key is E_HOSTKEY, a host the file
 * does not list E_HOSTKEY_UNKNOWN; every message shows the fingerprints involved.
 */
import type { Algorithms } from 'ssh2';
import { BenchError, ConfigError } from '../../errors.ts';
import { preferHostKeyTypes } from './algorithms.ts';
import { causeText } from './cause-text.ts';
import type { SshConnectOptions } from './connect-options.ts';
import { checkKnownHost, fingerprintOf, keyTypeOf, lookupKnownHosts, type KnownHostsLookup } from './known-hosts.ts';

/** A host key as a server presented it. */
export interface PresentedHostKey {
  type: string;
  /** The raw public key blob. */
  blob: Buffer;
  /** `SHA256:<base64 without padding>`. */
  fingerprint: string;
}

/** How a connection attempt checks the presented host key. */
export interface HostKeyPolicy {
  /** undefined: accept; an error: refuse with it; 'stop': take the key and hang up (scan). */
  verify(blob: Buffer): BenchError | ConfigError | 'stop' | undefined;
  /** ssh2 algorithms to offer (restricted to the known key types when known_hosts lists some). */
  algorithms?: Algorithms;
  /** Said when no algorithm can be agreed on (why the host key algorithms were restricted). */
  note?: string;
}

type PolicyOptions = Pick<SshConnectOptions, 'name' | 'host' | 'port' | 'hostKeyFingerprint' | 'knownHosts' | 'acceptAnyHostKey' | 'algorithms'>;

/** The host key policy of a connect() call. Throws ConfigError when there is none, or it is unusable. */
export function hostKeyPolicy(opts: PolicyOptions): HostKeyPolicy {
  const { name, host, port } = opts;
  const where = `${host}:${port}`;
  if (opts.hostKeyFingerprint === undefined && opts.knownHosts === undefined) {
    if (opts.acceptAnyHostKey) return { verify: () => undefined, algorithms: opts.algorithms };
    throw new ConfigError(
      `${name}: refusing to connect to ${where} without a pinned host key: give ${name} a hostKeyFingerprint or a knownHosts file ` +
        `in the inventory (\`rig trust ${name}\` shows the board's key and records it)`,
      { code: 'E_HOSTKEY_UNPINNED', subject: name },
    );
  }
  const expected = opts.hostKeyFingerprint !== undefined ? normalizeFingerprint(opts.hostKeyFingerprint, name) : undefined;
  const file = opts.knownHosts;
  let known: KnownHostsLookup | undefined;
  let algorithms = opts.algorithms;
  let note: string | undefined;
  if (file !== undefined) {
    try {
      known = lookupKnownHosts(file, host, port);
    } catch (err) {
      throw new ConfigError(`${name}: cannot read the known_hosts file ${file}: ${causeText(err)}`, { code: 'E_KNOWN_HOSTS', subject: name });
    }
    // Like OpenSSH: ask for a key of a type the file knows, so a server with several keys presents that one.
    const types = [...new Set(known.keys.map((k) => k.type))];
    algorithms = preferHostKeyTypes(opts.algorithms, types);
    if (types.length > 0) {
      note =
        `${file} lists only ${types.join(', ')} keys for ${where}, so only those were asked for; ` +
        `if the board's key changed (re-flashed?), check it on the board, then \`rig trust ${name} --replace\``;
    }
  }
  return {
    algorithms,
    note,
    verify: (blob) => {
      const fp = fingerprintOf(blob);
      const type = safeKeyType(blob);
      if (expected !== undefined && fp !== expected) {
        return new BenchError(`${name}: host key mismatch at ${where}: expected ${expected}, server presented ${fp} (${type})`, {
          code: 'E_HOSTKEY',
          subject: name,
        });
      }
      if (known === undefined || file === undefined) return undefined;
      const verdict = checkKnownHost(known, blob);
      if (verdict === 'known') return undefined;
      if (verdict === 'revoked') {
        return new BenchError(`${name}: the host key ${where} presented (${fp}, ${type}) is marked @revoked in ${file}`, {
          code: 'E_HOSTKEY',
          subject: name,
        });
      }
      if (verdict === 'mismatch') {
        const listed = known.keys.map((k) => `${k.fingerprint} (${k.type}, line ${k.line})`).join(', ');
        return new BenchError(
          `${name}: host key mismatch at ${where}: ${file} expects ${listed}, server presented ${fp} (${type}). ` +
            `Someone may be impersonating the board, or its key changed (re-flashed?): check the key on the board, ` +
            `then \`rig trust ${name} --replace\``,
          { code: 'E_HOSTKEY', subject: name },
        );
      }
      return new ConfigError(
        `${name}: ${where} is not in ${file}${known.fileExists ? '' : ' (no such file yet)'}; it presents ${type} ${fp}: ` +
          `check that fingerprint on the board, then record it with \`rig trust ${name}\``,
        { code: 'E_HOSTKEY_UNKNOWN', subject: name },
      );
    },
  };
}

/** The policy of a key scan (`rig trust`, like ssh-keyscan): take the key, hang up before logging in. */
export function scanPolicy(algorithms: Algorithms | undefined): HostKeyPolicy {
  return { verify: () => 'stop', algorithms };
}

/** The key a server presented (all fields empty when it presented none). */
export function presentedHostKey(blob: Buffer | undefined): PresentedHostKey {
  if (blob === undefined) return { type: '', blob: Buffer.alloc(0), fingerprint: '' };
  return { type: safeKeyType(blob), blob, fingerprint: fingerprintOf(blob) };
}

function normalizeFingerprint(fp: string, device: string): string {
  const m = /^(?:SHA256:)?([A-Za-z0-9+/]{43})=?$/.exec(fp.trim());
  if (!m) {
    throw new ConfigError(`${device}: host key fingerprint "${fp}" is not of the form SHA256:<43 base64 characters>`, {
      code: 'E_CONFIG',
      subject: device,
    });
  }
  return `SHA256:${m[1]}`;
}

function safeKeyType(blob: Buffer): string {
  try {
    return keyTypeOf(blob);
  } catch {
    return 'unknown key type';
  }
}
