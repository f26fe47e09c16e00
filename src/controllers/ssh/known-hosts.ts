/**
 * OpenSSH known_hosts files: reading (for host key checks) and recording (`rig trust`).
 *
 * Format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): one key per line,
 * `[marker] hostpatterns keytype base64key [comment]`.
 * - The host is written `host` for port 22 and `[host]:port` otherwise (IPv6 literals
 *   too: `[fd00::1]:2222`); patterns are comma-separated, `*` and `?` are wildcards, a
 *   leading `!` negates; matching ignores case.
 * - Hashed names (`|1|salt|hash`, HMAC-SHA1 of the name with the salt) are matched.
 * - `@revoked` lines list keys that must never be accepted; `@cert-authority` lines are
 *   certificate authorities, which rig does not use (skipped).
 * - Blank lines and `#` comments are kept as they are when a file is rewritten.
 *
 * Lines written here are plain `[host]:port keytype base64`, which `ssh -o
 * UserKnownHostsFile=FILE` reads.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { dirname } from 'node:path';

export interface KnownHostKey {
  /** Key type as written in the file (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ...). */
  type: string;
  /** The raw public key blob. */
  blob: Buffer;
  /** `SHA256:<base64 without padding>`. */
  fingerprint: string;
  /** 1-based line number in the file. */
  line: number;
}

export interface KnownHostsLookup {
  /** Keys listed for the host (not revoked). */
  keys: KnownHostKey[];
  /** Revoked keys matching the host. */
  revoked: KnownHostKey[];
  /** False when the file does not exist. */
  fileExists: boolean;
}

interface Entry {
  line: number;
  marker: '' | '@revoked' | '@cert-authority';
  patterns: string;
  key: KnownHostKey;
}

/** `SHA256:<base64 without padding>` of a raw SSH public key blob, as OpenSSH prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a raw public key blob (its first SSH string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) throw new Error('not an SSH public key blob');
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) throw new Error('not an SSH public key blob');
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** The name a host has in known_hosts: `host` for port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** One known_hosts line for a key (no newline). */
export function knownHostsLine(host: string, port: number, blob: Buffer): string {
  return `${knownHostsName(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`;
}

/** Host key algorithms (ssh2 names) that make a server present a key of one of these types. */
export function hostKeyAlgorithmsFor(types: string[]): string[] {
  const out: string[] = [];
  for (const t of types) {
    const algos = t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t];
    for (const a of algos) if (!out.includes(a)) out.push(a);
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i');
}

function hashedMatch(pattern: string, name: string): boolean {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, name))
  const parts = pattern.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Whether a comma-separated pattern list matches a host name (`host` or `[host]:port`). */
export function hostPatternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatch(patterns, name);
  let matched = false;
  for (const raw of patterns.split(',')) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    const p = negated ? raw.slice(1) : raw;
    if (globToRegExp(p).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function parseEntries(text: string): Entry[] {
  const entries: Entry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === '' || l.startsWith('#')) continue;
    const f = l.split(/[ \t]+/);
    let marker: Entry['marker'] = '';
    if (f[0].startsWith('@')) {
      if (f[0] !== '@revoked' && f[0] !== '@cert-authority') continue;
      marker = f[0];
      f.shift();
    }
    if (f.length < 3) continue;
    const [patterns, type, b64] = f;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue;
    const blob = Buffer.from(b64, 'base64');
    let inner: string;
    try {
      inner = keyTypeOf(blob);
    } catch {
      continue;
    }
    if (inner !== type) continue; // a damaged line: never match it
    entries.push({ line: i + 1, marker, patterns, key: { type, blob, fingerprint: fingerprintOf(blob), line: i + 1 } });
  }
  return entries;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The keys a known_hosts file lists for host:port. A missing file lists none. */
export function lookupKnownHosts(file: string, host: string, port: number): KnownHostsLookup {
  const text = readText(file);
  if (text === undefined) return { keys: [], revoked: [], fileExists: false };
  const name = knownHostsName(host, port);
  const keys: KnownHostKey[] = [];
  const revoked: KnownHostKey[] = [];
  for (const e of parseEntries(text)) {
    if (!hostPatternsMatch(e.patterns, name)) continue;
    if (e.marker === '@revoked') revoked.push(e.key);
    else if (e.marker === '') keys.push(e.key);
  }
  return { keys, revoked, fileExists: true };
}

/** What checking a presented key against a lookup says. */
export type KnownHostsVerdict = 'known' | 'unknown' | 'mismatch' | 'revoked';

export function checkKnownHost(lookup: KnownHostsLookup, blob: Buffer): KnownHostsVerdict {
  if (lookup.revoked.some((k) => k.blob.equals(blob))) return 'revoked';
  if (lookup.keys.some((k) => k.blob.equals(blob))) return 'known';
  return lookup.keys.length === 0 ? 'unknown' : 'mismatch';
}

/**
 * Record a host key. Another key already recorded for exactly this host makes this
 * throw, unless `replace` is set: then the lines naming only this host (plain or
 * hashed) are removed; a line whose pattern list names other hosts too is never
 * rewritten (that throws: edit it by hand). The file is rewritten through a temporary
 * file and a rename, every other line unchanged; a missing file (and its folder) is
 * created. Returns the line written, or null when the key was already there.
 */
export function recordKnownHost(
  file: string,
  host: string,
  port: number,
  blob: Buffer,
  opts: { replace?: boolean; comment?: string } = {},
): string | null {
  const text = readText(file) ?? '';
  const name = knownHostsName(host, port);
  const forHost = parseEntries(text).filter((e) => e.marker === '' && hostPatternsMatch(e.patterns, name));
  if (forHost.some((e) => e.key.blob.equals(blob))) return null;
  if (forHost.length > 0 && !opts.replace) {
    throw new Error(`${file} line ${forHost[0].line} has another key for ${name}`);
  }
  const ownLine = (e: Entry): boolean => e.patterns.startsWith('|') || e.patterns.toLowerCase() === name;
  const shared = forHost.find((e) => !ownLine(e));
  if (shared) {
    throw new Error(`${file} line ${shared.line} lists ${name} together with other hosts (${shared.patterns}): edit that line by hand`);
  }
  const drop = new Set(forHost.map((e) => e.line));
  const kept = text === '' ? [] : text.replace(/\n$/, '').split('\n').filter((_, i) => !drop.has(i + 1));
  const line = knownHostsLine(host, port, blob);
  if (opts.comment) kept.push(`# ${opts.comment.replace(/[\r\n]+/g, ' ')}`);
  kept.push(line);
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let mode = 0o644;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    /* a new file */
  }
  // Atomic and fsync'ed: a crash leaves the old file or the new one, never a torn known_hosts.
  writeFileAtomic.sync(file, kept.join('\n') + '\n', { mode });
  return line;
}
