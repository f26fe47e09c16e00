/**
 * The inventory: plain data describing where the benches are (labgrid's
 * "resources"). Validated with zod; every value that can end up in a remote
 * command is restricted to a safe character set here, and shell-quoted again
 * where it is used.
 *
 * Every schema is strict (an unknown key is an error: in a lab it is a typo),
 * defaults are applied by zod so the parsed result is complete, and every
 * error message is phrased as "expected ..." so the loader can append
 * ", got <value>" and the YAML position.
 */
import { z } from 'zod';
import { FAULT_KINDS } from './fault-kinds.ts';

// --------------------------------------------------------------------------
// Building blocks
// --------------------------------------------------------------------------

/** One message for every way a field can fail (type, format, range). */
const msg = (expect: string) => ({ error: expect });

function intIn(min: number, max: number, expect: string) {
  return z.number(msg(expect)).int(msg(expect)).min(min, msg(expect)).max(max, msg(expect));
}

function str(re: RegExp, expect: string) {
  return z.string(msg(expect)).regex(re, msg(expect));
}

/** A number in [min, max] that is a multiple of `step` (attenuator values: 0.25 dB steps). */
function stepped(min: number, max: number, step: number, expect: string) {
  return z.number(msg(expect)).min(min, msg(expect)).max(max, msg(expect)).multipleOf(step, msg(expect));
}

/** A positive number (> 0) up to max. */
function positive(max: number, expect: string) {
  return z.number(msg(expect)).gt(0, msg(expect)).max(max, msg(expect));
}

/** Hostname or IP literal. No leading "-": it would read as an option to ssh or ping. */
export const HOST_RE = /^(?!-)[A-Za-z0-9.:-]{1,253}$/;
const HOST_EXPECT = 'expected a hostname or IP literal (letters, digits, ".", ":", "-"; not starting with "-")';

/** ESSID: printable ASCII without quotes, backslashes or shell metacharacters. */
export const ESSID_RE = /^(?![- ])[A-Za-z0-9 _.,:@+=/-]{1,32}(?<! )$/;
const ESSID_EXPECT =
  'expected an ESSID: 1..32 of A-Z a-z 0-9 space _ . , : @ + = / - ' +
  '(no quotes, backslash, $ ; ` or control characters; no leading "-" or space, no trailing space)';
/** Words iwconfig reads as keywords after `essid`, not as a network name. */
const IWCONFIG_ESSID_KEYWORDS = ['any', 'on', 'off'];

export const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
export const ENV_NAME_RE = /^[A-Z_][A-Z0-9_]{0,127}$/;
const ENV_EXPECT = 'expected the name of an environment variable ([A-Z_][A-Z0-9_]*), never the secret itself';
/** Bench, attenuator and variant names: they become folder names, CLI arguments, report labels. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAME_EXPECT = 'expected a name of letters, digits, ".", "_", "-" (starting with a letter or digit, at most 64)';

const PATH_EXPECT = 'expected a file path (no control characters), relative to the inventory file\'s folder or absolute';
const pathString = str(/^[^\u0000-\u001f\u007f]{1,4096}$/, PATH_EXPECT);

/** OpenSSH SHA256 fingerprint as printed by `ssh-keygen -lf` (base64 of 32 bytes, padding optional). */
export const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

const PORT_EXPECT = 'expected an integer 1..65535 (0 only on a virtual bench)';

/** host:port, IPv6 literals in brackets. */
export const ADDRESS_RE = /^(?:\[([0-9A-Fa-f:.]+)\]|((?!-)[A-Za-z0-9.-]{1,253})):([0-9]{1,5})$/;
const ADDRESS_EXPECT =
  'expected host:port with port 1..65535 (0 only on a virtual bench), e.g. 192.168.1.50:80 or [fd00::50]:23';

function splitAddress(address: string): { host: string; port: number } | undefined {
  const m = ADDRESS_RE.exec(address);
  return m ? { host: m[1] ?? m[2], port: Number(m[3]) } : undefined;
}

/** Split an attenuator address ("host:port", "[v6]:port") into its parts. */
export function parseAddress(address: string): { host: string; port: number } {
  const parts = splitAddress(address);
  if (!parts) throw new TypeError(`not a host:port address: ${JSON.stringify(address)}`);
  return parts;
}

const DB_EXPECT = (what: string) => `expected ${what} in dB, 0..120, a multiple of 0.25`;

// --------------------------------------------------------------------------
// Devices
// --------------------------------------------------------------------------

export const DEVICE_NAMES = ['ap1', 'ap2', 'client'] as const;
export const AP_NAMES = ['ap1', 'ap2'] as const;
export type DeviceName = (typeof DEVICE_NAMES)[number];
export type ApName = (typeof AP_NAMES)[number];

export type SshAuth =
  | { method: 'keyFile'; /** Absolute after loading. */ keyFile: string }
  | { method: 'password'; /** Name of the environment variable holding the password. */ passwordEnv: string }
  | { method: 'agent' };

const AUTH_KEYS = ['keyFile', 'passwordEnv', 'agent'] as const;

export const SshAuthSchema = z
  .strictObject({
    keyFile: pathString.optional(),
    passwordEnv: str(ENV_NAME_RE, ENV_EXPECT).optional(),
    agent: z.literal(true, msg('expected true (authenticate with the SSH agent at SSH_AUTH_SOCK)')).optional(),
  })
  .superRefine((a, ctx) => {
    const given = AUTH_KEYS.filter((k) => a[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          'expected exactly one of keyFile, passwordEnv, agent: true' +
          (given.length === 0 ? ', got none' : `, got ${given.join(' and ')}`),
      });
    }
  })
  .transform((a): SshAuth => {
    if (a.keyFile !== undefined) return { method: 'keyFile', keyFile: a.keyFile };
    if (a.passwordEnv !== undefined) return { method: 'password', passwordEnv: a.passwordEnv };
    return { method: 'agent' };
  });

/** Any Linux interface name (IFNAMSIZ: at most 15 characters); each driver narrows it (madwifi: athN on wifiN). */
const IFACE_RE = /^[a-z][a-z0-9_.-]{0,14}$/;
const IFACE_EXPECT = 'expected a wireless interface name like ath0 (madwifi) or wlan0 (nl80211)';
const RADIO_RE = /^[a-z][a-z0-9_-]{0,15}$/;
const RADIO_EXPECT_ANY = 'expected a radio name like wifi0 (madwifi) or phy0 (nl80211)';
const INTERFACE_EXPECT = 'expected a madwifi VAP interface name like ath0';
const RADIO_EXPECT = 'expected a madwifi radio name like wifi0';
/** What madwifi names its VAPs and radios. */
const MADWIFI_IFACE_RE = /^ath[0-9]{1,2}$/;
const MADWIFI_RADIO_RE = /^wifi[0-9]{1,2}$/;

export const ClientWirelessSchema = z.strictObject({
  interface: str(IFACE_RE, IFACE_EXPECT),
  radio: str(RADIO_RE, RADIO_EXPECT_ANY),
  /**
   * nl80211: where the station's association events come from: `iw` (`iw event -t`, the
   * default) or `wpa_supplicant` (its own `-t -f` log: Trying to authenticate, Associated
   * with, CTRL-EVENT-CONNECTED / DISCONNECTED, with wpa_supplicant's stamps) or `wpa_cli`
   * (the same events from an interactive wpa_cli attached to its control socket, on a pty,
   * stamped on arrival).
   */
  events: z.enum(['iw', 'wpa_supplicant', 'wpa_cli'], msg('expected iw, wpa_supplicant or wpa_cli')).optional(),
});

const CHANNEL_EXPECT = 'expected a Wi-Fi channel, an integer 1..14 or 36..165';
export const ApWirelessSchema = z.strictObject({
  interface: str(IFACE_RE, IFACE_EXPECT),
  radio: str(RADIO_RE, RADIO_EXPECT_ANY),
  channel: z
    .number(msg(CHANNEL_EXPECT))
    .int(msg(CHANNEL_EXPECT))
    .refine((c) => (c >= 1 && c <= 14) || (c >= 36 && c <= 165), msg(CHANNEL_EXPECT)),
  txPowerDbm: intIn(0, 30, 'expected a transmit power in dBm, an integer 0..30').default(18),
  /** The bridge hostapd adds the AP's interface to (nl80211: hostapd.conf `bridge=`), e.g. br0. */
  bridge: str(IFACE_RE, 'expected a bridge interface name like br0').optional(),
});

/**
 * SSH algorithm names the controller's SSH library (ssh2) knows, by category, in the
 * SSH protocol's spelling. Which of them a build can use depends on its OpenSSL; one it
 * cannot is reported when connecting.
 */
export const SSH_ALGORITHM_NAMES = {
  kex: [
    'curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256', 'diffie-hellman-group14-sha256', 'diffie-hellman-group15-sha512',
    'diffie-hellman-group16-sha512', 'diffie-hellman-group17-sha512', 'diffie-hellman-group18-sha512',
    'diffie-hellman-group-exchange-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1',
  ],
  hostKey: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss'],
  cipher: [
    'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr',
    'aes128-gcm', 'aes256-gcm', 'aes256-cbc', 'aes192-cbc', 'aes128-cbc', 'blowfish-cbc', '3des-cbc', 'cast128-cbc',
    'arcfour256', 'arcfour128', 'arcfour',
  ],
  mac: [
    'hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha1-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512',
    'hmac-sha1', 'hmac-md5', 'hmac-sha2-256-96', 'hmac-sha2-512-96', 'hmac-ripemd160', 'hmac-sha1-96', 'hmac-md5-96',
  ],
} as const;

function algorithmList(names: readonly [string, ...string[]], what: string) {
  const expect = `expected a list of ${what}, each once, from: ${names.join(', ')}`;
  return z
    .array(z.enum(names, msg(expect)), msg(expect))
    .min(1, msg(expect))
    .refine((l) => new Set(l).size === l.length, msg(expect));
}

/**
 * Per device: which SSH algorithms to offer. Off by default (the SSH library's modern
 * defaults). `legacy: true` also offers, after those, what 2007-era boards (dropbear
 * 0.4x/0.5x, OpenSSH 4.x) have: diffie-hellman-group1/group14/group-exchange-sha1,
 * ssh-rsa and ssh-dss host keys, CBC ciphers, hmac-sha1(-96) and hmac-md5. A list given
 * for a category is offered exactly, in that order, instead.
 */
export const SshAlgorithmsSchema = z.strictObject({
  legacy: z.boolean(msg('expected true or false (true: also offer the old algorithms of 2007-era boards)')).default(false),
  kex: algorithmList(SSH_ALGORITHM_NAMES.kex, 'key exchange algorithms').optional(),
  hostKey: algorithmList(SSH_ALGORITHM_NAMES.hostKey, 'host key algorithms').optional(),
  cipher: algorithmList(SSH_ALGORITHM_NAMES.cipher, 'ciphers').optional(),
  mac: algorithmList(SSH_ALGORITHM_NAMES.mac, 'MAC algorithms').optional(),
});

const DRIVER_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const DRIVER_EXPECT = 'expected a driver name (lower-case letters, digits, ".", "_", "-")';

const envName = () => str(ENV_NAME_RE, ENV_EXPECT);

/** A regular expression given as text (checked to compile). */
const REGEX_EXPECT = 'expected a regular expression (JavaScript syntax)';
const regexString = z.string(msg(REGEX_EXPECT)).min(1, msg(REGEX_EXPECT)).max(512, msg(REGEX_EXPECT)).refine((r) => {
  try {
    new RegExp(r);
    return true;
  } catch {
    return false;
  }
}, msg(REGEX_EXPECT));

/** SNMP settings of an SNMP power switch (apc-snmp, raritan-snmp): v2c community or v3 user, all secrets by environment variable. */
export const PowerSnmpSchema = z.strictObject({
  version: z.enum(['2c', '3'], msg('expected SNMP version "2c" or "3"')).default('2c'),
  /** v2c: the environment variable holding the write community. */
  communityEnv: envName().optional(),
  /** v3: the user (the power entry's usernameEnv names its variable), its authentication and privacy. */
  authProtocol: z.enum(['md5', 'sha'], msg('expected md5 or sha')).optional(),
  authKeyEnv: envName().optional(),
  privProtocol: z.enum(['des', 'aes'], msg('expected des or aes')).optional(),
  privKeyEnv: envName().optional(),
  /** Raritan PDU2-MIB: which PDU of a daisy chain (pduId), default 1. */
  pduId: intIn(1, 255, 'expected a PDU id, an integer 1..255').default(1),
});

const REST_URL_EXPECT = 'expected a URL path starting with "/" (printable, no spaces; {outlet} is replaced by the outlet number)';
const PowerRestRequestSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT'], msg('expected GET, POST or PUT')).default('GET'),
  url: str(/^\/[\x21-\x7e]{0,1023}$/, REST_URL_EXPECT),
  /** Request body ({outlet} replaced); sent as JSON when it parses as JSON. */
  body: z.string(msg('expected a request body (text)')).max(4096, msg('expected a request body of at most 4096 characters')).optional(),
});

/** A power switch with an HTTP interface of its own: one request per action, the state read back by regex (or a JSON path, then regex). */
export const PowerRestSchema = z.strictObject({
  scheme: z.enum(['http', 'https'], msg('expected http or https')).default('http'),
  on: PowerRestRequestSchema,
  off: PowerRestRequestSchema,
  state: PowerRestRequestSchema,
  /** Dot path into the state answer's JSON ({outlet} replaced; array indexes as numbers), e.g. outlets.{outlet}.state. */
  jsonPath: str(/^[A-Za-z0-9_{}$-]+(\.[A-Za-z0-9_{}$-]+)*$/, 'expected a dot path into the JSON answer, e.g. outlets.{outlet}.state').optional(),
  /** The state text (or JSON value) means on / off when it matches these. */
  onMatch: regexString,
  offMatch: regexString,
  /** Bearer token's environment variable (else basic authentication with usernameEnv/passwordEnv, if given). */
  tokenEnv: envName().optional(),
});

const ARGV_EXPECT = 'expected a program and its arguments as a list of strings ({outlet} and {action} are replaced)';
const argvSchema = z.array(str(/^[^\u0000]{1,4096}$/, ARGV_EXPECT), msg(ARGV_EXPECT)).min(1, msg(ARGV_EXPECT)).max(64, msg(ARGV_EXPECT));

/** A lab's own power script, run without a shell: switch with {action} = on|off, state read from its output. */
export const PowerCommandSchema = z.strictObject({
  switch: argvSchema,
  state: argvSchema,
  onMatch: regexString,
  offMatch: regexString,
  timeoutS: positive(600, 'expected a timeout in seconds, > 0 and at most 600').default(10),
});

/** The network power switch outlet feeding a board (a PDU), for power-cycling it when it hangs. */
export const PowerSchema = z.strictObject({
  /** Power switch driver (e.g. gude); the rig lists the supported ones when it does not know it. */
  driver: str(DRIVER_NAME_RE, DRIVER_EXPECT),
  /** Where the switch listens (every driver but command needs it). */
  address: str(ADDRESS_RE, ADDRESS_EXPECT).refine((a) => (splitAddress(a)?.port ?? 0) <= 65535, msg(ADDRESS_EXPECT)).optional(),
  outlet: intIn(1, 48, 'expected an outlet number, an integer 1..48'),
  /** Names of the environment variables holding the PDU's credentials, when it has any. */
  usernameEnv: envName().optional(),
  passwordEnv: envName().optional(),
  /** How long the outlet may take to read back the new state (default 2 s). */
  settleS: positive(120, 'expected seconds, > 0 and at most 120').optional(),
  snmp: PowerSnmpSchema.optional(),
  rest: PowerRestSchema.optional(),
  command: PowerCommandSchema.optional(),
});

/** The board's serial console through a console server (ser2net), for the capture and for logging in when SSH is gone. */
export const ConsoleSchema = z.strictObject({
  /** ser2net-tcp (a raw TCP port) or ser2net-telnet (telnet, RFC 2217 where offered); the rig lists the supported ones when it does not know it. */
  driver: str(DRIVER_NAME_RE, DRIVER_EXPECT),
  address: str(ADDRESS_RE, ADDRESS_EXPECT).refine((a) => (splitAddress(a)?.port ?? 0) <= 65535, msg(ADDRESS_EXPECT)),
  /** Login name at the console's `login:` prompt (default root). */
  user: str(USER_RE, 'expected a user name ([a-z_][a-z0-9_-]*, at most 32)').optional(),
  /** NAME of the environment variable holding the console login's password. */
  passwordEnv: str(ENV_NAME_RE, ENV_EXPECT).optional(),
});
/** Which settings block each power driver needs (drivers not listed need none). */
const POWER_SETTINGS_NEEDED: Record<string, 'snmp' | 'rest' | 'command'> = { 'apc-snmp': 'snmp', 'raritan-snmp': 'snmp', rest: 'rest', command: 'command' };

function checkPower(p: z.output<typeof PowerSchema>, path: (string | number)[], ctx: z.RefinementCtx): void {
  const needed = POWER_SETTINGS_NEEDED[p.driver];
  if (p.driver !== 'command' && p.address === undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'address'], message: `expected the power switch's address host:port (driver ${p.driver})` });
  }
  if (needed && p[needed] === undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, needed], message: `expected a ${needed}: block (driver ${p.driver} needs its settings)` });
  }
  for (const block of ['snmp', 'rest', 'command'] as const) {
    if (p[block] !== undefined && needed !== block) {
      ctx.addIssue({ code: 'custom', path: [...path, block], message: `a ${block}: block is for ${Object.keys(POWER_SETTINGS_NEEDED).filter((d) => POWER_SETTINGS_NEEDED[d] === block).join(' / ')}, not driver ${p.driver}` });
    }
  }
  const snmp = p.snmp;
  if (snmp && needed === 'snmp') {
    if (snmp.version === '2c' && snmp.communityEnv === undefined) {
      ctx.addIssue({ code: 'custom', path: [...path, 'snmp', 'communityEnv'], message: 'expected communityEnv: the environment variable holding the SNMP v2c write community' });
    }
    if (snmp.version === '3' && p.usernameEnv === undefined) {
      ctx.addIssue({ code: 'custom', path: [...path, 'usernameEnv'], message: 'expected usernameEnv: the environment variable holding the SNMP v3 user name' });
    }
    if ((snmp.authProtocol === undefined) !== (snmp.authKeyEnv === undefined)) {
      ctx.addIssue({ code: 'custom', path: [...path, 'snmp', snmp.authProtocol === undefined ? 'authProtocol' : 'authKeyEnv'], message: 'expected authProtocol and authKeyEnv together' });
    }
    if ((snmp.privProtocol === undefined) !== (snmp.privKeyEnv === undefined)) {
      ctx.addIssue({ code: 'custom', path: [...path, 'snmp', snmp.privProtocol === undefined ? 'privProtocol' : 'privKeyEnv'], message: 'expected privProtocol and privKeyEnv together' });
    }
    if (snmp.privProtocol !== undefined && snmp.authProtocol === undefined) {
      ctx.addIssue({ code: 'custom', path: [...path, 'snmp', 'authProtocol'], message: 'SNMP v3 privacy needs authentication too (authProtocol, authKeyEnv)' });
    }
  }
}

/** Fields shared by APs and the client: how to reach the board over SSH. */
const deviceFields = {
  /** Which implementation drives the board's radio (the station or access point role). */
  driver: str(DRIVER_NAME_RE, DRIVER_EXPECT).default('madwifi'),
  /** Its power outlet, when the lab has a network power switch. */
  power: PowerSchema.optional(),
  /** Its serial console, when the lab has a console server. */
  console: ConsoleSchema.optional(),
  host: str(HOST_RE, HOST_EXPECT),
  port: intIn(0, 65535, PORT_EXPECT),
  user: str(USER_RE, 'expected a user name ([a-z_][a-z0-9_-]*, at most 32)'),
  auth: SshAuthSchema,
  /**
   * Host key pinning (a real board needs at least one; the virtual rig pins its own keys).
   * Both given: the key must match both.
   */
  hostKeyFingerprint: str(FINGERPRINT_RE, 'expected an OpenSSH fingerprint "SHA256:<43 base64 characters>" (ssh-keygen -lf)').optional(),
  /** OpenSSH known_hosts file (`[host]:port keytype base64` lines; `rig trust` adds to it); absolute after loading. */
  knownHosts: pathString.optional(),
  /** SSH algorithms to offer (default: the modern set; `legacy: true` for 2007-era boards). */
  algorithms: SshAlgorithmsSchema.optional(),
  /** Deadline for connecting, retries included. */
  connectTimeoutS: positive(3600, 'expected a connect deadline in seconds, > 0 and at most 3600').default(20),
  /** Default timeout of one remote command. */
  commandTimeoutS: positive(3600, 'expected a command timeout in seconds, > 0 and at most 3600').default(10),
  /**
   * How commands run: `shell` (default), written to long-lived shell sessions on the board
   * (exec channels when its shell cannot be used); `exec`, one SSH exec channel per command.
   */
  commandChannel: z.enum(['shell', 'exec'], msg('expected shell or exec')).default('shell'),
};

export const ApDeviceSchema = z.strictObject({
  role: z.literal('ap', msg('expected role ap (ap1 and ap2 are the access points)')),
  ...deviceFields,
  wireless: ApWirelessSchema,
});

export const ClientDeviceSchema = z.strictObject({
  role: z.literal('client', msg('expected role client (the device named client is the station)')),
  ...deviceFields,
  wireless: ClientWirelessSchema,
});

export const DevicesSchema = z.strictObject({
  ap1: ApDeviceSchema,
  ap2: ApDeviceSchema,
  client: ClientDeviceSchema,
});

// --------------------------------------------------------------------------
// Attenuators, traffic, roaming, profile, thresholds
// --------------------------------------------------------------------------

const ATTENUATOR_MODEL = str(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a model string like RCDAT-6000-60, RC4DAT-6G-95 or 8310');
const ATTENUATOR_PROTOCOL = z.enum(['http', 'telnet'], msg('expected http or telnet'));
const ATTENUATOR_ADDRESS = str(ADDRESS_RE, ADDRESS_EXPECT).refine((a) => (splitAddress(a)?.port ?? 0) <= 65535, msg(ADDRESS_EXPECT));
const ATTENUATOR_SAFE_DB = stepped(0, 120, 0.25, DB_EXPECT('the value set on shutdown'));
/** What says which physical unit an attenuator is a channel of: a named unit, or these three. */
const UNIT_KEYS = ['model', 'protocol', 'address'] as const;

/** One physical attenuator unit, named once (`attenuatorUnits:`); attenuators name it and their channel. */
const AttenuatorUnitSchema = z.strictObject({
  /** The unit's model (Mini-Circuits RCDAT-6000-60, RC4DAT-6G-95; Aeroflex/Weinschel 8310); the driver registry picks the driver by it. */
  model: ATTENUATOR_MODEL,
  protocol: ATTENUATOR_PROTOCOL,
  address: ATTENUATOR_ADDRESS,
  /** Value set on shutdown on each of its channels; defaults to profile.range.maxDb. */
  safeDb: ATTENUATOR_SAFE_DB.optional(),
});

/**
 * One attenuator in one AP's RF path: a channel of a physical unit, given either as
 * `unit:` (a name under `attenuatorUnits`) or, the older form, by `model`, `protocol`
 * and `address` on the attenuator itself (attenuators at one address are one unit).
 */
const AttenuatorInputSchema = z.strictObject({
  /** The unit this attenuator is a channel of (a key of the bench's attenuatorUnits). */
  unit: str(NAME_RE, `${NAME_EXPECT} for an attenuator unit`).optional(),
  model: ATTENUATOR_MODEL.optional(),
  protocol: ATTENUATOR_PROTOCOL.optional(),
  address: ATTENUATOR_ADDRESS.optional(),
  /** Channel of a multi-channel unit (RC4DAT / RC8DAT); 1 for single-channel units. */
  channel: intIn(1, 16, 'expected an attenuator channel, an integer 1..16').default(1),
  /** The AP whose RF path this attenuator sits in. */
  path: z.enum(AP_NAMES, msg('expected ap1 or ap2 (the AP whose RF path this attenuator is in)')),
  /** Cables, splitters and combiner on that path; added to the programmed value in reports. */
  fixedLossDb: z
    .number(msg('expected the fixed path loss in dB, 0..200'))
    .min(0, msg('expected the fixed path loss in dB, 0..200'))
    .max(200, msg('expected the fixed path loss in dB, 0..200')),
  /** Value set on shutdown; defaults to the unit's safeDb, else profile.range.maxDb. */
  safeDb: ATTENUATOR_SAFE_DB.optional(),
});

/** How many channels a model has, when its name says (Mini-Circuits); null when only the unit can tell (8310). */
export function attenuatorModelChannels(model: string): number | null {
  const m = /^(RCDAT|RUDAT|RC4DAT|RC8DAT)-/i.exec(model.trim());
  if (!m) return null;
  const family = m[1].toUpperCase();
  return family === 'RC4DAT' ? 4 : family === 'RC8DAT' ? 8 : 1;
}

/**
 * Which physical unit an attenuator is a channel of, as a key: units at a real address
 * are one unit whatever form names them; at port 0 (a virtual bench: the rig picks the
 * port) a named unit is one unit and an attenuator of the older form is its own.
 */
export function attenuatorUnitKey(name: string, a: { unit?: string; address: string }): string {
  const parts = splitAddress(a.address);
  if (parts && parts.port !== 0) return `address ${parts.host.toLowerCase()}:${parts.port}`;
  return a.unit !== undefined ? `unit ${a.unit}` : `attenuator ${name}`;
}

export const TrafficSchema = z.strictObject({
  target: str(HOST_RE, HOST_EXPECT),
  intervalS: z
    .number(msg('expected a ping interval in seconds, 0.01..10'))
    .min(0.01, msg('expected a ping interval in seconds, 0.01..10'))
    .max(10, msg('expected a ping interval in seconds, 0.01..10')),
});

const RSSI_EXPECT = 'expected a roaming threshold in dB above the noise floor, an integer 0..127';
/** iwpriv values set on the client (madwifi: hostroaming, rssi11a/b/g). */
export const RoamingSchema = z
  .strictObject({
    hostroaming: intIn(0, 2, 'expected 0 (device), 1 (auto) or 2 (manual)').default(1),
    rssi11a: intIn(0, 127, RSSI_EXPECT).default(24),
    rssi11b: intIn(0, 127, RSSI_EXPECT).default(24),
    rssi11g: intIn(0, 127, RSSI_EXPECT).default(24),
    /** Seconds the scan cache counts as fresh for a roam decision (madwifi default 60). */
    scanvalid: intIn(1, 3600, 'expected the scan cache lifetime in seconds, an integer 1..3600').default(60),
  })
  .prefault({});

/**
 * How the crossfade trigger ramps (docs/roam-cycle.md, "The trigger"). `adaptive` (the
 * default): big steps while far from the client's roam threshold, a hold just short of it,
 * the crossing timed just before the driver's next roam check (its period a prior here, its
 * phase learned from the roams seen) and a scan that leaves the cache fresh for that check.
 * `fixed`: the plain ramp, `stepDb` every `stepDelayS`.
 */
export const CrossfadeSchema = z
  .strictObject({
    mode: z.enum(['adaptive', 'fixed'], msg('expected adaptive or fixed')).default('adaptive'),
    /** The client's roam check period, a prior (madwifi 0.9.3: sta_age() every IEEE80211_INACT_WAIT, 15 s). */
    checkPeriodS: positive(3600, 'expected the roam check period in seconds, > 0 and at most 3600').default(15),
    /** Step and dwell while the threshold is more than nearDb away. */
    fastStepDb: stepped(0.25, 60, 0.25, 'expected a step in dB, 0.25..60, a multiple of 0.25').default(15),
    fastDelayS: positive(600, 'expected a dwell per fast step in seconds, > 0 and at most 600').default(0.2),
    /** How far short of the threshold the approach stops and holds (dB). */
    nearDb: stepped(0, 60, 0.25, 'expected a margin in dB, 0..60, a multiple of 0.25').default(3),
    /** Cross this long before the predicted check at the least (grows by itself when a check is missed). */
    leadS: positive(600, 'expected a lead in seconds, > 0 and at most 600').default(3),
    /** Ask the client for a scan after crossing, so the check finds a fresh cache (madwifi: `iwlist athN scan`). */
    scan: z.boolean(msg('expected true or false')).default(true),
  })
  .prefault({});

export const ProfileSchema = z.strictObject({
  stepDb: stepped(0.25, 30, 0.25, 'expected a step in dB, 0.25..30, a multiple of 0.25'),
  stepDelayS: positive(600, 'expected a delay per step in seconds, > 0 and at most 600'),
  range: z.strictObject({
    minDb: stepped(0, 120, 0.25, DB_EXPECT('the lowest attenuation')),
    maxDb: stepped(0, 120, 0.25, DB_EXPECT('the highest attenuation')),
  }),
  baselinePings: intIn(3, 1000, 'expected K answered pings before a roam, an integer 3..1000').default(3),
  recoveryPings: intIn(3, 1000, 'expected K answered pings after a roam, an integer 3..1000').default(3),
  /**
   * What makes the client roam: `crossfade` (the attenuators ramp the current AP down and
   * the other up), `station-command` (the station is told to move, attenuation fixed),
   * `bss-transition` (the current AP sends a BSS Transition Management request) or
   * `txpower-crossfade` (the APs' transmit power ramps instead of attenuators).
   */
  trigger: str(DRIVER_NAME_RE, 'expected a roam trigger name, e.g. crossfade, station-command, bss-transition or txpower-crossfade').default('crossfade'),
  /** The crossfade trigger's mode and its knobs (CrossfadeSchema). */
  crossfade: CrossfadeSchema,
  /** Per-roam timeout, counted from the start of the trigger. */
  roamTimeoutS: positive(3600, 'expected a per-roam timeout in seconds, > 0 and at most 3600').default(60),
  /** Wait after recovery before a roam's record is final (late replies). */
  graceS: z
    .number(msg('expected a grace time in seconds, 0..60'))
    .min(0, msg('expected a grace time in seconds, 0..60'))
    .max(60, msg('expected a grace time in seconds, 0..60'))
    .default(2),
});

export const VariantThresholdsSchema = z.strictObject({
  maxMedianLostPerRoam: z
    .number(msg('expected a number of pings >= 0'))
    .min(0, msg('expected a number of pings >= 0')),
  maxLostPerRoam: intIn(0, 1_000_000, 'expected an integer number of pings >= 0'),
  maxInvalidFraction: z
    .number(msg('expected a fraction 0..1'))
    .min(0, msg('expected a fraction 0..1'))
    .max(1, msg('expected a fraction 0..1')),
});

/** Per variant name (e.g. firmware "stock", "patched"); `default` applies to variants not listed. */
export const ThresholdsSchema = z
  .object({ default: VariantThresholdsSchema })
  .catchall(VariantThresholdsSchema)
  .superRefine((t, ctx) => {
    for (const key of Object.keys(t)) {
      if (!NAME_RE.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `${NAME_EXPECT} for a variant` });
    }
  });

export const SecuritySchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('open') }),
    z.strictObject({ mode: z.literal('wpa-psk'), pskEnv: str(ENV_NAME_RE, ENV_EXPECT) }),
    z.strictObject({
      mode: z.literal('wep'),
      /** The environment variable holding the key: 10 / 26 hex digits or 5 / 13 ASCII characters (40 / 104 bit). */
      keyEnv: str(ENV_NAME_RE, ENV_EXPECT),
      /** Which of the four key slots holds it (iwconfig's [1]..[4]), default 1. */
      keyIndex: intIn(1, 4, 'expected a WEP key index, an integer 1..4').default(1),
      /** iwconfig's `key open` (unencrypted frames accepted too) or `key restricted` (only encrypted ones), default restricted. */
      keyMode: z.enum(['open', 'restricted'], msg('expected open or restricted')).default('restricted'),
    }),
  ],
  msg('expected open, wep or wpa-psk'),
);

const FAULT_EXPECT = `expected one of ${FAULT_KINDS.join(', ')}`;
export const FaultSchema = z.strictObject({
  kind: z.enum(FAULT_KINDS, msg(FAULT_EXPECT)),
  device: z.enum(DEVICE_NAMES, msg('expected ap1, ap2 or client')).optional(),
  attenuator: str(NAME_RE, `${NAME_EXPECT} for an attenuator`).optional(),
  /** In which roam cycle (1-based); without it, afterS counts from the start of the rig. */
  atRoam: intIn(1, 1_000_000, 'expected a roam index, an integer >= 1').optional(),
  afterS: z.number(msg('expected seconds >= 0')).min(0, msg('expected seconds >= 0')).optional(),
  durationS: z.number(msg('expected seconds > 0')).positive(msg('expected seconds > 0')).optional(),
  jumpS: z.number(msg('expected a clock jump in seconds')).optional(),
});

const COST_MS = (what: string) =>
  z
    .number(msg(`expected ${what} in model milliseconds, 0..60000`))
    .min(0, msg(`expected ${what} in model milliseconds, 0..60000`))
    .max(60_000, msg(`expected ${what} in model milliseconds, 0..60000`));

/** Defaults of `virtual.boardCosts` (docs/virtual-rig.md, "Board costs", says where each comes from). */
export const BOARD_COST_DEFAULTS = {
  channelOpenMs: 60,
  commandMs: 15,
  commands: { insmod: 60, rmmod: 40, md5sum: 250, sha256sum: 600, wlanconfig: 80, iwlist: 1200 } as Record<string, number>,
};

export const BoardCostsSchema = z.strictObject({
  /** Opening a session channel (exec, shell, sftp). */
  channelOpenMs: COST_MS('the cost of opening a channel').default(BOARD_COST_DEFAULTS.channelOpenMs),
  /** Starting a process (a busybox applet, a device command, a child sh). */
  commandMs: COST_MS('the cost of starting a command').default(BOARD_COST_DEFAULTS.commandMs),
  /** CPU-bound commands by name, replacing commandMs (merged over the defaults). */
  commands: z
    .record(str(/^[A-Za-z0-9_.+-]{1,64}$/, 'expected a command name'), COST_MS('the cost of this command'))
    .default({})
    .transform((c) => ({ ...BOARD_COST_DEFAULTS.commands, ...c })),
});

export const VirtualSchema = z.strictObject({
  /**
   * Which virtual lab: `madwifi`, the in-process model (rig/lab.ts); `hwsim`, a QEMU VM
   * running Linux's mac80211_hwsim with hostapd and wpa_supplicant (rig/hwsim/), real
   * time only.
   */
  kind: z.enum(['madwifi', 'hwsim'], msg('expected madwifi or hwsim')).default('madwifi'),
  /** Model seconds per real second (a hwsim lab runs a real kernel: 1). */
  timeScale: positive(100_000, 'expected model seconds per real second, > 0 and at most 100000').default(1),
  seed: z
    .number(msg('expected an integer seed'))
    .int(msg('expected an integer seed'))
    .default(0),
  /** Driver variant the virtual client runs (until flashing exists). */
  firmware: z.enum(['stock', 'patched'], msg('expected stock or patched')).default('stock'),
  /** Which ping the virtual client has. */
  ping: z.enum(['iputils', 'iputils-old', 'busybox'], msg('expected iputils, iputils-old or busybox')).default('iputils'),
  /** Faults the virtual rig injects during a run (rehearsing what a nightly run must survive). */
  faults: z.array(FaultSchema).default([]),
  /**
   * What a 2007 board's SSH server and CPU cost, in model milliseconds (waited as
   * ms / timeScale): present turns them on (`boardCosts: {}` for the defaults, a
   * 180 MHz MIPS board with dropbear; docs/virtual-rig.md). Absent: the boards answer at once.
   */
  boardCosts: BoardCostsSchema.optional(),
});

// --------------------------------------------------------------------------
// Bench and inventory
// --------------------------------------------------------------------------

const BenchObjectSchema = z.strictObject({
  description: z.string(msg('expected a text')).optional(),
  /** Present: rig starts the virtual rig in-process for this bench. */
  virtual: VirtualSchema.optional(),
  essid: str(ESSID_RE, ESSID_EXPECT).refine(
    (s) => !IWCONFIG_ESSID_KEYWORDS.includes(s.toLowerCase()),
    msg('expected an ESSID other than "any", "on" or "off" (iwconfig keywords)'),
  ),
  security: SecuritySchema,
  devices: DevicesSchema,
  /** Physical attenuator units named once; attenuators say `unit:` and their `channel`. */
  attenuatorUnits: z.record(str(NAME_RE, `${NAME_EXPECT} for an attenuator unit`), AttenuatorUnitSchema).optional(),
  attenuators: z.record(str(NAME_RE, `${NAME_EXPECT} for an attenuator`), AttenuatorInputSchema),
  traffic: TrafficSchema,
  roaming: RoamingSchema,
  profile: ProfileSchema,
  thresholds: ThresholdsSchema,
});

type BenchInput = z.output<typeof BenchObjectSchema>;
type AttenuatorInput = z.output<typeof AttenuatorInputSchema>;
type UnitPlacement = Pick<z.output<typeof AttenuatorUnitSchema>, 'model' | 'protocol' | 'address'>;

/** An attenuator as the rest of rig reads it: its unit's model, protocol and address filled in, safeDb resolved. */
export interface ResolvedAttenuator {
  model: string;
  protocol: 'http' | 'telnet';
  address: string;
  channel: number;
  path: ApName;
  fixedLossDb: number;
  safeDb: number;
  /** The `attenuatorUnits` entry it is a channel of, when the inventory names one. */
  unit?: string;
}

/**
 * The attenuators and their units: each attenuator either names a unit or gives model,
 * protocol and address (not both, not neither); a unit named exists; a channel fits the
 * model when its name says how many it has; attenuators at one address (one unit) agree
 * on model and protocol and use different channels; one unit is named once.
 */
function checkAttenuators(b: BenchInput, isVirtual: boolean, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
  const units = b.attenuatorUnits ?? {};
  const unitNames = Object.keys(units);

  const unitAt = new Map<string, string>();
  for (const [u, unit] of Object.entries(units)) {
    const parts = typeof unit.address === 'string' ? splitAddress(unit.address) : undefined;
    if (!parts) continue;
    if (parts.port === 0) {
      if (!isVirtual) issue(['attenuatorUnits', u, 'address'], ADDRESS_EXPECT);
      continue;
    }
    const at = `${parts.host.toLowerCase()}:${parts.port}`;
    const other = unitAt.get(at);
    if (other !== undefined) issue(['attenuatorUnits', u, 'address'], `expected a different address than unit ${other} (one unit is named once; its channels go on the attenuators)`);
    else unitAt.set(at, u);
  }

  const firstOnUnit = new Map<string, { name: string; model: string; protocol: string }>();
  const channelTaken = new Map<string, string>();
  for (const [attName, att] of Object.entries(b.attenuators)) {
    const at = (key: string): PropertyKey[] => ['attenuators', attName, key];
    let placement: UnitPlacement;
    if (att.unit !== undefined) {
      for (const k of UNIT_KEYS) {
        if (att[k] !== undefined) issue(at(k), `expected no ${k} next to unit: (attenuatorUnits.${att.unit} gives it)`);
      }
      const unit = Object.hasOwn(units, att.unit) ? units[att.unit] : undefined;
      if (!unit) {
        issue(at('unit'), `expected the name of a unit under attenuatorUnits (${unitNames.join(', ') || 'none defined'})`);
        continue;
      }
      placement = unit;
    } else {
      const missing = UNIT_KEYS.filter((k) => att[k] === undefined);
      for (const k of missing) issue(at(k), 'expected model, protocol and address, or unit: naming one of attenuatorUnits');
      if (missing.length > 0) continue;
      placement = { model: att.model!, protocol: att.protocol!, address: att.address! };
      if (splitAddress(placement.address)?.port === 0 && !isVirtual) issue(at('address'), ADDRESS_EXPECT);
    }
    if (typeof placement.model !== 'string' || typeof placement.address !== 'string') continue;

    const channels = attenuatorModelChannels(placement.model);
    if (channels !== null && att.channel > channels) {
      issue(at('channel'), channels === 1 ? `expected channel 1 (the ${placement.model} has one channel)` : `expected a channel of the ${placement.model}, 1..${channels}`);
    }

    const key = attenuatorUnitKey(attName, { unit: att.unit, address: placement.address });
    const first = firstOnUnit.get(key);
    if (first === undefined) {
      firstOnUnit.set(key, { name: attName, model: placement.model, protocol: placement.protocol });
    } else {
      const same = { model: first.model.toUpperCase() === placement.model.toUpperCase(), protocol: first.protocol === placement.protocol };
      for (const k of ['model', 'protocol'] as const) {
        if (same[k]) continue;
        const why = `attenuator ${first.name} at the same address ${placement.address} says ${first[k]}: one unit has one ${k}`;
        if (att.unit !== undefined) issue(at('unit'), `expected a unit with ${k} ${first[k]} (unit ${att.unit} has ${placement[k]}; ${why})`);
        else issue(at(k), `expected ${k} ${first[k]} (${why})`);
      }
    }
    const slot = `${key}#${att.channel}`;
    const other = channelTaken.get(slot);
    if (other !== undefined) {
      issue(['attenuators', attName], `expected a different unit or channel than attenuator ${other} (same ${att.unit !== undefined ? 'unit' : 'address'} and channel)`);
    } else {
      channelTaken.set(slot, attName);
    }
  }
}

/** The attenuator with its unit's placement filled in and its safe value resolved (attenuator, unit, profile maximum). */
function resolveAttenuator(b: BenchInput, a: AttenuatorInput): ResolvedAttenuator {
  const { unit, model, protocol, address, channel, path, fixedLossDb, safeDb } = a;
  const u = unit !== undefined ? b.attenuatorUnits?.[unit] : undefined;
  const placement: UnitPlacement = u ?? { model: model!, protocol: protocol!, address: address! };
  return {
    model: placement.model,
    protocol: placement.protocol,
    address: placement.address,
    channel,
    path,
    fixedLossDb,
    safeDb: safeDb ?? u?.safeDb ?? b.profile.range.maxDb,
    ...(unit !== undefined ? { unit } : {}),
  };
}

export const BenchSchema = BenchObjectSchema.superRefine((b, ctx) => {
  const isVirtual = b.virtual !== undefined;

  for (const name of DEVICE_NAMES) {
    const dev = b.devices[name];
    if (dev.port === 0 && !isVirtual) {
      ctx.addIssue({ code: 'custom', path: ['devices', name, 'port'], message: PORT_EXPECT });
    }
    if (dev.driver === 'madwifi') {
      if (!MADWIFI_IFACE_RE.test(dev.wireless.interface)) ctx.addIssue({ code: 'custom', path: ['devices', name, 'wireless', 'interface'], message: INTERFACE_EXPECT });
      if (!MADWIFI_RADIO_RE.test(dev.wireless.radio)) ctx.addIssue({ code: 'custom', path: ['devices', name, 'wireless', 'radio'], message: RADIO_EXPECT });
    }
    if (dev.power && dev.power.address !== undefined && (splitAddress(dev.power.address)?.port ?? 1) === 0 && !isVirtual) {
      ctx.addIssue({ code: 'custom', path: ['devices', name, 'power', 'address'], message: ADDRESS_EXPECT });
    }
    if (dev.console && (splitAddress(dev.console.address)?.port ?? 1) === 0 && !isVirtual) {
      ctx.addIssue({ code: 'custom', path: ['devices', name, 'console', 'address'], message: ADDRESS_EXPECT });
    }
    if (dev.power) checkPower(dev.power, ['devices', name, 'power'], ctx);
  }

  checkAttenuators(b, isVirtual, ctx);
  if (b.virtual?.kind === 'hwsim' && b.virtual.timeScale !== 1) {
    ctx.addIssue({ code: 'custom', path: ['virtual', 'timeScale'], message: 'expected 1 (a hwsim lab runs a real kernel in real time)' });
  }

  for (const ap of AP_NAMES) {
    if (!Object.values(b.attenuators).some((a) => a.path === ap)) {
      ctx.addIssue({
        code: 'custom',
        path: ['attenuators'],
        message: `expected at least one attenuator with path: ${ap} (each AP's RF path needs one)`,
      });
    }
  }

  const { minDb, maxDb } = b.profile.range;
  if (!(minDb < maxDb)) {
    ctx.addIssue({
      code: 'custom',
      path: ['profile', 'range'],
      message: `expected minDb < maxDb, got minDb ${minDb} and maxDb ${maxDb}`,
    });
  } else if (b.profile.stepDb > 0 && b.profile.stepDelayS > 0) {
    const steps = Math.ceil((maxDb - minDb) / b.profile.stepDb);
    const rampS = steps * b.profile.stepDelayS;
    if (b.profile.roamTimeoutS <= rampS) {
      ctx.addIssue({
        code: 'custom',
        path: ['profile', 'roamTimeoutS'],
        message: `expected a per-roam timeout longer than one full crossfade (${steps} steps of ${b.profile.stepDelayS} s = ${rampS} s)`,
      });
    }
  }
}).transform((b) => ({
  ...b,
  attenuators: Object.fromEntries(Object.entries(b.attenuators).map(([name, a]) => [name, resolveAttenuator(b, a)])) as Record<string, ResolvedAttenuator>,
}));

export const InventorySchema = z
  .strictObject({
    version: z.literal(1, msg('expected 1 (the only inventory format version)')),
    /** Bench used when none is named (`--bench`); optional when there is only one bench. */
    defaultBench: str(NAME_RE, NAME_EXPECT).optional(),
    benches: z.record(str(NAME_RE, `${NAME_EXPECT} for a bench`), BenchSchema),
  })
  .superRefine((inv, ctx) => {
    const names = Object.keys(inv.benches);
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['benches'], message: 'expected at least one bench' });
    }
    if (inv.defaultBench !== undefined && !names.includes(inv.defaultBench)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultBench'],
        message: `expected the name of a bench (${names.join(', ') || 'none defined'})`,
      });
    }
  });

// --------------------------------------------------------------------------
// Types (parsed output: defaults filled in, safeDb resolved)
// --------------------------------------------------------------------------

export type Inventory = z.output<typeof InventorySchema>;
export type Bench = z.output<typeof BenchSchema>;
export type VirtualSpec = z.output<typeof VirtualSchema>;
export type Security = z.output<typeof SecuritySchema>;
export type ApDevice = z.output<typeof ApDeviceSchema>;
export type ClientDevice = z.output<typeof ClientDeviceSchema>;
export type Device = ApDevice | ClientDevice;
export type Devices = z.output<typeof DevicesSchema>;
export type ApWireless = z.output<typeof ApWirelessSchema>;
export type ClientWireless = z.output<typeof ClientWirelessSchema>;
export type SshAlgorithmsSpec = z.output<typeof SshAlgorithmsSchema>;
export type PowerSpec = z.output<typeof PowerSchema>;
export type ConsoleInventorySpec = z.output<typeof ConsoleSchema>;
export type AttenuatorSpec = Bench['attenuators'][string];
export type AttenuatorUnitSpec = z.output<typeof AttenuatorUnitSchema>;
export type Traffic = z.output<typeof TrafficSchema>;
export type Roaming = z.output<typeof RoamingSchema>;
export type Profile = z.output<typeof ProfileSchema>;
export type VariantThresholds = z.output<typeof VariantThresholdsSchema>;
export type Thresholds = z.output<typeof ThresholdsSchema>;
/** What a lab writes (before defaults). */
export type InventoryInput = z.input<typeof InventorySchema>;

/** Thresholds for one variant: its own entry, else `default`. */
export function thresholdsFor(thresholds: Thresholds, variant: string): VariantThresholds {
  return Object.hasOwn(thresholds, variant) ? thresholds[variant] : thresholds.default;
}
