/**
 * How to reach a device over SSH, from its inventory entry: address (or the
 * provisioner's override), host-key pinning, algorithms, deadlines, and the auth
 * material (a key file, a password from an environment variable, or the agent;
 * never a secret from the inventory itself).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { sshAlgorithmsFor } from '../controllers/ssh/algorithms.ts';
import type { SshConnectOptions } from '../controllers/ssh/ssh-device.ts';
import type { Bench, DeviceName } from '../inventory/schema.ts';
import type { EndpointOverrides } from './provision.ts';

function authFor(name: string, auth: Bench['devices']['ap1']['auth']): SshConnectOptions['auth'] {
  if (auth.method === 'keyFile') {
    try {
      return { privateKey: readFileSync(auth.keyFile) };
    } catch {
      throw new ConfigError(`${name}: cannot read the SSH key file ${auth.keyFile}`, { code: 'E_KEYFILE', subject: name });
    }
  }
  if (auth.method === 'password') {
    const pw = process.env[auth.passwordEnv];
    if (!pw) throw new ConfigError(`${name}: environment variable ${auth.passwordEnv} (its SSH password) is not set`, { code: 'E_SECRET_ENV', subject: name });
    return { password: pw };
  }
  const sock = process.env.SSH_AUTH_SOCK;
  if (!sock) throw new ConfigError(`${name}: auth is the SSH agent, but SSH_AUTH_SOCK is not set`, { code: 'E_AGENT', subject: name });
  return { agent: sock };
}

export function sshOptionsFor(bench: Bench, name: DeviceName, overrides: EndpointOverrides | undefined, log?: (m: string) => void): SshConnectOptions {
  const d = bench.devices[name];
  const o = overrides?.devices?.[name];
  return {
    name,
    host: o?.host ?? d.host,
    port: o?.port ?? d.port,
    username: d.user,
    auth: authFor(name, d.auth),
    // Host keys: a provisioner that started the boards pins their keys; a real board's key comes
    // from the inventory (hostKeyFingerprint and/or knownHosts), and without either SshDevice refuses it.
    ...(o?.hostKeyFingerprint !== undefined ? { hostKeyFingerprint: o.hostKeyFingerprint } : { hostKeyFingerprint: d.hostKeyFingerprint, knownHosts: d.knownHosts }),
    algorithms: sshAlgorithmsFor(name, d.algorithms),
    connectDeadlineMs: d.connectTimeoutS * 1000,
    keepaliveIntervalMs: 5000,
    commandChannel: d.commandChannel,
    log,
  };
}
