import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';

/** An ed25519 key pair in OpenSSH format. */
export interface KeyPair {
  private: string;
  public: string;
}

export function generateKeyPair(comment: string): KeyPair {
  // ssh2 1.x now and then (about 1 in 300) writes an ed25519 key its own parser
  // rejects ("Malformed OpenSSH private key"): check each one, bounded.
  for (let attempt = 0; attempt < 20; attempt++) {
    const k = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (!(ssh2.utils.parseKey(k.private) instanceof Error)) return { private: k.private, public: k.public };
  }
  throw new Error('could not generate a usable ed25519 key pair');
}

/**
 * The key the controller uses to log in to the virtual boards: created on first use
 * (mode 0600, `.pub` beside it), like `ssh-keygen` would, and reused afterwards.
 */
export function ensureClientKey(file: string): KeyPair {
  if (existsSync(file) && existsSync(`${file}.pub`)) {
    return { private: readFileSync(file, 'utf8'), public: readFileSync(`${file}.pub`, 'utf8') };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const pair = generateKeyPair('rig virtual lab');
  writeFileSync(file, pair.private, { mode: 0o600 });
  chmodSync(file, 0o600);
  writeFileSync(`${file}.pub`, pair.public.trim() + '\n');
  return pair;
}
