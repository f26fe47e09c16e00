/**
 * One SSH connection attempt with ssh2's `Client`: TCP connect, handshake (host key
 * checked by a HostKeyPolicy), login. Failures a retry cannot fix reject with a
 * BenchError / ConfigError at once: a refused host key (E_HOSTKEY, E_HOSTKEY_UNKNOWN),
 * no common algorithm (E_ALGORITHMS, naming what the board offers), a refused login
 * (E_AUTH), a configuration ssh2 rejects. Anything else (refused, reset, no handshake
 * in time) rejects with its cause, for the caller to retry.
 */
import ssh2 from 'ssh2';
import type { ConnectConfig, Client as SshClient } from 'ssh2';
import { BenchError, ConfigError } from '../../errors.ts';
import { describeNoMatch, probeServerAlgorithms } from './algorithms.ts';
import { causeText } from './cause-text.ts';
import { authKind, type SshConnectOptions } from './connect-options.ts';
import { presentedHostKey, type HostKeyPolicy, type PresentedHostKey } from './host-key-policy.ts';

const { Client } = ssh2;

/** What the handshake settled on. */
export interface NegotiatedAlgorithms {
  kex: string;
  serverHostKey: string;
  cipher: string;
  /** Empty with an AEAD cipher (GCM, chacha20-poly1305). */
  mac: string;
}

export interface AttemptResult {
  /** The logged-in client; null after a scan (the policy said 'stop'). */
  client: SshClient | null;
  hostKey: PresentedHostKey;
  negotiated: NegotiatedAlgorithms | undefined;
  /** The server's software version from its identification (`OpenSSH_9.2p1`, `dropbear_2022.83`). */
  serverSoftware: string;
}

/**
 * One connection attempt. With a 'stop' policy it resolves as soon as the host key is
 * known (client: null).
 */
export function connectOnce(opts: SshConnectOptions, policy: HostKeyPolicy, timeoutMs: number): Promise<AttemptResult> {
  return new Promise((resolve, reject) => {
    const { name, host, port, username } = opts;
    const client = new Client();
    let presented: Buffer | undefined;
    let refusal: BenchError | ConfigError | 'stop' | undefined;
    let negotiated: NegotiatedAlgorithms | undefined;
    let settled = false;

    const result = (c: SshClient | null): AttemptResult => ({
      client: c,
      hostKey: presentedHostKey(presented),
      negotiated,
      // ssh2 keeps the server's identification string only internally.
      serverSoftware: String((client as unknown as { _remoteVer?: unknown })._remoteVer ?? ''),
    });
    const cleanup = (): void => {
      clearTimeout(guard);
      client.removeListener('ready', onReady);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      client.removeListener('handshake', onHandshake);
    };
    const hangUp = (): void => {
      settled = true;
      cleanup();
      client.on('error', () => {});
      client.destroy();
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      hangUp();
      if (err instanceof Promise) err.then(reject, reject);
      else reject(err);
    };
    const onHandshake = (n: { kex: string; serverHostKey: string; cs: { cipher: string; mac: string } }): void => {
      negotiated = { kex: n.kex, serverHostKey: n.serverHostKey, cipher: n.cs.cipher, mac: n.cs.mac };
    };
    const onReady = (): void => {
      if (settled) return;
      settled = true;
      // Short commands are small packets: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms each.
      client.setNoDelay(true);
      cleanup();
      resolve(result(client));
    };
    const onError = (err: Error & { level?: string }): void => {
      if (refusal === 'stop' && presented) {
        if (settled) return;
        hangUp();
        resolve(result(null));
      } else if (refusal !== undefined && refusal !== 'stop') {
        fail(refusal);
      } else if (err.level === 'handshake' && /no matching/i.test(err.message)) {
        const algos = policy.algorithms;
        fail(
          probeServerAlgorithms(host, port, Math.min(3000, Math.max(500, timeoutMs))).then((offer) => {
            const why = describeNoMatch(offer, algos);
            const note = policy.note && /host key/.test(why) ? ` (${policy.note})` : '';
            return new BenchError(`${name}: cannot agree on SSH algorithms with ${host}:${port}: ${why}${note}`, {
              code: 'E_ALGORITHMS',
              subject: name,
            });
          }),
        );
      } else if (err.level === 'client-authentication' || err.level === 'agent') {
        fail(
          new BenchError(`${name}: authentication failed for user "${username}" at ${host}:${port} (${authKind(opts.auth)})`, {
            code: 'E_AUTH',
            subject: name,
          }),
        );
      } else {
        fail(err);
      }
    };
    const onClose = (): void => fail(new Error('connection closed before the SSH handshake completed'));
    const guard = setTimeout(() => fail(new Error(`no SSH handshake within ${timeoutMs} ms`)), timeoutMs + 250);

    client.on('ready', onReady);
    client.on('error', onError);
    client.on('close', onClose);
    client.on('handshake', onHandshake);

    const cfg: ConnectConfig = {
      host,
      port,
      username,
      readyTimeout: timeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
      hostVerifier: (key: Buffer): boolean => {
        presented = Buffer.from(key);
        refusal = policy.verify(presented);
        return refusal === undefined;
      },
    };
    if (policy.algorithms) cfg.algorithms = policy.algorithms;
    const auth = opts.auth;
    if ('password' in auth) cfg.password = auth.password;
    else if ('privateKey' in auth) {
      cfg.privateKey = auth.privateKey;
      if (auth.passphrase !== undefined) cfg.passphrase = auth.passphrase;
    } else cfg.agent = auth.agent;

    try {
      client.connect(cfg);
    } catch (err) {
      // ssh2 throws synchronously for configuration problems (an unreadable private key, an unknown algorithm...).
      settled = true;
      cleanup();
      reject(new ConfigError(`${name}: bad SSH configuration: ${causeText(err)}`, { subject: name, cause: err }));
    }
  });
}
