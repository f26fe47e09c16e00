/**
 * SSH algorithms per device: the inventory's `algorithms` block turned into ssh2
 * options, and an emulated 2007-era board.
 *
 * Why emulated: Debian's dropbear (2022.83) cannot be limited to old algorithms (it has
 * no option for that, and diffie-hellman-group1-sha1 and the CBC ciphers are compiled
 * out), so the "2007 dropbear" here is ssh2's own Server restricted to what such a board
 * offers: diffie-hellman-group1-sha1, ssh-rsa, aes128-cbc / 3des-cbc, hmac-sha1 /
 * hmac-md5, identifying as dropbear_0.48. A real server limited the same way is OpenSSH
 * sshd with KexAlgorithms/HostKeyAlgorithms/Ciphers/MACs: see ssh-real-servers.test.ts.
 */
import { generateKeyPair } from '../../rig/keys.ts';
import ssh2 from 'ssh2';
import type { Algorithms, Connection, ServerChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchError, ConfigError } from '../errors.ts';
import {
  LEGACY_ALGORITHMS,
  describeNoMatch,
  effectiveList,
  probeServerAlgorithms,
  ssh2AlgorithmLists,
  sshAlgorithms,
  sshAlgorithmsFor,
} from '../controllers/ssh/algorithms.ts';
import { SshDevice, serializesExecs, type SshConnectOptions } from '../controllers/ssh/ssh-device.ts';
import { SSH_ALGORITHM_NAMES } from '../inventory/schema.ts';

const { Server, utils } = ssh2;

describe('algorithms from the inventory', () => {
  it('nothing asked: nothing changed (ssh2 defaults)', () => {
    expect(sshAlgorithms(undefined)).toBeUndefined();
    expect(sshAlgorithms({ legacy: false })).toBeUndefined();
  });

  it('legacy: the old algorithms appended after the modern defaults, only those this build has', () => {
    const a = sshAlgorithms({ legacy: true }) as Record<string, { append: string[] }>;
    const lists = ssh2AlgorithmLists();
    expect(a.kex.append).toContain('diffie-hellman-group1-sha1');
    expect(a.serverHostKey.append).toEqual(expect.arrayContaining(['ssh-rsa', 'ssh-dss']));
    expect(a.cipher.append).toContain('aes128-cbc');
    expect(a.hmac.append).toEqual(expect.arrayContaining(['hmac-sha1', 'hmac-md5']));
    for (const v of Object.values(a.cipher.append)) expect(lists.cipher.supported).toContain(v);
    const kex = effectiveList(a as never, 'kex');
    expect(kex.slice(0, lists.kex.default.length)).toEqual(lists.kex.default); // modern first
    expect(kex.at(-1)).toBe('diffie-hellman-group1-sha1');
  });

  it('an explicit list is offered exactly; legacy fills only the categories not listed', () => {
    const a = sshAlgorithms({ legacy: true, kex: ['diffie-hellman-group14-sha1'], cipher: ['aes128-ctr'] });
    expect(effectiveList(a, 'kex')).toEqual(['diffie-hellman-group14-sha1']);
    expect(effectiveList(a, 'cipher')).toEqual(['aes128-ctr']);
    expect(effectiveList(a, 'hostKey')).toContain('ssh-dss');
    expect(effectiveList(sshAlgorithms({ mac: ['hmac-sha1'] }), 'kex')).toEqual(ssh2AlgorithmLists().kex.default);
  });

  it('an algorithm this build cannot use is a ConfigError naming the device', () => {
    const unusable = SSH_ALGORITHM_NAMES.cipher.find((c) => !ssh2AlgorithmLists().cipher.supported.includes(c)) ?? 'no-such-cipher';
    expect(() => sshAlgorithmsFor('client', { cipher: [unusable] })).toThrow(ConfigError);
    expect(() => sshAlgorithmsFor('client', { cipher: [unusable] })).toThrow(/^client: algorithms: cipher algorithm .* not available/);
  });

  it("the inventory's names are ssh2's names (what this build supports is a subset)", () => {
    const lists = ssh2AlgorithmLists();
    for (const [cat, names] of Object.entries(SSH_ALGORITHM_NAMES) as [keyof typeof lists, readonly string[]][]) {
      for (const supported of lists[cat].supported) expect(names).toContain(supported);
    }
    for (const [cat, names] of Object.entries(LEGACY_ALGORITHMS) as [keyof typeof SSH_ALGORITHM_NAMES, readonly string[]][]) {
      for (const n of names) expect(SSH_ALGORITHM_NAMES[cat]).toContain(n);
    }
  });

  it('knows which dropbear versions lose channels under concurrency (#321, 2022.82 to 2024.85)', () => {
    expect(serializesExecs('dropbear_2022.82')).toBe(true);
    expect(serializesExecs('dropbear_2022.83')).toBe(true);
    expect(serializesExecs('dropbear_2024.85')).toBe(true);
    expect(serializesExecs('dropbear_2024.86')).toBe(false);
    expect(serializesExecs('dropbear_2020.81')).toBe(false);
    expect(serializesExecs('dropbear_0.48')).toBe(false);
    expect(serializesExecs('OpenSSH_9.2p1')).toBe(false);
    expect(serializesExecs('')).toBe(false);
  });
});

/** A 2007 dropbear, emulated: ssh2's Server limited to what such a board offers. */
const OLD_BOARD: Algorithms = {
  kex: ['diffie-hellman-group1-sha1'],
  serverHostKey: ['ssh-rsa'],
  cipher: ['aes128-cbc', '3des-cbc'],
  hmac: ['hmac-sha1', 'hmac-md5'],
};

describe('an emulated 2007 board (dropbear 0.48: group1-sha1, ssh-rsa, aes128-cbc, hmac-sha1)', { timeout: 20_000 }, () => {
  let server: InstanceType<typeof Server>;
  let port: number;
  let hostFp: string;
  const client = generateKeyPair('rig test');
  const clientPub = (() => {
    const p = utils.parseKey(client.public);
    if (p instanceof Error) throw p;
    return (Array.isArray(p) ? p[0] : p).getPublicSSH();
  })();

  beforeAll(async () => {
    const hostKey = utils.generateKeyPairSync('rsa', { bits: 2048 });
    const parsed = utils.parseKey(hostKey.public);
    if (parsed instanceof Error) throw parsed;
    hostFp = SshDevice.fingerprintOf((Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH());
    server = new Server({ hostKeys: [hostKey.private], ident: 'dropbear_0.48', algorithms: OLD_BOARD }, (conn: Connection) => {
      conn.on('error', () => {});
      conn.on('authentication', (ctx) => {
        if (ctx.method === 'publickey' && ctx.key.data.equals(clientPub)) return ctx.accept();
        return ctx.reject(['publickey']);
      });
      conn.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const ch: ServerChannel = acceptExec();
          ch.write(`ran: ${info.command}\n`);
          ch.exit(0);
          ch.end();
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const opts = (extra: Partial<SshConnectOptions> = {}): SshConnectOptions => ({
    name: 'client',
    host: '127.0.0.1',
    port,
    username: 'root',
    auth: { privateKey: client.private },
    hostKeyFingerprint: hostFp,
    connectDeadlineMs: 10_000,
    ...extra,
  });

  it('by default the controller refuses it at once: E_ALGORITHMS says what the board offers and what to set', async () => {
    const t0 = Date.now();
    let err: unknown;
    try {
      await SshDevice.connect(opts());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BenchError);
    const e = err as BenchError;
    expect(e.code).toBe('E_ALGORITHMS');
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain('client');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.message).toContain('diffie-hellman-group1-sha1');
    expect(e.message).toContain('SSH-2.0-dropbear_0.48');
    expect(e.message).toContain('`algorithms: { legacy: true }`');
    expect(Date.now() - t0).toBeLessThan(4000); // no retrying until the deadline
  });

  it('with legacy algorithms it connects and negotiates exactly the old set', async () => {
    const logs: string[] = [];
    const d = await SshDevice.connect(opts({ algorithms: sshAlgorithms({ legacy: true }), log: (m) => logs.push(m) }));
    try {
      expect(d.negotiated).toEqual({ kex: 'diffie-hellman-group1-sha1', serverHostKey: 'ssh-rsa', cipher: 'aes128-cbc', mac: 'hmac-sha1' });
      expect(d.hostKeyType).toBe('ssh-rsa');
      expect(d.serverSoftware).toBe('dropbear_0.48');
      expect((await d.exec('iwconfig ath0')).stdout).toBe('ran: iwconfig ath0\n');
      expect(logs.join('\n')).toContain('diffie-hellman-group1-sha1, ssh-rsa, aes128-cbc, hmac-sha1');
    } finally {
      await d.close();
    }
  });

  it('explicit lists work too (3des-cbc, hmac-md5)', async () => {
    const d = await SshDevice.connect(
      opts({ algorithms: sshAlgorithms({ kex: ['diffie-hellman-group1-sha1'], hostKey: ['ssh-rsa'], cipher: ['3des-cbc'], mac: ['hmac-md5'] }) }),
    );
    try {
      expect(d.negotiated).toEqual({ kex: 'diffie-hellman-group1-sha1', serverHostKey: 'ssh-rsa', cipher: '3des-cbc', mac: 'hmac-md5' });
    } finally {
      await d.close();
    }
  });

  it('probeServerAlgorithms reads the KEXINIT; describeNoMatch names each category that fails', async () => {
    const offer = await probeServerAlgorithms('127.0.0.1', port);
    expect(offer).toMatchObject({ ident: 'SSH-2.0-dropbear_0.48', kex: ['diffie-hellman-group1-sha1'], hostKey: ['ssh-rsa'] });
    expect(offer?.cipher).toEqual(['aes128-cbc', '3des-cbc']);
    const text = describeNoMatch(offer, undefined);
    expect(text).toMatch(/no common key exchange algorithm \(the server offers diffie-hellman-group1-sha1\)/);
    expect(text).toMatch(/no common cipher algorithm \(the server offers aes128-cbc, 3des-cbc\)/);
    expect(text).not.toMatch(/host key|MAC/); // ssh-rsa and hmac-sha1 are still in ssh2's defaults
    expect(describeNoMatch(offer, sshAlgorithms({ legacy: true }))).toContain('agree on no algorithm set');
    expect(await probeServerAlgorithms('127.0.0.1', 1, 500)).toBeUndefined();
  });
});
