/**
 * The virtual Aeroflex/Weinschel 8310-series programmable attenuator unit: telnet,
 * CRLF, prompt `>` (docs/attenuators.md). Written from that description and from
 * what public lab drivers do with real units (Android's ACTS / Fuchsia's antlion
 * `attenuator_lib/aeroflex/telnet.py`, QCoDeS' Weinschel 8320 driver): they read
 * up to the prompt before each command, send `*CLS` on opening, read the channel
 * count with `RFCONFIG? CHAN` and `model, max_atten, min_step, ...` with
 * `RFCONFIG? ATTN 1`, set with `ATTN <ch> <dB>` (nothing printed but the prompt) and
 * read with `ATTN? <ch>`.
 *
 * The unit it plays, and why:
 * - 4 channels, each 0..95 dB in 0.25 dB steps. 95 dB with 0.25 dB resolution is
 *   what Wi-Fi roaming benches use these units for (the same range and step as the
 *   Mini-Circuits RC4DAT-6G-95 it stands in for), and it holds every value the
 *   shipped profile asks for (20..60 dB in 3 dB steps, 60 dB safe). All of it is
 *   configurable for tests (`channels`, `maxDb`, `stepDb`).
 * - Session: the prompt is shown when a client connects and after every command. One
 *   telnet client at a time, as the real units (a second connection is closed at once
 *   and the slot frees when the first client goes); `oneClientAtATime: false` lets
 *   several in (tests of the raw protocol).
 * - `*IDN?` answers IEEE 488.2's four fields, `Aeroflex Weinschel,<model>,<serial>,<firmware>`,
 *   the model without a brand prefix (`8310` for an inventory's `AF8310`).
 * - `RFCONFIG? ATTN <ch>` answers `<module>, <max dB>, <step dB>, <min MHz>, <max MHz>, <description>`.
 *   The public drivers use only the first three fields and call the next two "unknown":
 *   the frequency range is this unit's guess at them.
 * - `ATTN ALL <dB>` sets every channel. A value between two steps is rounded to the
 *   nearest step (the relays can only realise steps); 0 and the maximum are accepted.
 * - Errors: the public drivers never show one, so this follows IEEE 488.2 / SCPI, whose
 *   common commands (`*IDN?`, `*CLS`) the unit speaks: an error line before the prompt,
 *   `-113,"Undefined header"` (unknown command), `-109,"Missing parameter"`,
 *   `-108,"Parameter not allowed"` (too many), `-104,"Data type error"` (not a number),
 *   `-222,"Data out of range"` (no such channel, beyond 0..max); nothing changes.
 *
 * Faults as on the Mini-Circuits unit: `timeout` (commands taken, nothing printed, not
 * even the prompt, also not to a new client), `garbage` (one line of random bytes, then
 * the prompt). `setStuckChannel(ch)`: a stuck relay cell, sets on that channel are taken
 * silently and change nothing (what a read-back is for).
 */
import { VirtualRigError } from '../errors.ts';
import { garbageReply } from './garbage-reply.ts';
import { startTelnetLineServer } from './telnet-line-server.ts';
import type { VirtualAttenuator, VirtualAttenuatorFault, VirtualAttenuatorSpec } from './types.ts';

/** Model prefixes this virtual unit answers for (case-insensitive). */
export const WEINSCHEL_8310_MODEL_PREFIXES = ['8310', 'AF8310', 'WEINSCHEL-8310'] as const;

export const WEINSCHEL_8310_PROMPT = '>';
const FIRMWARE = '2.14';
const MODULE = 'SS-95-0.25';
const FREQ_MHZ = [0, 6000] as const;

/** Requests a virtual unit remembers (tests look at the first few; a soak must not grow). */
export const REQUESTS_KEPT = 10_000;
function keep<T>(log: T[], record: T): void {
  log.push(record);
  if (log.length > 2 * REQUESTS_KEPT) log.splice(0, log.length - REQUESTS_KEPT);
}

export interface Weinschel8310ServerOptions {
  /** Inventory model, e.g. `8310`, `AF8310`, `WEINSCHEL-8310-4-95`. Default `8310`. */
  model?: string;
  serial?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Telnet port; default 0 (any free port). */
  port?: number;
  /** Default 4. */
  channels?: number;
  /** Default 95. */
  maxDb?: number;
  /** Default 0.25. */
  stepDb?: number;
  /** Every channel at power-on; default 0. */
  initialDb?: number;
  /** Turn away a second telnet client while one is connected (default: yes, as the real units). */
  oneClientAtATime?: boolean;
  onChange?: (channel: number, db: number) => void;
}

/** One command line the unit received (counted before any fault applies). */
export interface Weinschel8310RequestRecord {
  command: string;
  /** The text printed before the prompt ('' for none); null when nothing or garbage was sent. */
  reply: string | null;
}

export interface Weinschel8310Server extends VirtualAttenuator {
  readonly port: number;
  readonly stepDb: number;
  /** The command lines, in order: the last REQUESTS_KEPT to 2 x REQUESTS_KEPT of them (a long run would hold every one). */
  readonly requests: readonly Weinschel8310RequestRecord[];
  /** A stuck relay cell on this channel (null: none): sets are taken and change nothing. */
  setStuckChannel(channel: number | null): void;
  /** Cut every telnet client (the unit keeps listening). */
  dropConnections(): void;
}

const ERR = {
  undefinedHeader: '-113,"Undefined header"',
  missingParameter: '-109,"Missing parameter"',
  parameterNotAllowed: '-108,"Parameter not allowed"',
  dataType: '-104,"Data type error"',
  outOfRange: '-222,"Data out of range"',
} as const;

const DECIMAL = /^\+?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** `AF8310` → `8310`: the model as the unit itself reports it. */
function unitModel(model: string): string {
  return model.trim().replace(/^(?:AF|WEINSCHEL-|AEROFLEX-)/i, '').toUpperCase();
}

export async function startWeinschel8310Server(opts: Weinschel8310ServerOptions = {}): Promise<Weinschel8310Server> {
  const model = (opts.model ?? '8310').trim();
  if (!WEINSCHEL_8310_MODEL_PREFIXES.some((p) => model.toUpperCase().startsWith(p))) {
    throw new VirtualRigError(`virtual Weinschel unit: "${model}" is not an 8310-series model (expected e.g. 8310, AF8310)`, 'E_VIRTUAL_ATTENUATOR_MODEL', 'config');
  }
  const channels = opts.channels ?? 4;
  const maxDb = opts.maxDb ?? 95;
  const stepDb = opts.stepDb ?? 0.25;
  const serial = opts.serial ?? '83100001';
  if (!(Number.isInteger(channels) && channels >= 1 && channels <= 16)) throw new RangeError(`channels ${channels}: expected 1..16`);
  if (!(stepDb > 0 && maxDb > 0)) throw new RangeError('maxDb and stepDb must be positive');
  const quantize = (db: number): number => Math.round(db / stepDb) * stepDb;
  const initial = opts.initialDb ?? 0;
  if (!(initial >= 0 && initial <= maxDb)) {
    throw new VirtualRigError(`virtual ${model}: initial attenuation ${initial} dB is outside the unit's range 0..${maxDb} dB`, 'E_VIRTUAL_ATTENUATOR_RANGE', 'config');
  }
  const values: number[] = new Array(channels).fill(quantize(initial));
  const requests: Weinschel8310RequestRecord[] = [];
  let fault: VirtualAttenuatorFault | null = null;
  let stuck: number | null = null;

  /** A channel argument: 1..channels, or null when it is not one. */
  function channelArg(arg: string): number | null {
    if (!/^\d+$/.test(arg)) return null;
    const ch = Number(arg);
    return ch >= 1 && ch <= channels ? ch : null;
  }

  function setChannel(ch: number, db: number): void {
    if (ch === stuck) return;
    const before = values[ch - 1];
    values[ch - 1] = db;
    if (before !== db) opts.onChange?.(ch, db);
  }

  /** One command; returns the text printed before the prompt ('' for none). */
  function execute(line: string): string {
    const [head = '', ...args] = line.trim().split(/\s+/).filter((t) => t !== '');
    const cmd = head.toUpperCase();
    const arity = (n: number): string | null => (args.length < n ? ERR.missingParameter : args.length > n ? ERR.parameterNotAllowed : null);
    switch (cmd) {
      case '':
        return '';
      case '*CLS':
        return arity(0) ?? '';
      case '*IDN?':
        return arity(0) ?? `Aeroflex Weinschel,${unitModel(model)},${serial},${FIRMWARE}`;
      case 'RFCONFIG?': {
        const what = (args[0] ?? '').toUpperCase();
        if (what === 'CHAN') return arity(1) ?? String(channels);
        if (what === 'ATTN') {
          const bad = arity(2);
          if (bad) return bad;
          if (channelArg(args[1]) === null) return ERR.outOfRange;
          return `${MODULE}, ${maxDb.toFixed(2)}, ${stepDb.toFixed(2)}, ${FREQ_MHZ[0]}, ${FREQ_MHZ[1]}, SOLID STATE 0-${maxDb} DB`;
        }
        return args.length === 0 ? ERR.missingParameter : ERR.undefinedHeader;
      }
      case 'ATTN': {
        const bad = arity(2);
        if (bad) return bad;
        const all = args[0].toUpperCase() === 'ALL';
        const ch = all ? null : channelArg(args[0]);
        if (!all && ch === null) return /^\d+$/.test(args[0]) ? ERR.outOfRange : ERR.dataType;
        if (!DECIMAL.test(args[1])) return ERR.dataType;
        const requested = Number(args[1]);
        if (!(requested >= 0 && requested <= maxDb)) return ERR.outOfRange;
        const db = quantize(requested);
        if (all) for (let c = 1; c <= channels; c++) setChannel(c, db);
        else setChannel(ch!, db);
        return '';
      }
      case 'ATTN?': {
        const bad = arity(1);
        if (bad) return bad;
        const ch = channelArg(args[0]);
        if (ch === null) return /^\d+$/.test(args[0]) ? ERR.outOfRange : ERR.dataType;
        return values[ch - 1].toFixed(2);
      }
      default:
        return ERR.undefinedHeader;
    }
  }

  const server = await startTelnetLineServer({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    prompt: WEINSCHEL_8310_PROMPT,
    oneClientAtATime: opts.oneClientAtATime ?? true,
    greet: () => fault !== 'timeout',
    onLine(raw, session) {
      const line = raw.trim();
      const record: Weinschel8310RequestRecord = { command: line, reply: null };
      if (line !== '') keep(requests, record);
      if (fault === 'timeout') return;
      if (fault === 'garbage') {
        session.reply(garbageReply());
        return;
      }
      const reply = execute(line);
      record.reply = reply;
      if (reply === '') session.reply();
      else session.reply(reply);
    },
  });

  return {
    model,
    serial,
    channels,
    maxDb,
    stepDb,
    port: server.port,
    ports: { http: null, telnet: server.port },
    requests,
    connectionCounts: () => ({ http: 0, telnet: server.accepted, telnetRefused: server.refused }),
    get(channel: number): number {
      if (!(Number.isInteger(channel) && channel >= 1 && channel <= channels)) {
        throw new RangeError(`channel ${channel} outside 1..${channels} on ${model}`);
      }
      return values[channel - 1];
    },
    setFault(f) {
      fault = f;
    },
    setStuckChannel(channel) {
      stuck = channel;
    },
    dropConnections: () => server.dropConnections(),
    close: () => server.close(),
  };
}

/** The registry's factory (telnet only: the unit has no HTTP command interface). */
export function startWeinschel8310Unit(spec: VirtualAttenuatorSpec): Promise<Weinschel8310Server> {
  return startWeinschel8310Server({
    model: spec.model,
    serial: `8310${String(spec.unit).padStart(4, '0')}`,
    host: spec.host,
    port: spec.port,
    initialDb: spec.initialDb,
    onChange: spec.onChange,
  });
}
